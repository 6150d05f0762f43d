/**
 * The web viewer's reconnection logic (src/viewer/reconnect.ts) with a fake clock: which
 * failures are tried again, the backoff delays (doubling, capped, jitter only shortening),
 * giving up after maxAttempts, starting over only after a session stayed up stableMs,
 * retrying at once, cancelling; the words for the status line; and that a gateway's refusal
 * (WebSocket close 1008) reaches the viewer as a lasting error through a real SpiceSession.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Reconnector, reconnectPolicy, retryDelay, isLastingError, delayWords, attemptWords, RECONNECT_DEFAULTS,
  type ReconnectClock,
} from '../../src/viewer/reconnect.js';
import { webSocketOpener, WebSocketClosed, type WebSocketLike } from '../../src/viewer/ws-transport.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import { LinkErr } from '../../src/protocol/enums/index.js';
import { SpiceSession } from '../../src/client/session.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';

class FakeClock implements ReconnectClock {
  t = 0;
  rnd = 0;
  timers: { at: number; f: () => void; id: number }[] = [];
  private next = 1;
  setTimeout(f: () => void, ms: number) { const id = this.next++; this.timers.push({ at: this.t + ms, f, id }); return id; }
  clearTimeout(h: unknown) { this.timers = this.timers.filter((x) => x.id !== h); }
  now() { return this.t; }
  random() { return this.rnd; }
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.t = due.at;
      due.f();
    }
    this.t = end;
  }
}

const lost = (why = 'the connection was lost') => new SpiceError(ErrorCode.CLOSED, why, { cause: new WebSocketClosed(1006, '') });

test('policy: defaults 0.5 s doubling to 15 s, 20 attempts; options checked; false is off', () => {
  assert.deepEqual(reconnectPolicy(undefined), RECONNECT_DEFAULTS);
  assert.deepEqual(reconnectPolicy({}), { initialDelayMs: 500, maxDelayMs: 15000, maxAttempts: 20, stableMs: 30000, jitter: 0.2 });
  assert.equal(reconnectPolicy(false), undefined);
  assert.equal(reconnectPolicy({ maxAttempts: Infinity })!.maxAttempts, Infinity);
  assert.equal(reconnectPolicy({ initialDelayMs: 2000, maxDelayMs: 1000 })!.maxDelayMs, 2000, 'the cap is never below the first delay');
  assert.throws(() => reconnectPolicy({ maxDelayMs: -1 }), /maxDelayMs must be a number >= 0/);
  assert.throws(() => reconnectPolicy({ jitter: 2 }), /jitter must be between 0 and 1/);
  assert.throws(() => reconnectPolicy({ maxAttempts: Number.NaN }), /maxAttempts/);
});

test('delays double from the first to the cap; jitter only shortens them, by at most its fraction', () => {
  const p = reconnectPolicy({})!;
  const none = [1, 2, 3, 4, 5, 6, 7, 40].map((n) => retryDelay(p, n, () => 0));
  assert.deepEqual(none, [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  assert.equal(retryDelay(p, 3, () => 1), 1600, 'the largest jitter takes 20 % off');
  for (let i = 0; i < 200; i++) {
    const d = retryDelay(p, 5);
    assert.ok(d >= 6400 && d <= 8000, `attempt 5 waits ${d} ms`);
  }
});

test('lasting errors (password, refusals, TLS, not SPICE, gateway policy) are not tried again; losses are', () => {
  const lasting = [
    new SpiceError(ErrorCode.AUTH_FAILED, 'x', { linkError: LinkErr.PERMISSION_DENIED }),
    new SpiceError(ErrorCode.PASSWORD_TOO_LONG, 'x'),
    new SpiceError(ErrorCode.LINK_REFUSED, 'x', { linkError: LinkErr.NEED_SECURED }),
    new SpiceError(ErrorCode.LINK_REFUSED, 'x', { linkError: LinkErr.VERSION_MISMATCH }),
    new SpiceError(ErrorCode.BAD_MAGIC, 'x'),
    new SpiceError(ErrorCode.BAD_TARGET, 'x'),
    new SpiceError(ErrorCode.TLS, 'x'),
    new SpiceError(ErrorCode.CLOSED, 'x', { cause: new WebSocketClosed(1008, 'unknown token') }),
    new SpiceError(ErrorCode.CONNECT, 'x', { cause: new WebSocketClosed(1008, 'too many sessions') }),
  ];
  for (const e of lasting) assert.equal(isLastingError(e), true, `${e.code} ${String((e.cause as WebSocketClosed | undefined)?.closeCode ?? '')}`);
  const passing = [
    undefined,
    lost(),
    new SpiceError(ErrorCode.CLOSED, 'x', { cause: new WebSocketClosed(1011, 'cannot reach the SPICE server') }),
    new SpiceError(ErrorCode.CLOSED, 'x', { cause: new WebSocketClosed(1001, 'the gateway is shutting down') }),
    new SpiceError(ErrorCode.CONNECT, 'x', { cause: new WebSocketClosed(1006, '') }),
    new SpiceError(ErrorCode.CONNECT, 'refused'),
    new SpiceError(ErrorCode.TIMEOUT, 'x'),
    new SpiceError(ErrorCode.CLOSED, 'closed during the link'),
    new SpiceError(ErrorCode.LINK_REFUSED, 'x', { linkError: LinkErr.CHANNEL_NOT_AVAILABLE }),
    new SpiceError(ErrorCode.CORRUPT_IMAGE, 'x'),
  ];
  for (const e of passing) assert.equal(isLastingError(e), false, `${e?.code ?? 'clean end'}`);
});

test('Reconnector: attempts follow the delays, failures count up, a lasting error stops, the count runs out', () => {
  const clock = new FakeClock();
  const tried: number[] = [];
  const r = new Reconnector(reconnectPolicy({ maxAttempts: 4 })!, (n) => tried.push(n), clock);
  assert.deepEqual(r.lost(undefined), { retry: true, attempt: 1, delayMs: 500 });
  assert.equal(r.waiting, true);
  clock.advance(499);
  assert.deepEqual(tried, []);
  clock.advance(1);
  assert.deepEqual(tried, [1]);
  assert.equal(r.waiting, false);
  // The attempt failed (server still down): next one later.
  assert.deepEqual(r.lost(lost()), { retry: true, attempt: 2, delayMs: 1000 });
  clock.advance(1000);
  assert.deepEqual(r.lost(lost()), { retry: true, attempt: 3, delayMs: 2000 });
  clock.advance(2000);
  assert.deepEqual(r.lost(lost()), { retry: true, attempt: 4, delayMs: 4000 });
  clock.advance(4000);
  assert.deepEqual(tried, [1, 2, 3, 4]);
  assert.deepEqual(r.lost(lost()), { retry: false, why: 'exhausted' });
  assert.equal(r.attemptCount, 4);
  clock.advance(60_000);
  assert.deepEqual(tried, [1, 2, 3, 4], 'nothing after giving up');

  r.reset();
  assert.deepEqual(r.lost(new SpiceError(ErrorCode.AUTH_FAILED, 'no')), { retry: false, why: 'lasting' });
  assert.equal(r.waiting, false);
  clock.advance(60_000);
  assert.deepEqual(tried, [1, 2, 3, 4], 'a wrong password is not tried again');
});

test('Reconnector: the count starts over only after a session stayed up stableMs', () => {
  const clock = new FakeClock();
  const tried: number[] = [];
  const r = new Reconnector(reconnectPolicy({ stableMs: 30_000 })!, (n) => tried.push(n), clock);
  r.lost(undefined);
  clock.advance(500);
  r.connected();
  clock.advance(2000);
  // Up for 2 s only (e.g. another viewer took the single-client server): keep backing off.
  assert.deepEqual(r.lost(undefined), { retry: true, attempt: 2, delayMs: 1000 });
  clock.advance(1000);
  r.connected();
  clock.advance(30_000);
  assert.deepEqual(r.lost(undefined), { retry: true, attempt: 1, delayMs: 500 }, 'a stable session resets the count');
});

test('Reconnector: now() tries at once, cancel() and reset() stop the waiting attempt', () => {
  const clock = new FakeClock();
  const tried: number[] = [];
  const r = new Reconnector(reconnectPolicy({})!, (n) => tried.push(n), clock);
  assert.equal(r.now(), false, 'nothing waiting');
  r.lost(undefined);
  r.lost(lost());
  assert.equal(clock.timers.length, 1, 'one timer at a time');
  assert.equal(r.now(), true);
  assert.deepEqual(tried, [2]);
  clock.advance(60_000);
  assert.deepEqual(tried, [2], 'the timer went with it');
  r.lost(lost());
  r.cancel();
  clock.advance(60_000);
  r.lost(lost());
  r.reset();
  clock.advance(60_000);
  assert.deepEqual(tried, [2]);
  assert.equal(r.attemptCount, 0);
});

test('status words: delays and attempts', () => {
  assert.equal(delayWords(500), '0.5 seconds');
  assert.equal(delayWords(430), '0.4 seconds');
  assert.equal(delayWords(1000), '1 second');
  assert.equal(delayWords(1960), '2 seconds');
  assert.equal(delayWords(12_400), '12 seconds');
  assert.equal(attemptWords(3, 20), '(attempt 3 of 20)');
  assert.equal(attemptWords(3, Infinity), '(attempt 3)');
});

test('a gateway refusal (WebSocket closed 1008 after opening) reaches SpiceSession.connect as a lasting error', async () => {
  class RefusingSocket extends EventTarget implements WebSocketLike {
    binaryType = 'blob';
    readyState = 0;
    bufferedAmount = 0;
    constructor(readonly url: string) {
      super();
      setTimeout(() => {
        this.readyState = 1;
        this.dispatchEvent(new Event('open'));
        setTimeout(() => { this.readyState = 3; this.dispatchEvent(Object.assign(new Event('close'), { code: 1008, reason: 'unknown token' })); }, 5);
      }, 5);
    }
    send() {}
    close() {}
    override addEventListener(type: string, l: (ev: any) => void) { super.addEventListener(type, l as EventListener); } // eslint-disable-line @typescript-eslint/no-explicit-any
  }
  const opener = webSocketOpener('ws://gw/?token=nope', { factory: (u) => new RefusingSocket(u) });
  const err = await SpiceSession.connect({ ...opener, crypto: nodeTicketCrypto, password: '', timeoutMs: 2000 }).then(
    () => assert.fail('connected'), (e: unknown) => e);
  assert.ok(err instanceof SpiceError, String(err));
  assert.match(err.message, /unknown token/);
  assert.equal(isLastingError(err), true, `${err.code}: ${err.message}`);
});
