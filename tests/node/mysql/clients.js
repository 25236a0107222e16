// Runs the mysql2 and mariadb npm clients through the proxy: a query, a
// prepared execute, and a pool of 10 running concurrent work; then what
// MariaDB's extended capabilities change, compared with the same calls
// made directly to the server (JSON columns known from extended metadata,
// mariadb's batch() over COM_STMT_BULK_EXECUTE). Exits non-zero with a
// message on the first failure. Usage: node clients.js PORT DIRECT_PORT
'use strict';
const assert = require('assert');
const mysql2 = require('mysql2/promise');
const mariadb = require('mariadb');

const port = Number(process.argv[2]);
const directPort = Number(process.argv[3]);
const common = { host: '127.0.0.1', port, user: 'app', password: 'app', database: 'exo_cluster' };
const direct = { ...common, port: directPort };

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

// JSON is LONGTEXT in MariaDB; only the extended metadata says "json".
async function jsonColumn(connect, query, opts) {
  const conn = await connect(opts);
  const r = await query(conn);
  await conn.end();
  return r;
}

async function extendedCapabilities() {
  const setup = await mariadb.createConnection(direct);
  await setup.query('CREATE TABLE IF NOT EXISTS sw_caps_json (id INT PRIMARY KEY, doc JSON)');
  await setup.query('REPLACE INTO sw_caps_json VALUES (1, \'{"a": [1, 2], "b": "x"}\')');
  await setup.query('CREATE TABLE IF NOT EXISTS sw_caps_bulk (a INT, b VARCHAR(20), c JSON)');
  await setup.end();

  const sql = 'SELECT id, doc FROM sw_caps_json';
  const my2 = async (conn) => {
    const [rows, fields] = await conn.query(sql);
    const [prows, pfields] = await conn.execute(sql + ' WHERE id = ?', [1]);
    const meta = (f) => f.map((c) => [c.name, c.columnType, c.extendedTypeName, c.extendedFormat]);
    return { rows, fields: meta(fields), prows, pfields: meta(pfields) };
  };
  const viaMy2 = await jsonColumn(mysql2.createConnection, my2, common);
  const directMy2 = await jsonColumn(mysql2.createConnection, my2, direct);
  assert.deepStrictEqual(viaMy2, directMy2);
  assert.strictEqual(directMy2.fields[1][3], 'json');  // the server did send it

  const mdb = async (conn) => {
    const rows = await conn.query(sql);
    const prows = await conn.execute(sql + ' WHERE id = ?', [1]);
    const meta = (m) => m.map((c) => [c.name(), c.type, c.dataTypeName, c.dataTypeFormat]);
    return { rows: [...rows], meta: meta(rows.meta), prows: [...prows], pmeta: meta(prows.meta) };
  };
  const viaMdb = await jsonColumn(mariadb.createConnection, mdb, common);
  const directMdb = await jsonColumn(mariadb.createConnection, mdb, direct);
  assert.deepStrictEqual(viaMdb, directMdb);
  assert.strictEqual(typeof directMdb.rows[0].doc, 'object');  // parsed because typed json
  console.log('extended metadata ok');

  // batch(): one COM_STMT_BULK_EXECUTE for all rows when bulk is on.
  const rows = Array.from({ length: 200 }, (_, i) => [i, 'row ' + i, JSON.stringify({ i })]);
  const batch = async (opts) => {
    const conn = await mariadb.createConnection({ ...opts, bulk: true });
    await conn.query('DELETE FROM sw_caps_bulk');
    const res = await conn.batch('INSERT INTO sw_caps_bulk VALUES (?, ?, ?)', rows);
    const more = await conn.batch('INSERT INTO sw_caps_bulk(a, b) VALUES (?, ?)', [[1000, 'x'], [1001, null]]);
    const check = await conn.query('SELECT count(*) AS n, sum(a) AS s, max(b) AS m FROM sw_caps_bulk');
    await conn.end();
    return JSON.parse(JSON.stringify({ res, more, check: [...check] }, (k, v) =>
      typeof v === 'bigint' ? v.toString() : v));
  };
  const viaBatch = await batch(common);
  const directBatch = await batch(direct);
  assert.deepStrictEqual(viaBatch, directBatch);
  assert.strictEqual(Number(viaBatch.check[0].n), 202);
  console.log('bulk batch ok');
}

// The compressed protocol, as each package implements it, against the
// proxy's and the server's.
async function compression() {
  const sql = 'SELECT seq, REPEAT(\'abc\', seq % 50) AS r FROM seq_1_to_5000';
  const my2 = async (opts) => {
    const conn = await mysql2.createConnection({ ...opts, compress: true });
    const [rows] = await conn.query(sql);
    const [prepared] = await conn.execute('SELECT ? AS v, REPEAT(\'x\', 500) AS x', [7]);
    const err = await conn.query('SELECT * FROM no_such_table').catch((e) => e.code);
    const [big] = await conn.query('SELECT REPEAT(\'b\', 2000000) AS b');
    await conn.end();
    return { rows, prepared, err, big: big[0].b.length };
  };
  assert.deepStrictEqual(await my2(common), await my2(direct));
  const mdb = async (opts) => {
    const conn = await mariadb.createConnection({ ...opts, compress: true });
    const rows = [...(await conn.query(sql))];
    const prepared = [...(await conn.execute('SELECT ? AS v, REPEAT(\'x\', 500) AS x', [7]))];
    const err = await conn.query('SELECT * FROM no_such_table').catch((e) => e.code);
    const big = await conn.query('SELECT REPEAT(\'b\', 2000000) AS b');
    await conn.query('DELETE FROM sw_caps_bulk WHERE a >= 5000');
    const res = await conn.batch('INSERT INTO sw_caps_bulk(a, b) VALUES (?, ?)',
      Array.from({ length: 100 }, (_, i) => [5000 + i, 'c'.repeat(20)]));
    await conn.end();
    return JSON.parse(JSON.stringify({ rows, prepared, err, big: big[0].b.length, res },
      (k, v) => typeof v === 'bigint' ? v.toString() : v));
  };
  assert.deepStrictEqual(await mdb(common), await mdb(direct));
  console.log('compression ok');
}

(async () => {
  await withMysql2();
  await withMariadb();
  if (directPort) await extendedCapabilities();
  if (directPort) await compression();
})().catch((e) => {
  console.error('FAILED:', e && e.stack ? e.stack : e);
  process.exit(1);
});
