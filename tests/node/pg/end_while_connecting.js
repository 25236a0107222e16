// node-postgres: end() called while connect() is still in flight. The
// Terminate message is queued on the socket before the StartupMessage, so
// the server sees Terminate as its first packet. Prints what the client saw
// (connect outcome, end outcome, error event) so that a run through sqlwarden
// can be compared line by line with a run against PostgreSQL directly.
'use strict';
const { Client } = require('pg');

async function once(port) {
  const client = new Client({
    host: '127.0.0.1',
    port,
    user: 'app',
    password: 'app',
    database: 'exo_cluster',
    connectionTimeoutMillis: 10000,
  });
  const events = [];
  client.on('error', (e) => events.push('error event: ' + e.message));
  const connecting = client.connect().then(
    () => 'connect resolved',
    (e) => 'connect rejected: ' + e.message,
  );
  const ending = client.end().then(
    () => 'end resolved',
    (e) => 'end rejected: ' + e.message,
  );
  const outcome = await Promise.race([
    Promise.all([connecting, ending]),
    new Promise((resolve) => setTimeout(() => resolve(['timeout']), 10000)),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 100));  // late error events
  return outcome.concat(events).join('; ');
}

async function main() {
  const port = Number(process.env.SW_PORT);
  for (let i = 0; i < 3; ++i) console.log('end while connecting: ' + (await once(port)));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
