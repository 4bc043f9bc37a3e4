// The client's own behaviour against a real service: typed errors for every bad input (the service's codes
// passed on with their HTTP status, the client's own with status 0), nothing changed by an error, the
// automatic heartbeats, a lease marked lost when the service refuses its beat, an acquire aborted while queued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableaseClient, TableaseError } from '../src/index.js';
import { client, NO_SERVICE, session, unique, URL_ } from './service.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('the constructor refuses a missing or wrong url, both or neither token options, and an unreadable token file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tablease-client-'));
  const empty = join(dir, 'empty.token');
  writeFileSync(empty, '\n');
  for (const [options, code, words] of [
    [undefined, 'BAD_ARGUMENT', 'options must be an object'],
    [{ token: 't' }, 'BAD_ARGUMENT', 'url must be an absolute http URL'],
    [{ url: 'not a url', token: 't' }, 'BAD_ARGUMENT', 'url must be an absolute http URL'],
    [{ url: 'ftp://127.0.0.1/', token: 't' }, 'BAD_ARGUMENT', 'url must be http or https'],
    [{ url: 'http://127.0.0.1:1' }, 'BAD_ARGUMENT', 'exactly one of token and tokenFile'],
    [{ url: 'http://127.0.0.1:1', token: 't', tokenFile: empty }, 'BAD_ARGUMENT', 'exactly one of token and tokenFile'],
    [{ url: 'http://127.0.0.1:1', token: '  ' }, 'BAD_ARGUMENT', 'token must be a non-blank string'],
    [{ url: 'http://127.0.0.1:1', tokenFile: join(dir, 'missing.token') }, 'NO_TOKEN', 'cannot read the token file'],
    [{ url: 'http://127.0.0.1:1', tokenFile: empty }, 'NO_TOKEN', 'is empty'],
  ]) {
    assert.throws(() => new TableaseClient(options), (e) => e instanceof TableaseError && e.code === code
      && e.httpStatus === 0 && e.message.includes(words), JSON.stringify(options));
  }
});

test('a service that is not listening is UNREACHABLE, with status 0', async () => {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const c = new TableaseClient({ url: `http://127.0.0.1:${port}`, token: 'x' });
  await assert.rejects(c.status(), (e) => e.code === 'UNREACHABLE' && e.httpStatus === 0
    && e.message.includes('ECONNREFUSED'));
});

test('a wrong bearer token is UNAUTHORIZED (401) on every call and acquires nothing', { skip: NO_SERVICE }, async () => {
  const bad = new TableaseClient({ url: URL_, token: 'not-the-token' });
  const s = unique('unauth');
  const key = unique('key');
  await assert.rejects(bad.status(), { code: 'UNAUTHORIZED', httpStatus: 401 });
  await assert.rejects(bad.acquire({ sessionId: s, key, holder: 'h' }), { code: 'UNAUTHORIZED', httpStatus: 401 });
  await assert.rejects(bad.cancel(1), { code: 'UNAUTHORIZED', httpStatus: 401 });
  assert.equal(await session(client(), s), undefined);
});

test('bad acquires are the service\'s typed errors and leave no session behind', { skip: NO_SERVICE }, async () => {
  const c = client();
  const s = unique('bad');
  const key = unique('key');
  const cases = [
    [{ sessionId: s, key, holder: 'h', requestClass: 'no-such-class' }, 'UNKNOWN_REQUEST_CLASS', 400, 'no-such-class'],
    [{ sessionId: s, key }, 'BAD_REQUEST', 400, 'holder'],
    [{ sessionId: s, key: '', holder: 'h' }, 'BAD_REQUEST', 400, 'key'],
    [{ sessionId: 42, key, holder: 'h' }, 'BAD_REQUEST', 400, 'sessionId'],
    [{ sessionId: s, key, holder: 'h', waitMillis: -1 }, 'BAD_ARGUMENT', 0, 'waitMillis'],
    [{ sessionId: s, key, holder: 'h', waitMillis: 1.5 }, 'BAD_ARGUMENT', 0, 'waitMillis'],
  ];
  for (const [request, code, status, words] of cases) {
    await assert.rejects(c.acquire(request), (e) => e instanceof TableaseError && e.code === code
      && e.httpStatus === status && e.message.includes(words), `${JSON.stringify(request)} -> ${code}`);
  }
  await assert.rejects(c.acquire(null), { code: 'BAD_ARGUMENT', httpStatus: 0 });
  await assert.rejects(c.acquire({ sessionId: s, key: 'k', holder: 'h', signal: 'soon' }), { code: 'BAD_ARGUMENT' });
  assert.equal(await session(c, s), undefined, 'no error created the session');
});

test('a held lease beats itself, refuses a bad release outcome locally and a bad URL at the service, and stays held',
  { skip: NO_SERVICE }, async () => {
    const c = client();
    const s = unique('held');
    const key = unique('key');
    const lease = await c.acquire({ sessionId: s, key, holder: 'holder-1' });
    try {
      let beats = 0;
      lease.on('heartbeat', () => beats++);
      const first = lease.expiresAt;
      await sleep(lease.heartbeatIntervalMillis * 3);
      assert.ok(beats >= 3, `beats every heartbeatIntervalMillis/2: ${beats} in 3 intervals`);
      assert.ok(lease.expiresAt > first, 'each beat moved the expiry');
      await assert.rejects(lease.release('DONE'), { code: 'BAD_ARGUMENT', httpStatus: 0 });
      await assert.rejects(lease.update('file:///etc/passwd'), { code: 'BAD_REQUEST', httpStatus: 400 });
      await assert.rejects(lease.update(''), { code: 'BAD_REQUEST', httpStatus: 400 });
      assert.equal(lease.state, 'held');
      assert.equal((await session(c, s)).conversationUrl, undefined, 'nothing written');
      await assert.rejects(c.acquire({ sessionId: s, key: `${key}-other`, holder: 'h2' }),
        { code: 'KEY_MISMATCH', httpStatus: 409 });
      const beatsBefore = beats;
      await sleep(lease.heartbeatIntervalMillis * 2);
      assert.ok(beats > beatsBefore, 'still beating after the refused calls');
    } finally {
      await lease.release('COMPLETED');
    }
    assert.equal(lease.state, 'released');
    assert.equal(await lease.ended, null);
    await assert.rejects(lease.heartbeat(), { code: 'UNKNOWN_SESSION', httpStatus: 404 });
  });

test('a lease whose beat the service refuses is marked lost: the event, ended, lostBecause, and no more beats',
  { skip: NO_SERVICE }, async () => {
    const c = client();
    const s = unique('lost');
    const key = unique('key');
    const lease = await c.acquire({ sessionId: s, key, holder: 'holder-1' });
    let lostEvents = 0;
    lease.on('lost', () => lostEvents++);
    // The lease ends behind the client's back (a raw release with its token, as another process could).
    await c.call('POST', '/v1/release', { sessionId: s, token: lease.token, outcome: 'DETACH' });
    const why = await lease.ended;
    assert.equal(why.code, 'STALE_TOKEN');
    assert.equal(why.httpStatus, 409);
    assert.equal(lease.state, 'lost');
    assert.equal(lease.lostBecause, why);
    let beats = 0;
    lease.on('heartbeat', () => beats++);
    await sleep(lease.heartbeatIntervalMillis * 2);
    assert.equal(beats, 0, 'no beat after the loss');
    assert.equal(lostEvents, 1);
    await assert.rejects(lease.update('https://chat.example/c/late'), { code: 'STALE_TOKEN', httpStatus: 409 });
    // clean up: the detached session is reattached and finished
    const again = await c.acquire({ sessionId: s, key, holder: 'holder-2' });
    assert.equal(again.targetId, lease.targetId);
    await again.release('COMPLETED');
  });

test('an acquire aborted while queued is cancelled at the service (ABORTED) and leaves no waiter behind',
  { skip: NO_SERVICE }, async () => {
    const c = client();
    const s = unique('abort');
    const key = unique('key');
    const holder = await c.acquire({ sessionId: s, key, holder: 'driving' });
    try {
      const ac = new AbortController();
      let queued;
      const waiting = c.acquire({ sessionId: s, key, holder: 'waiting', signal: ac.signal, onQueued: (q) => { queued = q; } });
      const rejected = assert.rejects(waiting, (e) => e.code === 'ABORTED' && e.message.includes('WITHDRAWN'));
      for (let i = 0; i < 100 && queued === undefined; i++) {
        await sleep(20);
      }
      assert.ok(queued?.requestId > 0, 'onQueued told the request id');
      assert.deepEqual((await session(c, s)).drivers.map((d) => d.holder), ['waiting']);
      ac.abort();
      await rejected;
      assert.deepEqual((await session(c, s)).drivers, [], 'the waiter was withdrawn');
      assert.equal(holder.state, 'held');
    } finally {
      await holder.release('COMPLETED');
    }
  });

test('a rejection is REJECTED (409) with the kernel\'s reason and retryAfterMillis, and the queue is unchanged',
  { skip: NO_SERVICE }, async () => {
    const c = client();
    const key = unique('key');
    const capacity = (await c.status()).config.queueCapacity;
    const holder = await c.acquire({ sessionId: unique('full'), key, holder: 'holding' });
    const ac = new AbortController();
    const waiting = [];
    try {
      // fill the key's queue with sessions waiting for its one tab
      for (let i = 0; i < capacity; i++) {
        let queued;
        const p = c.acquire({ sessionId: unique('full'), key, holder: `waiting-${i}`, signal: ac.signal, onQueued: (q) => { queued = q; } });
        waiting.push(p.catch((e) => e));
        for (let j = 0; j < 100 && queued === undefined; j++) {
          await sleep(20);
        }
        assert.ok(queued, `waiter ${i} is queued`);
      }
      const before = (await c.status()).queues.find((q) => q.key === key).sessions;
      assert.equal(before.length, capacity);
      const s = unique('full');
      await assert.rejects(c.acquire({ sessionId: s, key, holder: 'one-too-many' }), (e) => e instanceof TableaseError
        && e.code === 'REJECTED' && e.httpStatus === 409 && e.reason === 'QUEUE_FULL'
        && Number.isInteger(e.retryAfterMillis) && e.retryAfterMillis > 0 && e.sessionId === s);
      assert.deepEqual((await c.status()).queues.find((q) => q.key === key).sessions, before, 'the queue is unchanged');
      assert.equal(await session(c, s), undefined);
    } finally {
      ac.abort();
      for (const e of await Promise.all(waiting)) {
        assert.equal(e.code, 'ABORTED', String(e));
      }
      await holder.release('COMPLETED');
    }
  });
