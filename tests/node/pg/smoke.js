// node-postgres through sqlwarden: simple query, parameterized query, a
// named prepared statement run twice, a server error mid-session, and a
// transaction. Prints one line per check; exits non-zero on the first failure.
'use strict';
const { Client } = require('pg');

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok ' + what);
}

async function main() {
  const client = new Client({
    host: '127.0.0.1',
    port: Number(process.env.SW_PG_PORT),
    user: 'app',
    password: 'app',
    database: 'exo_cluster',
    connectionTimeoutMillis: 10000,
  });
  await client.connect();

  const simple = await client.query('select count(*)::int as n from ai_models');
  check(simple.rows[0].n === 6, 'simple query');

  const param = await client.query('select $1::int + $2::int as sum, $3::text as s', [40, 2, 'x']);
  check(param.rows[0].sum === 42 && param.rows[0].s === 'x', 'parameterized query');

  const named = { name: 'model-by-rank', text: 'select $1::int * 10 as v', values: [1] };
  const first = await client.query(named);
  named.values = [7];
  const second = await client.query(named);
  check(first.rows[0].v === 10 && second.rows[0].v === 70, 'named prepared statement (twice)');

  let code = null;
  try {
    await client.query('select * from no_such_table_node');
  } catch (e) {
    code = e.code;
  }
  check(code === '42P01', 'server error reaches the client');

  await client.query('begin');
  await client.query('create temp table node_t (x int)');
  await client.query('insert into node_t values ($1), ($2)', [1, 2]);
  await client.query('rollback');
  const after = await client.query("select to_regclass('pg_temp.node_t') is null as gone");
  check(after.rows[0].gone === true, 'transaction rolled back');

  await client.end();
  console.log('all ok');
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
