// acquireWithCdp, the acquire that is also the lease's CDP socket upgrade (GET /v1/acquire/cdp): a grant at once
// is one request (no HTTP call besides the upgrade) whose socket drives the tab and is closed with the lease; a
// request that waits behind the session's driver is long-polled as acquire does and its socket opened once
// granted; bad requests are refused locally or with the service's typed errors, and acquire nothing; a service
// older than the route is asked in two requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { TableaseClient } from '../src/index.js';
import { client, NO_SERVICE, session, unique, URL_ } from './service.mjs';

/** @returns {{c: TableaseClient, calls: string[]}} a client whose HTTP calls (besides the upgrades) are listed */
function counted() {
  const c = client();
  const calls = [];
  const call = c.call.bind(c);
  c.call = (method, path, ...rest) => {
    calls.push(`${method} ${path}`);
    return call(method, path, ...rest);
  };
  return { c, calls };
}

test('a detached session reattaches with one upgrade: the lease and its socket, closed 4000 when it is released',
  { skip: NO_SERVICE }, async () => {
    const { c, calls } = counted();
    const s = unique('one-trip');
    const key = unique('key');
    const first = await c.acquireWithCdp({ sessionId: s, key, holder: 'first' }); // a new session: its tab opens
    assert.equal(await first.cdp.evaluate('window.mark = "kept"; 6 * 7'), 42);
    await first.lease.release('DETACH');
    assert.equal((await first.cdp.closed).code, 4000);

    calls.length = 0;
    const { lease, cdp } = await c.acquireWithCdp({ sessionId: s, key, holder: 'again', requestClass: 'default' });
    assert.deepEqual(calls, [], 'granted at once: the upgrade was the only request');
    assert.equal(lease.state, 'held');
    assert.equal(lease.targetId, first.lease.targetId, 'the detached session kept its tab');
    assert.ok(lease.token > first.lease.token, 'a new fencing token');
    assert.equal(lease.holder, 'again');
    assert.equal(await cdp.evaluate('window.mark'), 'kept', 'the socket drives the session\'s own tab');
    await assert.rejects(cdp.send('Target.getTargets'), (e) => e.code === 'CDP_ERROR' && e.cdpError?.code === -32601);
    assert.equal((await session(c, s)).lease.holder, 'again');
    await lease.release('COMPLETED');
    assert.deepEqual(await cdp.closed, { code: 4000, reason: 'lease ended: released COMPLETED' });
  });

test('an acquireWithCdp behind the session\'s driver waits as acquire does, then opens its socket once granted',
  { skip: NO_SERVICE }, async () => {
    const { c, calls } = counted();
    const s = unique('queued-trip');
    const key = unique('key');
    const driver = await c.acquire({ sessionId: s, key, holder: 'driving' });
    calls.length = 0;
    let queued;
    const waiting = c.acquireWithCdp({ sessionId: s, key, holder: 'watcher', onQueued: (q) => { queued = q; } });
    for (let i = 0; i < 100 && queued === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(queued?.requestId > 0, 'told it is queued');
    await driver.release('DETACH');
    const { lease, cdp } = await waiting;
    assert.ok(calls.includes('POST /v1/wait') && !calls.includes('POST /v1/acquire'),
      `queued by the upgrade, then long-polled: ${calls}`);
    assert.equal(lease.holder, 'watcher');
    assert.equal(lease.targetId, driver.targetId);
    assert.equal(await cdp.evaluate('1 + 1'), 2);
    await lease.release('COMPLETED');
    assert.equal((await cdp.closed).code, 4000);
  });

test('bad acquireWithCdp requests are refused locally or with the service\'s typed errors, and acquire nothing',
  { skip: NO_SERVICE }, async () => {
    const c = client();
    const s = unique('bad-trip');
    const key = unique('key');
    await assert.rejects(c.acquireWithCdp(null), { code: 'BAD_ARGUMENT' });
    await assert.rejects(c.acquireWithCdp({ sessionId: 7, key, holder: 'h' }), { code: 'BAD_ARGUMENT' });
    await assert.rejects(c.acquireWithCdp({ sessionId: s, key, holder: 'h', timeoutMillis: 0 }), { code: 'BAD_ARGUMENT' });
    await assert.rejects(c.acquireWithCdp({ sessionId: '', key, holder: 'h' }), { code: 'BAD_REQUEST', httpStatus: 400 });
    await assert.rejects(c.acquireWithCdp({ sessionId: s, key, holder: 'h', requestClass: 'nope' }),
      { code: 'UNKNOWN_REQUEST_CLASS', httpStatus: 400 });
    const stranger = new TableaseClient({ url: URL_, token: 'not-the-token' });
    await assert.rejects(stranger.acquireWithCdp({ sessionId: s, key, holder: 'h' }), { code: 'UNAUTHORIZED', httpStatus: 401 });
    assert.equal(await session(c, s), undefined, 'nothing was acquired');
    const held = await c.acquire({ sessionId: s, key, holder: 'h' });
    try {
      await assert.rejects(c.acquireWithCdp({ sessionId: s, key: unique('other'), holder: 'h' }),
        { code: 'KEY_MISMATCH', httpStatus: 409 });
    } finally {
      await held.release('COMPLETED');
    }
  });

test('a service without the route (404 NOT_FOUND) is asked with acquire, then the grant\'s cdpUrl; a failed open is released DETACH',
  async () => {
    // a stand-in for an older service: no /v1/acquire/cdp, and a grant without a cdpUrl, so the socket cannot open
    const seen = [];
    const json = (res, status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const old = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => { text += c; });
      req.on('end', () => {
        seen.push(`${req.method} ${req.url.split('?')[0]} ${text}`);
        if (req.url === '/v1/acquire') {
          json(res, 200, { outcome: 'granted', requestId: 1, sessionId: 's', holder: 'h', token: 7, targetId: 'T',
            deadline: Date.now() + 60_000, expiresAt: Date.now() + 60_000, heartbeatIntervalMillis: 60_000 });
        } else if (req.url === '/v1/release') {
          json(res, 200, { sessionId: 's', token: 7, outcome: 'DETACH' });
        } else {
          json(res, 404, { code: 'NOT_FOUND', message: `no route ${req.url.split('?')[0]}` });
        }
      });
    });
    old.on('upgrade', (req, socket) => { // what Jetty does with an upgrade of an unknown path: the 404
      seen.push(`UPGRADE ${req.url.split('?')[0]}`);
      const body = JSON.stringify({ code: 'NOT_FOUND', message: 'no route /v1/acquire/cdp' });
      socket.end(`HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    });
    await new Promise((r) => old.listen(0, '127.0.0.1', r));
    try {
      const c = new TableaseClient({ url: `http://127.0.0.1:${old.address().port}`, token: 't' });
      await assert.rejects(c.acquireWithCdp({ sessionId: 's', key: 'k', holder: 'h' }), { code: 'NO_CDP_URL' });
      assert.deepEqual(seen.map((l) => l.split(' ').slice(0, 2).join(' ')),
        ['UPGRADE /v1/acquire/cdp', 'POST /v1/acquire', 'POST /v1/release']);
      assert.equal(JSON.parse(seen[2].split(' ').slice(2).join(' ')).outcome, 'DETACH', 'the grant is let go, not leaked');
    } finally {
      old.closeAllConnections?.();
      await new Promise((r) => old.close(r));
    }
  });
