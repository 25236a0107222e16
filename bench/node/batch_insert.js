// Batch insert of N rows with the mariadb connector's batch() (MariaDB's
// COM_STMT_BULK_EXECUTE when the server and the proxy advertise bulk
// operations), direct and through sqlwarden in the same run (issue 11,
// acceptance 3). Prints one JSON line per target and a Markdown table.
//
//   node bench/node/batch_insert.js --direct 127.0.0.1:13306 --proxy 127.0.0.1:6033 \
//        [--user app --password app --database exo_cluster --rows 10000 --rounds 5]
//
// Needs the mariadb package: (cd tests/node/mysql && npm install).
'use strict';
const path = require('path');
const mariadb = require(require.resolve('mariadb', {paths: [path.join(__dirname, '..', '..', 'tests', 'node', 'mysql')]}));

function option(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

async function measure(label, address, rows, rounds, credentials) {
  const [host, port] = address.split(':');
  const conn = await mariadb.createConnection({host, port: Number(port), ...credentials});
  const table = 'bench_batch_' + process.pid;
  const data = [];
  for (let i = 0; i < rows; i++) data.push([i, 'name ' + i, i * 0.5]);
  const times = [];
  let bulk = null;
  try {
    await conn.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, name VARCHAR(40), v DOUBLE)`);
    for (let r = 0; r < rounds; r++) {
      await conn.query(`TRUNCATE TABLE ${table}`);
      const t0 = process.hrtime.bigint();
      const res = await conn.batch({sql: `INSERT INTO ${table} VALUES (?, ?, ?)`, fullResult: false}, data);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const count = (await conn.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n;
      if (Number(count) !== rows) throw new Error(`${label}: ${count} rows after batch, expected ${rows}`);
      bulk = res && res.affectedRows === rows;
    }
  } finally {
    await conn.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    await conn.end();
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  return {target: label, rows, rounds, median_ms: median, min_ms: times[0], max_ms: times[times.length - 1],
          rows_per_second: Math.round(rows / (median / 1000)), affected_rows_ok: bulk};
}

(async () => {
  const rows = Number(option('rows', 10000));
  const rounds = Number(option('rounds', 5));
  const credentials = {user: option('user', 'app'), password: option('password', 'app'),
                       database: option('database', 'exo_cluster'), bulk: true};
  const results = [];
  // Interleaved: direct, proxy, direct, proxy... one round each, so drift hits both.
  const per = {direct: [], sqlwarden: []};
  for (let r = 0; r < rounds; r++) {
    per.direct.push(await measure('direct', option('direct', '127.0.0.1:13306'), rows, 1, credentials));
    per.sqlwarden.push(await measure('sqlwarden', option('proxy', '127.0.0.1:6033'), rows, 1, credentials));
  }
  for (const [target, runs] of Object.entries(per)) {
    const ms = runs.map((x) => x.median_ms).sort((a, b) => a - b);
    const median = ms[Math.floor(ms.length / 2)];
    const r = {target, rows, rounds, median_ms: +median.toFixed(1), min_ms: +ms[0].toFixed(1),
               max_ms: +ms[ms.length - 1].toFixed(1), rows_per_second: Math.round(rows / (median / 1000))};
    results.push(r);
    console.log(JSON.stringify(r));
  }
  const direct = results[0].median_ms;
  console.log('\n| target | rows | median ms | min–max ms | rows/s | × direct (time) |\n|---|---|---|---|---|---|');
  for (const r of results)
    console.log(`| ${r.target} | ${r.rows.toLocaleString('en')} | ${r.median_ms} | ${r.min_ms}–${r.max_ms} | ` +
                `${r.rows_per_second.toLocaleString('en')} | ${(r.median_ms / direct).toFixed(2)}× |`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
