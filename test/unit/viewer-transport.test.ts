/**
 * The web viewer's WebSocket transport with a fake socket (batching, received data, close
 * codes in words, open failures and timeouts), the URL check, a real round trip through
 * our server's WebSocket listener with Node's `ws` client standing in for the browser's
 * (the ticket made without WebCrypto).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import {
  webSocketTransport, openWebSocket, webSocketOpener, checkWebSocketUrl, describeCloseCode, type WebSocketLike,
} from '../../src/viewer/ws-transport.js';
import { fallbackTicketCrypto } from '../../src/viewer/ticket-fallback.js';
import { ErrorCode, isSpiceError } from '../../src/protocol/errors.js';
import { SpiceSession } from '../../src/client/session.js';
import { serveDemo, countDiff } from '../harness/serve.js';
import { waitUntil } from '../harness/peers.js';

class FakeSocket extends EventTarget implements WebSocketLike {
  binaryType = 'blob';
  readyState = 0;
  bufferedAmount = 0;
  sent: Uint8Array[] = [];
  closed?: number;
  constructor(readonly url: string) { super(); }
  send(d: ArrayBufferView | ArrayBuffer) {
    const v = d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    this.sent.push(Uint8Array.from(v));
  }
  close(code?: number) { this.closed = code ?? 1005; }
  override addEventListener(type: string, l: (ev: any) => void) { super.addEventListener(type, l as EventListener); } // eslint-disable-line @typescript-eslint/no-explicit-any
  emit(type: string, props: Record<string, unknown> = {}) { this.dispatchEvent(Object.assign(new Event(type), props)); }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test('writes in one task go out as one binary message; data arrives in order, early data is kept', async () => {
  const ws = new FakeSocket('ws://h/');
  const t = webSocketTransport(ws);
  assert.equal(ws.binaryType, 'arraybuffer');
  ws.emit('message', { data: new Uint8Array([9, 9]).buffer });
  t.write(new Uint8Array([1, 2]));
  t.write(new Uint8Array([3]));
  await tick();
  t.write(new Uint8Array([4]));
  await tick();
  assert.deepEqual(ws.sent.map((b) => Array.from(b)), [[1, 2, 3], [4]]);
  const got: number[][] = [];
  t.onData((b) => got.push(Array.from(b)));
  ws.emit('message', { data: new Uint8Array([7]).buffer });
  ws.emit('message', { data: new ArrayBuffer(0) });
  assert.deepEqual(got, [[9, 9], [7]]);
  assert.equal(t.secure, false);
  assert.equal(webSocketTransport(new FakeSocket('wss://h/')).secure, true);
});

test('close codes: clean closes end without an error, others with one in words; text is refused', () => {
  const ends: (string | undefined)[] = [];
  for (const code of [1000, 1005, 1006, 1011]) {
    const ws = new FakeSocket('ws://h/');
    const t = webSocketTransport(ws);
    t.onClose((e) => ends.push(e?.message));
    ws.emit('close', { code, reason: '' });
    ws.emit('close', { code, reason: '' });
  }
  assert.deepEqual(ends, [undefined, undefined, 'WebSocket ws://h/ closed: the connection was lost', 'WebSocket ws://h/ closed: the server hit an internal error']);
  const ws = new FakeSocket('ws://h/');
  const t = webSocketTransport(ws);
  let err: unknown;
  t.onClose((e) => { err = e; });
  ws.emit('message', { data: 'hello' });
  assert.ok(isSpiceError(err) && /sent text/.test(err.message));
  assert.equal(ws.closed, 1003);
  assert.equal(describeCloseCode(4000, 'token unknown'), 'close code 4000: token unknown');
});

test('close() flushes pending writes, closes with 1000 and reports the end once', async () => {
  const ws = new FakeSocket('ws://h/');
  const t = webSocketTransport(ws);
  let ends = 0;
  t.onClose(() => ends++);
  t.write(new Uint8Array([5]));
  t.close();
  t.close();
  t.write(new Uint8Array([6]));
  await tick();
  assert.deepEqual(ws.sent.map((b) => Array.from(b)), [[5]]);
  assert.equal(ws.closed, 1000);
  assert.equal(ends, 1);
});

test('openWebSocket: a refused connection and a timeout are SpiceErrors with the URL', async () => {
  const refused = openWebSocket('ws://h:1/', {
    factory: (url) => { const s = new FakeSocket(url); setTimeout(() => s.emit('close', { code: 1006, reason: '' }), 1); return s; },
  });
  await assert.rejects(refused, (e: unknown) => isSpiceError(e) && e.code === ErrorCode.CONNECT && e.message.includes('ws://h:1/'));
  const silent = openWebSocket('ws://h:2/', { timeoutMs: 20, factory: (url) => new FakeSocket(url) });
  await assert.rejects(silent, (e: unknown) => isSpiceError(e) && e.code === ErrorCode.TIMEOUT);
  let protocols: string[] = [];
  const ok = openWebSocket('ws://h:3/', {
    factory: (url, p) => { protocols = p; const s = new FakeSocket(url); setTimeout(() => s.emit('open'), 1); return s; },
  });
  assert.equal((await ok).description, 'ws://h:3/');
  assert.deepEqual(protocols, ['binary']);
});

test('checkWebSocketUrl: ws/wss kept, http(s) turned into ws(s), others refused', () => {
  assert.equal(checkWebSocketUrl('ws://127.0.0.1:5900'), 'ws://127.0.0.1:5900/');
  assert.equal(checkWebSocketUrl('https://gw.example/spice?token=a'), 'wss://gw.example/spice?token=a');
  assert.throws(() => checkWebSocketUrl('spice://h:5900'), /not a WebSocket URL/);
  assert.throws(() => checkWebSocketUrl('not a url'), /not a URL/);
});

test('a SpiceSession over this transport (ws package as the WebSocket) gets the demo picture from our server', async (t) => {
  const s = await serveDemo(t);
  const opener = webSocketOpener(`ws://127.0.0.1:${s.port}/`, {
    factory: (url, p) => new WebSocket(url, p) as unknown as WebSocketLike,
  });
  const { defaultDecoders } = await import('../../src/codecs/index.js');
  const session = await SpiceSession.connect({
    ...opener, crypto: fallbackTicketCrypto, password: '',
    decoders: (sh) => defaultDecoders({ glzWindowPixels: sh.glzWindowPixels }),
  });
  t.after(() => session.close());
  await waitUntil('the picture', () => {
    const p = session.primary();
    return !!p && countDiff({ width: p.width, height: p.height, pixels: p.pixels }, s.frame()) === 0;
  }, { timeoutMs: 5000 });
  session.inputs!.keyDown(0x1e);
  session.inputs!.keyUp(0x9e);
  await waitUntil('the key', () => s.keys.length >= 2, { timeoutMs: 5000 });
  assert.equal(s.keys[0]!.code, 'KeyA');
});
