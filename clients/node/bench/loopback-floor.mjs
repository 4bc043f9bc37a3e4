// The floor under any grant an agent gets over HTTP (docs/benchmarks.md, "The lease service"): one Node HTTP
// request to a Node server that answers at once, on a kept-alive loopback connection, with the pooled-grant
// benchmark's pause between requests, and back to back. No tablease code is involved.
//
// Usage: node bench/loopback-floor.mjs [--requests 300] [--pause-millis 250]
// Prints one JSON line per pause: {"what":"loopback http","pauseMillis":…,"count":…,"p50":…,"p99":…,"max":…} (ms).
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    'pause-millis': { type: 'string', default: '250' },
  },
});
const requests = Number(values.requests);

const server = http.createServer((req, res) => res.end('ok'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const { port } = server.address();
const get = () => new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
    res.resume();
    res.on('end', resolve);
  }).on('error', reject);
});

for (const pause of [Number(values['pause-millis']), 0]) {
  const lat = [];
  for (let i = -20; i < requests; i++) { // twenty first, not counted
    const t0 = process.hrtime.bigint();
    await get();
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= 0) lat.push(elapsed);
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }
  lat.sort((a, b) => a - b);
  const at = (q) => lat[Math.min(lat.length - 1, Math.ceil(lat.length * q) - 1)];
  console.log(JSON.stringify({ what: 'loopback http', pauseMillis: pause, count: lat.length, p50: at(0.5), p99: at(0.99),
    max: lat[lat.length - 1] }));
}
agent.destroy();
server.close();
