// The Node.js client of `tablease serve` (docs/serve.md, the API in
// serve/src/main/resources/dev/tablease/serve/openapi.yaml): a session's driver lease on a shared Chrome tab,
// acquired over HTTP, beaten automatically while held, released with an outcome, and a CDP socket to the
// lease's tab only, which the service closes the moment the lease ends.
//
// Plain JavaScript with JSDoc types; one dependency, `ws`, for the CDP WebSocket (Node 18 and 20 have no
// WebSocket client without a flag, and the standard WebSocket API cannot set the Authorization header the
// upgrade needs).

import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import WebSocket from 'ws';

/**
 * Kept-alive connections to the service, shared by every client of this process: one request costs about a
 * millisecond less than with `fetch` here (docs/benchmarks.md, "The lease service"). Idle sockets do not keep
 * the process alive (Node unrefs them), so a `send` that released its lease still exits.
 */
const AGENTS = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/**
 * One HTTP exchange.
 * @param {URL} url
 * @param {{method: string, headers: Record<string, string>, body?: string, signal?: AbortSignal}} options
 * @returns {Promise<{status: number, text: Promise<string>}>} the status once the head arrived, and the body
 */
function exchange(url, { method, headers, body, signal }) {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, {
      method,
      agent: AGENTS[url.protocol],
      signal,
      headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const text = new Promise((done, cut) => {
        const chunks = [];
        res.setEncoding('utf8');
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => done(chunks.join('')));
        res.on('error', cut);
        res.on('aborted', () => cut(new Error('the answer was cut off')));
      });
      text.catch(() => {}); // read by the caller; a cut answer is its error, not an unhandled rejection
      resolve({ status: res.statusCode ?? 0, text });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The API's answer: the parsed JSON body of a 2xx answer (with `httpStatus` added); any other answer throws the
 * service's typed error.
 * @param {string} what the request, for the messages (`POST /v1/acquire`)
 * @param {number} status the HTTP status
 * @param {string} text the body
 * @returns {any}
 */
function answerOf(what, status, text) {
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new TableaseError(CLIENT_CODES.BAD_ANSWER,
      `${what}: HTTP ${status} without a JSON object: ${text.slice(0, 200)}`,
      { httpStatus: status });
  }
  if (status >= 200 && status < 300) {
    return { ...json, httpStatus: status };
  }
  if (typeof json.code !== 'string') {
    throw new TableaseError(CLIENT_CODES.BAD_ANSWER,
      `${what}: HTTP ${status} without an error code: ${text.slice(0, 200)}`,
      { httpStatus: status });
  }
  throw new TableaseError(json.code, String(json.message ?? json.code), {
    httpStatus: status,
    reason: json.reason,
    retryAfterMillis: json.retryAfterMillis,
    requestId: json.requestId,
    sessionId: json.sessionId,
  });
}

/** The outcomes a release may carry (the protocol's words). */
export const OUTCOMES = Object.freeze(['DETACH', 'COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * The error codes this client raises itself (the service's own codes, `BAD_REQUEST`, `UNAUTHORIZED`,
 * `STALE_TOKEN`, `REJECTED`, … are passed on as the service sent them, see the OpenAPI file's `ErrorCode`).
 */
export const CLIENT_CODES = Object.freeze({
  /** a wrong option or argument given to this client; nothing was sent */
  BAD_ARGUMENT: 'BAD_ARGUMENT',
  /** the token file could not be read */
  NO_TOKEN: 'NO_TOKEN',
  /** the service could not be reached (connection refused, reset, DNS) */
  UNREACHABLE: 'UNREACHABLE',
  /** the service answered something that is not the API's JSON */
  BAD_ANSWER: 'BAD_ANSWER',
  /** the caller's AbortSignal fired; a queued acquire was cancelled at the service */
  ABORTED: 'ABORTED',
  /** the granted answer has no `cdpUrl` (a service without the per-lease CDP endpoint) */
  NO_CDP_URL: 'NO_CDP_URL',
  /** the CDP socket is closed (by the service when the lease ended: `closeCode` and `closeReason` say why) */
  CDP_CLOSED: 'CDP_CLOSED',
  /** a CDP command was answered with a CDP error (`cdpError` holds it), e.g. a refused `Target.*` */
  CDP_ERROR: 'CDP_ERROR',
  /** `Runtime.evaluate` threw in the page (`exceptionDetails` holds CDP's details) */
  CDP_EXCEPTION: 'CDP_EXCEPTION',
  /** the CDP socket did not open within the time allowed */
  CDP_TIMEOUT: 'CDP_TIMEOUT',
});

/**
 * Every failure of this client: the service's typed errors (`code`, `message`, `httpStatus`, and for a
 * rejection `reason` and `retryAfterMillis`) and the client's own (`CLIENT_CODES`, `httpStatus` 0).
 */
export class TableaseError extends Error {
  /**
   * @param {string} code a stable code: the service's `ErrorCode`, or one of `CLIENT_CODES`
   * @param {string} message for a human
   * @param {{httpStatus?: number, reason?: string, retryAfterMillis?: number, requestId?: number,
   *          sessionId?: string, closeCode?: number, closeReason?: string, cdpError?: any,
   *          exceptionDetails?: any, cause?: unknown}} [details]
   */
  constructor(code, message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TableaseError';
    /** @type {string} */
    this.code = code;
    /** @type {number} the HTTP status of the service's answer; 0 when the error is the client's own */
    this.httpStatus = details.httpStatus ?? 0;
    /** @type {string | undefined} a rejection's reason: QUEUE_FULL, QUEUE_TIMEOUT, OPEN_FAILED, SESSION_ENDED, CANCELLED */
    this.reason = details.reason;
    /** @type {number | undefined} a rejection's hint: retry after this many milliseconds (0 for none) */
    this.retryAfterMillis = details.retryAfterMillis;
    /** @type {number | undefined} */
    this.requestId = details.requestId;
    /** @type {string | undefined} */
    this.sessionId = details.sessionId;
    /** @type {number | undefined} the WebSocket close code (CDP_CLOSED) */
    this.closeCode = details.closeCode;
    /** @type {string | undefined} the WebSocket close reason (CDP_CLOSED) */
    this.closeReason = details.closeReason;
    /** @type {any} CDP's error object `{code, message, data?}` (CDP_ERROR) */
    this.cdpError = details.cdpError;
    /** @type {any} CDP's exceptionDetails (CDP_EXCEPTION) */
    this.exceptionDetails = details.exceptionDetails;
  }
}

/** @param {string} message */
function badArgument(message) {
  return new TableaseError(CLIENT_CODES.BAD_ARGUMENT, message);
}

/** @param {AbortSignal | undefined} signal */
function checkSignal(signal) {
  if (signal !== undefined && (signal === null || typeof signal.aborted !== 'boolean')) {
    throw badArgument('signal must be an AbortSignal');
  }
}

/**
 * @typedef {object} Granted the service's `granted` answer
 * @property {'granted'} outcome
 * @property {number} requestId
 * @property {string} sessionId
 * @property {string} holder
 * @property {number} token the fencing token
 * @property {string} targetId Chrome's target id of the session's tab
 * @property {number} deadline when the reservation ends at the latest (ms of the store's clock)
 * @property {number} expiresAt when the lease lapses unless beaten before
 * @property {number} heartbeatIntervalMillis
 * @property {string} [cdpUrl] the lease's own CDP WebSocket (the tab only, closed when the lease ends)
 */

/**
 * @typedef {{sessionId: string, key: string, holder: string, requestClass?: string, waitMillis?: number,
 *   signal?: AbortSignal, onQueued?: (queued: {requestId: number, sessionId: string, queueDeadline: number}) => void,
 *   timeoutMillis?: number}} AcquireRequest
 */

/**
 * Checks an acquire's request here, before anything is sent.
 * @param {any} request
 * @param {string} call `acquire` or `acquireWithCdp`, for the messages
 * @returns {AcquireRequest}
 */
function checkAcquire(request, call) {
  if (request === null || typeof request !== 'object') {
    throw badArgument(`${call}({sessionId, key, holder, requestClass?, waitMillis?, signal?}): the request must be an object`);
  }
  const { sessionId, waitMillis, signal, onQueued } = request;
  checkSignal(signal);
  if (waitMillis !== undefined && !(Number.isSafeInteger(waitMillis) && waitMillis >= 0)) {
    // checked here: the first call of an acquire never waits, so the service would see it only when queued
    throw badArgument(`waitMillis must be a non-negative integer (milliseconds), was ${JSON.stringify(waitMillis)}`);
  }
  if (onQueued !== undefined && typeof onQueued !== 'function') {
    throw badArgument('onQueued must be a function');
  }
  if (signal?.aborted) {
    throw new TableaseError(CLIENT_CODES.ABORTED, `${call} of ${sessionId}: aborted before it was sent`);
  }
  return request;
}

/**
 * @param {AcquireRequest} r
 * @returns {Record<string, unknown>} the fields the service reads of an acquire, as the caller gave them
 */
function acquireBody(r) {
  /** @type {Record<string, unknown>} */
  const body = { sessionId: r.sessionId, key: r.key, holder: r.holder };
  if (r.requestClass !== undefined) {
    body.requestClass = r.requestClass;
  }
  return body;
}

/** How a lease is told of a CDP socket of its own, closed with it (module-private). */
const TRACK = Symbol('track');

/**
 * A client of one `tablease serve`. Its calls share the process's kept-alive connections (the CDP upgrades too);
 * every call carries the bearer token.
 */
export class TableaseClient {
  /** @type {URL} */
  #base;
  /** @type {string} */
  #token;

  /**
   * @param {{url: string | URL, token?: string, tokenFile?: string}} options `url`: the service, e.g.
   *   `http://127.0.0.1:7311`; the bearer token itself (`token`) or the file the service wrote it to
   *   (`tokenFile`, read once here), exactly one of them
   */
  constructor(options) {
    if (options === null || typeof options !== 'object') {
      throw badArgument('new TableaseClient({url, token | tokenFile}): options must be an object');
    }
    const { url, token, tokenFile } = options;
    let base;
    try {
      base = new URL(String(url));
    } catch {
      throw badArgument(`url must be an absolute http URL such as http://127.0.0.1:7311, was ${JSON.stringify(url)}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw badArgument(`url must be http or https, was ${base.protocol}`);
    }
    if ((token === undefined) === (tokenFile === undefined)) {
      throw badArgument('give exactly one of token and tokenFile');
    }
    let t;
    if (tokenFile !== undefined) {
      if (typeof tokenFile !== 'string' || tokenFile === '') {
        throw badArgument('tokenFile must be a path');
      }
      try {
        t = readFileSync(tokenFile, 'utf8').trim();
      } catch (e) {
        throw new TableaseError(CLIENT_CODES.NO_TOKEN,
          `cannot read the token file ${tokenFile}: ${/** @type {Error} */ (e).message}`, { cause: e });
      }
      if (t === '') {
        throw new TableaseError(CLIENT_CODES.NO_TOKEN, `the token file ${tokenFile} is empty`);
      }
    } else {
      if (typeof token !== 'string' || token.trim() === '') {
        throw badArgument('token must be a non-blank string');
      }
      t = token.trim();
    }
    base.pathname = base.pathname.replace(/\/+$/, '');
    this.#base = base;
    this.#token = t;
  }

  /** @returns {string} the service's base URL */
  get url() {
    return this.#base.href.replace(/\/+$/, '');
  }

  /**
   * The bearer token (for the CDP socket's upgrade).
   * @returns {string}
   */
  get bearerToken() {
    return this.#token;
  }

  /**
   * One call of the API. Answers the parsed JSON body of a 2xx answer (with `httpStatus` added); any other
   * answer throws the service's typed error.
   * @param {'GET' | 'POST'} method
   * @param {string} path e.g. `/v1/heartbeat`
   * @param {object} [body] the JSON body of a POST
   * @param {{signal?: AbortSignal}} [options]
   * @returns {Promise<any>}
   */
  async call(method, path, body, options = {}) {
    const url = this.url + path;
    /** @type {{status: number, text: Promise<string>}} */
    let res;
    try {
      res = await exchange(new URL(url), {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
        signal: options.signal,
      });
    } catch (e) {
      if (options.signal?.aborted) {
        throw new TableaseError(CLIENT_CODES.ABORTED, `${method} ${path}: aborted`, { cause: e });
      }
      const err = /** @type {any} */ (e);
      const why = err?.code ?? err?.cause?.code ?? err?.message;
      throw new TableaseError(CLIENT_CODES.UNREACHABLE, `${method} ${url}: the service is unreachable (${why})`,
        { cause: e });
    }
    let text;
    try {
      text = await res.text;
    } catch (e) {
      if (options.signal?.aborted) {
        throw new TableaseError(CLIENT_CODES.ABORTED, `${method} ${path}: aborted`, { cause: e });
      }
      throw new TableaseError(CLIENT_CODES.UNREACHABLE, `${method} ${path}: the answer was cut off`, { cause: e });
    }
    return answerOf(`${method} ${path}`, res.status, text);
  }

  /**
   * Acquires a session's driver lease: a new session, a reattach to a detached one (the same tab), or a wait
   * behind its current driver. While the kernel queues the request, this long-polls `/v1/wait` until it is
   * granted or rejected (the kernel's queue deadline bounds the wait).
   *
   * @param {object} request
   * @param {string} request.sessionId
   * @param {string} request.key the tab pool, e.g. `chatgpt`
   * @param {string} request.holder who drives, for the status and the log
   * @param {string} [request.requestClass] a request class of the kernel's config (default `default`)
   * @param {number} [request.waitMillis] how long each long poll waits at most (the service cuts it to its
   *   `maxWaitMillis`, 30 s by default)
   * @param {AbortSignal} [request.signal] aborting it cancels a queued request at the service and rejects
   *   with `ABORTED` (a grant that won the race is released with DETACH by the service)
   * @param {(queued: {requestId: number, sessionId: string, queueDeadline: number}) => void} [request.onQueued]
   *   called once when the request is queued
   * @returns {Promise<Lease>} the granted lease, beaten automatically until released or lost
   * @throws {TableaseError} `REJECTED` (with `reason` and `retryAfterMillis`), `KEY_MISMATCH`,
   *   `CLASS_MISMATCH`, `BAD_REQUEST`, `UNKNOWN_REQUEST_CLASS`, `UNAUTHORIZED`, `ABORTED`, …
   */
  async acquire(request) {
    const r = checkAcquire(request, 'acquire');
    // The first call does not wait: a queued request answers at once with its requestId, so that an abort can
    // cancel it; a grant at once is answered after its handover anyway.
    const answer = await this.call('POST', '/v1/acquire', { ...acquireBody(r), waitMillis: 0 }, { signal: r.signal });
    return this.#untilGranted(answer, r);
  }

  /**
   * Acquires a session's driver lease and opens its CDP socket in one round trip (`GET /v1/acquire/cdp`, a WebSocket
   * upgrade that is the acquire): what `acquire` and then `lease.cdp()` do, with one request fewer and over a
   * kept-alive connection. A request the kernel queues (or a new session whose tab is still opening) is waited on
   * as `acquire` waits, and its socket opened once granted; either way the result is the same. A service without
   * this route (older than it: `404 NOT_FOUND`) is asked with `acquire`, then `lease.cdp()`.
   *
   * @param {object} request the request of {@link TableaseClient#acquire}, and:
   * @param {string} request.sessionId
   * @param {string} request.key
   * @param {string} request.holder
   * @param {string} [request.requestClass]
   * @param {number} [request.waitMillis]
   * @param {AbortSignal} [request.signal] checked before the upgrade and while queued (as for `acquire`)
   * @param {(queued: {requestId: number, sessionId: string, queueDeadline: number}) => void} [request.onQueued]
   * @param {number} [request.timeoutMillis] how long the socket may take to open (default 10 s)
   * @returns {Promise<{lease: Lease, cdp: CdpSession}>} the lease (beaten automatically) and its CDP socket
   * @throws {TableaseError} what `acquire` and `lease.cdp()` throw; a grant whose socket then fails to open is
   *   released with DETACH first (the session keeps its tab)
   */
  async acquireWithCdp(request) {
    const r = checkAcquire(request, 'acquireWithCdp');
    if (r.timeoutMillis !== undefined && !(Number.isSafeInteger(r.timeoutMillis) && r.timeoutMillis > 0)) {
      throw badArgument(`timeoutMillis must be a positive integer (milliseconds), was ${JSON.stringify(r.timeoutMillis)}`);
    }
    const url = new URL(`${this.url.replace(/^http/, 'ws')}/v1/acquire/cdp`);
    for (const [name, value] of Object.entries(acquireBody(r))) {
      // a query has strings only: anything else is refused here (the service checks the strings, as for acquire)
      if (value !== undefined && typeof value !== 'string') {
        throw badArgument(`${name} must be a string, was ${JSON.stringify(value)}`);
      }
      if (value !== undefined) {
        url.searchParams.set(name, value);
      }
    }
    const opened = await upgradeSocket(url.href, { bearerToken: this.#token, timeoutMillis: r.timeoutMillis });
    if (opened.session !== undefined) {
      let grant;
      try {
        grant = JSON.parse(String(opened.headers['tablease-grant']));
      } catch {
        grant = undefined;
      }
      if (grant?.outcome !== 'granted' || typeof grant.token !== 'number') {
        opened.session.close();
        throw new TableaseError(CLIENT_CODES.BAD_ANSWER,
          `GET /v1/acquire/cdp of ${r.sessionId}: upgraded without a grant in its Tablease-Grant header`);
      }
      const lease = new Lease(this, grant);
      lease[TRACK](opened.session);
      return { lease, cdp: opened.session };
    }
    let answer;
    try {
      answer = answerOf('GET /v1/acquire/cdp', opened.status, opened.text);
    } catch (e) {
      if (!(e instanceof TableaseError && e.code === 'NOT_FOUND' && e.httpStatus === 404)) {
        throw e;
      }
      // a service older than this route: the same in two requests
      answer = await this.call('POST', '/v1/acquire', { ...acquireBody(r), waitMillis: 0 }, { signal: r.signal });
    }
    const lease = await this.#untilGranted(answer, r);
    try {
      return { lease, cdp: await lease.cdp({ timeoutMillis: r.timeoutMillis }) };
    } catch (e) {
      await lease.release('DETACH').catch(() => {});
      throw e;
    }
  }

  /**
   * Long-polls `/v1/wait` while the answer is `queued`.
   * @param {any} first the acquire's answer
   * @param {AcquireRequest} r the checked request
   * @returns {Promise<Lease>}
   */
  async #untilGranted(first, r) {
    const { sessionId, waitMillis, signal, onQueued } = r;
    let answer = first;
    if (answer.outcome === 'queued') {
      onQueued?.({ requestId: answer.requestId, sessionId: answer.sessionId, queueDeadline: answer.queueDeadline });
    }
    while (answer.outcome === 'queued') {
      const requestId = answer.requestId;
      try {
        /** @type {Record<string, unknown>} */
        const wait = { requestId };
        if (waitMillis !== undefined) {
          wait.waitMillis = waitMillis;
        }
        answer = await this.call('POST', '/v1/wait', wait, { signal });
      } catch (e) {
        if (e instanceof TableaseError && e.code === CLIENT_CODES.ABORTED) {
          let result = 'unknown';
          try {
            result = (await this.cancel(requestId)).result;
          } catch (c) {
            result = `not cancelled: ${/** @type {Error} */ (c).message}`;
          }
          throw new TableaseError(CLIENT_CODES.ABORTED,
            `acquire of ${sessionId} (request ${requestId}): aborted while queued; cancel: ${result}`,
            { requestId, sessionId, cause: e });
        }
        throw e;
      }
    }
    if (answer.outcome !== 'granted') {
      throw new TableaseError(CLIENT_CODES.BAD_ANSWER, `acquire of ${sessionId}: unexpected answer ${JSON.stringify(answer)}`,
        { httpStatus: answer.httpStatus });
    }
    return new Lease(this, answer);
  }

  /**
   * Withdraws a queued acquire (`/v1/cancel`).
   * @param {number} requestId
   * @returns {Promise<{requestId: number, result: 'WITHDRAWN' | 'GRANT_RELEASED' | 'ALREADY_REJECTED' | 'ALREADY_ENDED'}>}
   */
  async cancel(requestId) {
    return this.call('POST', '/v1/cancel', { requestId });
  }

  /**
   * The service's read-only status: keys, tabs, sessions (without tokens), queues, config.
   * @returns {Promise<any>}
   */
  async status() {
    return this.call('GET', '/v1/status');
  }

  /**
   * Opens a CDP socket to a lease's tab (what {@link Lease#cdp} does), e.g. for a process that was handed a
   * `cdpUrl`. Refused at the upgrade with the service's typed error (`STALE_TOKEN` when the lease ended).
   * @param {string} cdpUrl
   * @param {{timeoutMillis?: number}} [options]
   * @returns {Promise<CdpSession>}
   */
  async connectCdp(cdpUrl, options = {}) {
    return CdpSession.connect(cdpUrl, { bearerToken: this.#token, ...options });
  }
}

/**
 * A granted lease. It beats itself every `heartbeatIntervalMillis / 2` until it is released or lost (the beats keep
 * the process alive meanwhile).
 *
 * Events: `heartbeat` (the service's answer), `heartbeatError` (a beat that failed without a verdict, e.g. the
 * service unreachable; the next beat is tried on time), `lost` (a TableaseError: the service refused a beat,
 * release or update as `STALE_TOKEN` or `UNKNOWN_SESSION`, e.g. the lease lapsed for missed heartbeats),
 * `released` (the service's answer).
 */
export class Lease extends EventEmitter {
  /** @type {TableaseClient} */
  #client;
  /** @type {'held' | 'releasing' | 'released' | 'lost'} */
  #state = 'held';
  /** @type {NodeJS.Timeout | undefined} */
  #timer;
  /** @type {Promise<unknown> | undefined} */
  #beating;
  /** @type {Set<CdpSession>} */
  #sockets = new Set();
  /** @type {(value: TableaseError | null) => void} */
  #settle = () => {};

  /**
   * @param {TableaseClient} client
   * @param {Granted} granted
   */
  constructor(client, granted) {
    super();
    this.#client = client;
    /** @type {string} */
    this.sessionId = granted.sessionId;
    /** @type {string} */
    this.holder = granted.holder;
    /** @type {number} */
    this.requestId = granted.requestId;
    /** @type {number} the fencing token */
    this.token = granted.token;
    /** @type {string} */
    this.targetId = granted.targetId;
    /** @type {number} */
    this.deadline = granted.deadline;
    /** @type {number} updated by every accepted beat */
    this.expiresAt = granted.expiresAt;
    /** @type {number} */
    this.heartbeatIntervalMillis = granted.heartbeatIntervalMillis;
    /** @type {string | undefined} */
    this.cdpUrl = granted.cdpUrl;
    /** @type {TableaseError | undefined} why the lease was lost */
    this.lostBecause = undefined;
    /** @type {Promise<TableaseError | null>} settles when the lease ends: null when released, the refusal when lost */
    this.ended = new Promise((resolve) => {
      this.#settle = resolve;
    });
    this.#schedule();
  }

  /** @returns {'held' | 'releasing' | 'released' | 'lost'} */
  get state() {
    return this.#state;
  }

  #schedule() {
    if (this.#state !== 'held') {
      return;
    }
    const every = Math.max(1, Math.floor(this.heartbeatIntervalMillis / 2));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#beating = this.heartbeat()
        .catch(() => {})
        .finally(() => {
          this.#beating = undefined;
          this.#schedule();
        });
    }, every);
    // The timer keeps the process alive while the lease is held (`await lease.ended` must not end the process);
    // a forgotten lease ends at the latest with the session's deadline, when the next beat is refused.
  }

  #stopBeating() {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /**
   * @param {TableaseError} refusal
   */
  #lose(refusal) {
    if (this.#state === 'lost' || this.#state === 'released') {
      return;
    }
    this.#state = 'lost';
    this.#stopBeating();
    this.lostBecause = refusal;
    this.#settle(refusal);
    this.emit('lost', refusal);
  }

  /**
   * @param {unknown} e
   * @returns {boolean} whether the service said the token is no longer this session's lease
   */
  #refused(e) {
    if (e instanceof TableaseError && (e.code === 'STALE_TOKEN' || e.code === 'UNKNOWN_SESSION')) {
      this.#lose(e);
      return true;
    }
    return false;
  }

  /**
   * One beat now (they also run by themselves). A refusal marks the lease lost.
   * @returns {Promise<{sessionId: string, token: number, expiresAt: number}>}
   */
  async heartbeat() {
    try {
      const a = await this.#client.call('POST', '/v1/heartbeat', { sessionId: this.sessionId, token: this.token });
      this.expiresAt = a.expiresAt;
      this.emit('heartbeat', a);
      return a;
    } catch (e) {
      if (!this.#refused(e) && this.#state === 'held') {
        this.emit('heartbeatError', e);
      }
      throw e;
    }
  }

  /**
   * Writes the session's conversation URL, fenced by this lease's token.
   * @param {string} conversationUrl an absolute http or https URL
   * @returns {Promise<{sessionId: string, token: number, conversationUrl: string}>}
   */
  async update(conversationUrl) {
    try {
      return await this.#client.call('POST', '/v1/update',
        { sessionId: this.sessionId, token: this.token, conversationUrl });
    } catch (e) {
      this.#refused(e);
      throw e;
    }
  }

  /**
   * Ends the lease. The beats stop first; the service then answers, and closes the lease's CDP sockets.
   * @param {'DETACH' | 'COMPLETED' | 'FAILED' | 'CANCELLED'} outcome `DETACH`: the session goes on without
   *   a driver and keeps its tab (a later acquire reattaches); the others finish the session
   * @returns {Promise<{sessionId: string, token: number, outcome: string}>}
   */
  async release(outcome) {
    if (!OUTCOMES.includes(outcome)) {
      throw badArgument(`outcome must be one of ${OUTCOMES.join(', ')}, was ${JSON.stringify(outcome)}`);
    }
    const wasHeld = this.#state === 'held';
    if (wasHeld) {
      this.#state = 'releasing';
      this.#stopBeating();
      await this.#beating;
    }
    try {
      const a = await this.#client.call('POST', '/v1/release',
        { sessionId: this.sessionId, token: this.token, outcome });
      this.#state = 'released';
      this.#settle(null);
      for (const s of this.#sockets) {
        s.close();
      }
      this.emit('released', a);
      return a;
    } catch (e) {
      if (this.#state === 'releasing') {
        this.#state = 'held';
      }
      if (!this.#refused(e) && wasHeld && this.#state === 'held') {
        this.#schedule();
      }
      throw e;
    }
  }

  /**
   * Opens a CDP socket to this lease's tab (its `cdpUrl`, with the bearer token on the upgrade). Commands that
   * would reach other targets are refused by the service on it; it is closed by the service when the lease ends.
   * @param {{timeoutMillis?: number}} [options]
   * @returns {Promise<CdpSession>}
   */
  async cdp(options = {}) {
    if (typeof this.cdpUrl !== 'string') {
      throw new TableaseError(CLIENT_CODES.NO_CDP_URL,
        `the grant of session ${this.sessionId} has no cdpUrl: the service has no per-lease CDP endpoint`);
    }
    const s = await this.#client.connectCdp(this.cdpUrl, options);
    this[TRACK](s);
    return s;
  }

  /**
   * Keeps `s` among this lease's sockets until it closes.
   * @param {CdpSession} s
   */
  [TRACK](s) {
    this.#sockets.add(s);
    s.once('close', () => this.#sockets.delete(s));
  }
}

/**
 * A WebSocket upgrade with a bearer token, over a kept-alive connection of the process when one is idle.
 * @param {string} url `ws://…`
 * @param {{bearerToken?: string, timeoutMillis?: number}} options
 * @returns {Promise<{session: CdpSession, headers: import('node:http').IncomingHttpHeaders, status?: undefined,
 *   text?: undefined} | {session?: undefined, status: number, text: string}>} the open session and the `101`'s
 *   headers, or the status and body of an answer that is not an upgrade
 */
function upgradeSocket(url, options) {
  const timeoutMillis = options.timeoutMillis ?? 10_000;
  return new Promise((resolve, reject) => {
    let settled = false;
    /** @param {() => void} f */
    const settle = (f) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        f();
      }
    };
    let ws;
    try {
      ws = new WebSocket(url, {
        headers: options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {},
        perMessageDeflate: false,
        handshakeTimeout: timeoutMillis,
        agent: AGENTS[url.startsWith('wss:') ? 'https:' : 'http:'],
      });
    } catch (e) {
      reject(badArgument(`not a WebSocket URL: ${url}: ${/** @type {Error} */ (e).message}`));
      return;
    }
    const socket = ws;
    const timer = setTimeout(() => {
      settle(() => reject(new TableaseError(CLIENT_CODES.CDP_TIMEOUT,
        `the CDP socket did not open within ${timeoutMillis} ms: ${url}`)));
      socket.terminate();
    }, timeoutMillis);
    /** @type {import('node:http').IncomingHttpHeaders} */
    let headers = {};
    socket.on('upgrade', (res) => {
      headers = res.headers;
    });
    socket.on('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        if (text.length < 64 * 1024) {
          text += chunk;
        }
      });
      res.on('end', () => {
        settle(() => resolve({ status: res.statusCode ?? 0, text }));
        socket.terminate();
      });
      res.on('error', (e) => settle(() => reject(new TableaseError(CLIENT_CODES.UNREACHABLE,
        `CDP upgrade: ${e.message}`, { cause: e }))));
    });
    socket.on('error', (e) => {
      settle(() => reject(new TableaseError(CLIENT_CODES.UNREACHABLE, `CDP socket ${url}: ${e.message}`, { cause: e })));
    });
    socket.on('open', () => settle(() => resolve({ session: new CdpSession(socket), headers })));
  });
}

/**
 * A CDP session over one WebSocket: commands with `send`, events as `event` (the whole message) and by method
 * name (their params), `close` (code, reason). When the socket closes, every pending and later command rejects
 * with `CDP_CLOSED` carrying the close code and reason (the service's reason why the lease ended).
 */
export class CdpSession extends EventEmitter {
  /** @type {WebSocket} */
  #ws;
  /** @type {number} */
  #nextId = 1;
  /** @type {Map<number, {method: string, resolve: (v: any) => void, reject: (e: Error) => void}>} */
  #pending = new Map();
  /** @type {TableaseError | undefined} */
  #closedError;

  /**
   * @param {WebSocket} ws an open socket
   */
  constructor(ws) {
    super();
    this.#ws = ws;
    /** @type {Promise<{code: number, reason: string}>} settles when the socket closes */
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reasonBuffer) => {
        const reason = reasonBuffer.toString('utf8');
        this.#closedError = new TableaseError(CLIENT_CODES.CDP_CLOSED,
          `the CDP socket is closed: ${code}${reason ? ' ' + reason : ''}`, { closeCode: code, closeReason: reason });
        for (const p of this.#pending.values()) {
          p.reject(new TableaseError(CLIENT_CODES.CDP_CLOSED,
            `${p.method}: the CDP socket closed before the answer: ${code}${reason ? ' ' + reason : ''}`,
            { closeCode: code, closeReason: reason }));
        }
        this.#pending.clear();
        resolve({ code, reason });
        this.emit('close', code, reason);
      });
    });
    ws.on('error', (e) => this.emit('socketError', e));
    ws.on('message', (data) => this.#receive(data));
  }

  /**
   * Connects to a CDP WebSocket with a bearer token on the upgrade.
   * @param {string} url `ws://…`
   * @param {{bearerToken?: string, timeoutMillis?: number}} [options]
   * @returns {Promise<CdpSession>}
   */
  static async connect(url, options = {}) {
    const opened = await upgradeSocket(url, options);
    if (opened.session !== undefined) {
      return opened.session;
    }
    let body;
    try {
      body = JSON.parse(opened.text);
    } catch {
      body = undefined;
    }
    if (body && typeof body.code === 'string') {
      throw new TableaseError(body.code, `CDP socket refused: ${body.message ?? body.code}`,
        { httpStatus: opened.status });
    }
    throw new TableaseError(CLIENT_CODES.BAD_ANSWER,
      `CDP socket refused with HTTP ${opened.status} and no typed error: ${opened.text.slice(0, 200)}`,
      { httpStatus: opened.status });
  }

  /** @param {WebSocket.RawData} data */
  #receive(data) {
    let msg;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      this.emit('socketError', new TableaseError(CLIENT_CODES.BAD_ANSWER, `a CDP frame that is not JSON: ${data.toString().slice(0, 200)}`));
      return;
    }
    if (typeof msg.id === 'number') {
      const p = this.#pending.get(msg.id);
      if (p === undefined) {
        return;
      }
      this.#pending.delete(msg.id);
      if (msg.error) {
        p.reject(new TableaseError(CLIENT_CODES.CDP_ERROR,
          `${p.method}: ${msg.error.message ?? JSON.stringify(msg.error)}`, { cdpError: msg.error }));
      } else {
        p.resolve(msg.result ?? {});
      }
    } else if (typeof msg.method === 'string') {
      this.emit('event', msg);
      this.emit(msg.method, msg.params ?? {});
    }
  }

  /** @returns {boolean} whether the socket is closed (or closing) */
  get isClosed() {
    return this.#closedError !== undefined || this.#ws.readyState !== WebSocket.OPEN;
  }

  /**
   * Sends one CDP command.
   * @param {string} method e.g. `Runtime.evaluate`
   * @param {object} [params]
   * @returns {Promise<any>} CDP's result; rejects with `CDP_ERROR` (CDP's error) or `CDP_CLOSED`
   */
  send(method, params = {}) {
    if (typeof method !== 'string' || method === '') {
      return Promise.reject(badArgument('method must be a CDP method name such as Runtime.evaluate'));
    }
    if (this.#closedError !== undefined || this.#ws.readyState !== WebSocket.OPEN) {
      const e = this.#closedError;
      return Promise.reject(new TableaseError(CLIENT_CODES.CDP_CLOSED, `${method}: ${e ? e.message : 'the CDP socket is closing'}`,
        { closeCode: e?.closeCode, closeReason: e?.closeReason }));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { method, resolve, reject });
      this.#ws.send(JSON.stringify({ id, method, params }), (err) => {
        if (err && this.#pending.delete(id)) {
          reject(new TableaseError(CLIENT_CODES.CDP_CLOSED, `${method}: not sent: ${err.message}`, { cause: err }));
        }
      });
    });
  }

  /**
   * `Runtime.evaluate` with `returnByValue` and `awaitPromise`: the expression's value.
   * @param {string} expression
   * @returns {Promise<any>} rejects with `CDP_EXCEPTION` when the expression throws in the page
   */
  async evaluate(expression) {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) {
      const d = r.exceptionDetails;
      throw new TableaseError(CLIENT_CODES.CDP_EXCEPTION,
        `the expression threw: ${d.exception?.description ?? d.text ?? 'an exception'}`, { exceptionDetails: d });
    }
    return r.result?.value;
  }

  /**
   * Closes the socket (code 1000).
   * @returns {Promise<{code: number, reason: string}>}
   */
  close() {
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) {
      this.#ws.close(1000, 'closed by the client');
    }
    return this.closed;
  }
}
