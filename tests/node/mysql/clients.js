// Runs the mysql2 and mariadb npm clients through the proxy: a query, a
// prepared execute, and a pool of 10 running concurrent work. Exits non-zero
// with a message on the first failure. Usage: node clients.js PORT
'use strict';
const assert = require('assert');
const mysql2 = require('mysql2/promise');
const mariadb = require('mariadb');

const port = Number(process.argv[2]);
const common = { host: '127.0.0.1', port, user: 'app', password: 'app', database: 'exo_cluster' };

async function withMysql2() {
  const conn = await mysql2.createConnection(common);
  const [rows] = await conn.query('SELECT count(*) AS n FROM cluster_nodes');
  assert.strictEqual(Number(rows[0].n), 5);
  const [prepared] = await conn.execute('SELECT ? + 1 AS v, ? AS s, CAST(? AS DATE) AS d',
                                        [41, 'text', '2024-02-29']);
  assert.strictEqual(Number(prepared[0].v), 42);
  assert.strictEqual(prepared[0].s, 'text');
  assert.ok(prepared[0].d instanceof Date);
  const [nulls] = await conn.execute('SELECT ? IS NULL AS isnull', [null]);
  assert.strictEqual(Number(nulls[0].isnull), 1);
  await assert.rejects(conn.query('SELECT * FROM no_such_table'), /no_such_table/);
  await conn.end();

  const pool = mysql2.createPool({ ...common, connectionLimit: 10 });
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    pool.execute('SELECT ? AS i, SLEEP(0.01) AS z', [i])));
  results.forEach(([r], i) => assert.strictEqual(Number(r[0].i), i));
  await pool.end();
  console.log('mysql2 ok');
}

async function withMariadb() {
  const conn = await mariadb.createConnection(common);
  const rows = await conn.query('SELECT count(*) AS n FROM cluster_nodes');
  assert.strictEqual(Number(rows[0].n), 5);
  const prepared = await conn.execute('SELECT ? + 1 AS v, ? AS s', [41, 'text']);
  assert.strictEqual(Number(prepared[0].v), 42);
  assert.strictEqual(prepared[0].s, 'text');
  await assert.rejects(conn.query('SELECT * FROM no_such_table'), /no_such_table/);
  await conn.end();

  const pool = mariadb.createPool({ ...common, connectionLimit: 10 });
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    pool.execute('SELECT ? AS i, SLEEP(0.01) AS z', [i])));
  results.forEach((r, i) => assert.strictEqual(Number(r[0].i), i));
  await pool.end();
  console.log('mariadb ok');
}

(async () => {
  await withMysql2();
  await withMariadb();
})().catch((e) => {
  console.error('FAILED:', e && e.stack ? e.stack : e);
  process.exit(1);
});
