// node-postgres client.on('notification') through sqlwarden (issue 12,
// acceptance 3): LISTEN answered by the proxy, notifications from another
// client and from the client itself, the sender's pid, and LISTEN inside a
// rolled-back / committed transaction. Exits non-zero on the first failure.
'use strict';
const { Client } = require('pg');

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok ' + what);
}

function client() {
  return new Client({
    host: '127.0.0.1',
    port: Number(process.env.SW_PG_PORT),
    user: 'app',
    password: 'app',
    database: 'lablink_db',
    connectionTimeoutMillis: 10000,
  });
}

// Resolves once `list` holds `n` entries (or after 5 s).
async function until(list, n) {
  for (let i = 0; i < 100 && list.length < n; ++i) await new Promise((r) => setTimeout(r, 50));
}

async function main() {
  const a = client();
  const b = client();
  await a.connect();
  await b.connect();
  const got = [];
  a.on('notification', (m) => got.push(m));

  const r = await a.query('LISTEN node_chan');
  check(r.command === 'LISTEN', 'LISTEN answered');
  const sender = await b.query("SELECT pg_backend_pid() AS pid FROM pg_notify('node_chan', 'from b')");
  await a.query("NOTIFY node_chan, 'from a'");
  await until(got, 2);
  check(got.length === 2, 'two notifications');
  check(got[0].channel === 'node_chan' && got[0].payload === 'from b', 'notification from another client');
  check(got[0].processId === sender.rows[0].pid, 'sender pid kept');
  check(got[1].payload === 'from a', 'own notification');

  await a.query('BEGIN');
  await a.query('LISTEN node_tx');
  await a.query('ROLLBACK');
  await b.query("NOTIFY node_tx, 'not after rollback'");
  await b.query("NOTIFY node_chan, 'marker 1'");
  await until(got, 3);
  check(got.length === 3 && got[2].payload === 'marker 1', 'nothing after ROLLBACK');

  await a.query('BEGIN');
  await a.query('LISTEN node_tx');
  await a.query('COMMIT');
  await b.query("NOTIFY node_tx, 'after commit'");
  await until(got, 4);
  check(got.length === 4 && got[3].channel === 'node_tx', 'delivered after COMMIT');

  await a.query('UNLISTEN *');
  await b.query("NOTIFY node_chan, 'after unlisten'");
  await new Promise((res) => setTimeout(res, 300));
  check(got.length === 4, 'nothing after UNLISTEN *');

  await a.end();
  await b.end();
  console.log('all ok');
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
