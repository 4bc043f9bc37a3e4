// acquireWithCdp, the acquire that is also the lease's CDP socket upgrade (GET /v1/acquire/cdp): a grant at once
// is one request (no HTTP call besides the upgrade) whose socket drives the tab and is closed with the lease; a
// request that waits behind the session's driver is long-polled as acquire does and its socket opened once
// granted; bad requests are refused locally or with the service's typed errors, and acquire nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
