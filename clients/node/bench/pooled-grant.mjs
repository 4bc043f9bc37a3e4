// The pooled grant of docs/benchmarks.md ("The lease service") through this client, as an agent sees it: a new
// session acquires on a key whose one tab is pooled, opens the lease's CDP socket, leaves state in the tab, finishes
// (COMPLETED), and the next grant comes after a pause. The cycles alternate between the two ways to get there:
// acquire, then lease.cdp() (two requests), and acquireWithCdp (one upgrade that is the acquire). Prints one JSON
// line per latency kind:
//   {"what": "grant" | "grant+cdp" | "grant+cdp 1-trip", "count": N, "p50": ms, "p99": ms, "slowest": [ms, ...]}
// Usage: TABLEASE_URL=... TABLEASE_TOKEN_FILE=... node bench/pooled-grant.mjs [--grants 200] [--key pool]
//        [--pause-millis 250] [--warmup 10] [--warm 2000]
// --warm N: first N cycles of a session on its own tab (key "drv": acquire, open the CDP socket, release DETACH),
// so the service's and this process's code is compiled, as in a service that has run for a while.
import { parseArgs } from 'node:util';
import { TableaseClient } from '../src/index.js';

const { values } = parseArgs({
  options: {
    grants: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '10' },
    key: { type: 'string', default: 'pool' },
    'pause-millis': { type: 'string', default: '250' },
    tag: { type: 'string', default: 'node' },
    warm: { type: 'string', default: '0' },
  },
  strict: true,
});
const url = process.env.TABLEASE_URL;
const tokenFile = process.env.TABLEASE_TOKEN_FILE;
if (!url || !tokenFile) {
  console.error('TABLEASE_URL and TABLEASE_TOKEN_FILE must be set');
  process.exit(2);
}
const client = new TableaseClient({ url, tokenFile });
const grants = Number(values.grants);
const warmup = Number(values.warmup);
const pause = Number(values['pause-millis']);
for (let i = 0; i < Number(values.warm); i++) {
  const lease = await client.acquire({ sessionId: `${values.tag}-warm-${process.pid}`, key: 'drv', holder: 'bench warm-up' });
  (await lease.cdp()).close();
  await lease.release('DETACH');
  const again = await client.acquireWithCdp({ sessionId: `${values.tag}-warm-${process.pid}`, key: 'drv', holder: 'bench warm-up' });
  again.cdp.close();
  await again.lease.release('DETACH');
}
const grant = [];
const attached = [];
const oneTrip = [];
for (let i = -2 * warmup; i < 2 * grants; i++) {
  const sessionId = `${values.tag}-pool-${process.pid}-${i}`;
  const request = { sessionId, key: values.key, holder: `bench pid ${process.pid}` };
  const t0 = process.hrtime.bigint();
  let lease;
  let cdp;
  if (i % 2 === 0) {
    lease = await client.acquire(request);
    const t1 = process.hrtime.bigint();
    cdp = await lease.cdp();
    const t2 = process.hrtime.bigint();
    if (i >= 0) {
      grant.push(Number(t1 - t0) / 1e6);
      attached.push(Number(t2 - t0) / 1e6);
    }
  } else {
    ({ lease, cdp } = await client.acquireWithCdp(request));
    if (i >= 0) {
      oneTrip.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  await cdp.evaluate(`document.title = '${sessionId}'; window.leftover = '${sessionId}'`);
  cdp.close();
  await lease.release('COMPLETED');
  await new Promise((r) => setTimeout(r, pause));
}
for (const [what, lat] of [['grant', grant], ['grant+cdp', attached], ['grant+cdp 1-trip', oneTrip]]) {
  const s = [...lat].sort((a, b) => a - b);
  const p = (q) => s[Math.min(s.length - 1, Math.ceil(s.length * q) - 1)];
  console.log(JSON.stringify({ what, count: s.length, p50: s[Math.floor(s.length / 2)], p99: p(0.99), slowest: s.slice(-5) }));
}
