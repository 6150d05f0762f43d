/**
 * The gateway in-process between our own server (demo source) and our own client over
 * WebSocket (Node's `ws` standing in for the browser's): the ticket made by the gateway
 * from the token's password, a wrong token password shown as the server's refusal, unknown
 * and missing tokens refused with a reason, limits per token and address, all channels of
 * a session closed when one fails, idle and link timeouts, the message size limit, and the
 * log line per session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { createServer } from '../../src/server/server.js';
import { listen } from '../../src/server/listen.js';
import { createDemoSource } from '../../src/server/sources/demo.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { SpiceSession } from '../../src/client/session.js';
import { defaultDecoders } from '../../src/codecs/index.js';
import { webSocketOpener, type WebSocketLike } from '../../src/viewer/ws-transport.js';
import { ErrorCode, isSpiceError } from '../../src/protocol/errors.js';
import { Gateway, type GatewayOptions } from '../../src/gateway/gateway.js';
import { listenGateway } from '../../src/gateway/listen.js';
import { gatewayTarget, type GatewayTarget } from '../../src/gateway/tokens.js';
import type { SessionRecord } from '../../src/gateway/session.js';
import { waitUntil } from '../harness/peers.js';

type T = { after(fn: () => unknown): void };

async function spiceServer(t: T, password?: string) {
  const source = createDemoSource({ animate: false, width: 320, height: 200, clock: () => new Date(Date.UTC(2026, 0, 1)) });
  const server = createServer({ source, crypto: nodeTicketCrypto, password, disableTicketing: password === undefined, log: () => {} });
  await server.start();
  const l = await listen(server, { listen: '127.0.0.1:0', websocket: false });
  t.after(() => l.close());
  return { server, port: l.addresses.port! };
}

async function gateway(t: T, opts: GatewayOptions) {
  const logs: string[] = [];
  const ended: SessionRecord[] = [];
  const refused: string[] = [];
  const gw = new Gateway({ log: (l) => logs.push(l), ...opts });
  gw.on('session-end', (r) => ended.push(r));
  gw.on('refused', (r) => refused.push(r.reason));
  const l = await listenGateway(gw, { listen: '127.0.0.1:0', http: (_q, res) => res.end('page') });
  t.after(() => l.close());
  return { gw, port: l.port!, logs, ended, refused };
}

function tokens(map: Record<string, GatewayTarget>) {
  return { lookup: (k: string) => map[k] };
}

/** A viewer-like session through the gateway; `sockets` collects its WebSockets. */
async function viewer(port: number, query: string, password = '', channels?: string[]) {
  const sockets: WebSocket[] = [];
  const opener = webSocketOpener(`ws://127.0.0.1:${port}/${query}`, {
    factory: (url, p) => { const ws = new WebSocket(url, p); sockets.push(ws); return ws as unknown as WebSocketLike; },
  });
  const session = await SpiceSession.connect({
    ...opener, crypto: nodeTicketCrypto, password, channels, timeoutMs: 5000,
    decoders: (sh) => defaultDecoders({ glzWindowPixels: sh.glzWindowPixels }),
  });
  return { session, sockets };
}

/** Opens one raw WebSocket and resolves with how it was closed. */
function closeOf(url: string, send?: Uint8Array): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['binary']);
    ws.on('open', () => { if (send) ws.send(send); });
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('error', reject);
  });
}

test('a token with the password: the client sends none and connects; the log line has no password', async (t) => {
  const s = await spiceServer(t, 'secret');
  const g = await gateway(t, { tokens: tokens({ vm1: gatewayTarget(`spice://127.0.0.1:${s.port}?password=secret`, {}, 't') }) });
  const v = await viewer(g.port, '?token=vm1', '');
  await waitUntil('the picture', () => !!v.session.primary(), { timeoutMs: 5000 });
  assert.equal(v.session.primary()!.width, 320);
  assert.ok(v.sockets.length >= 3, `main and the other channels went through the gateway (${v.sockets.length})`);
  assert.equal(g.gw.sessions.size, 1, 'one session for all channels');
  const [session] = [...g.gw.sessions];
  assert.equal(session!.sessionId, v.session.sessionId, 'grouped by MAIN_INIT\'s session id');
  assert.equal(session!.members.size, v.sockets.length);
  await v.session.disconnect();
  await waitUntil('the session to end', () => g.ended.length === 1, { timeoutMs: 5000 });
  const r = g.ended[0]!;
  assert.deepEqual([r.address, r.token, r.target, r.channels, r.failed], ['127.0.0.1', 'vm1', `127.0.0.1:${s.port}`, v.sockets.length, false]);
  assert.ok(r.bytesDown > 1000 && r.bytesUp > 100, `bytes each way: ${r.bytesUp} up, ${r.bytesDown} down`);
  const line = g.logs.find((l) => l.startsWith('session end'))!;
  assert.match(line, new RegExp(`client=127\\.0\\.0\\.1 token=vm1 target=127\\.0\\.0\\.1:${s.port} session=0x[0-9a-f]{8} channels=\\d+ duration=\\d+\\.\\ds up=\\d+ down=\\d+`));
  assert.ok(!g.logs.some((l) => l.includes('secret')), 'the password is never logged');
});

test('a wrong token password: the client gets the server\'s refusal (even with the right password of its own)', async (t) => {
  const s = await spiceServer(t, 'secret');
  const g = await gateway(t, { tokens: tokens({ vm1: gatewayTarget(`spice://127.0.0.1:${s.port}`, { password: 'nope' }, 't') }) });
  await assert.rejects(viewer(g.port, '?token=vm1', 'secret'), (e: unknown) => isSpiceError(e) && e.code === ErrorCode.AUTH_FAILED);
  await waitUntil('the session record', () => g.ended.length === 1, { timeoutMs: 5000 });
  assert.equal(g.ended[0]!.channels, 1);
});

test('no token password: the browser\'s own ticket passes through', async (t) => {
  const s = await spiceServer(t, 'secret');
  const g = await gateway(t, { tokens: tokens({ vm1: gatewayTarget(`spice://127.0.0.1:${s.port}`, {}, 't') }) });
  await assert.rejects(viewer(g.port, '?token=vm1', ''), (e: unknown) => isSpiceError(e) && e.code === ErrorCode.AUTH_FAILED);
  const v = await viewer(g.port, '?token=vm1', 'secret', ['display']);
  t.after(() => v.session.close());
  await waitUntil('the picture', () => !!v.session.primary(), { timeoutMs: 5000 });
});

test('unknown, missing and malformed tokens are refused with a reason (1008); HTTP is still served', async (t) => {
  const s = await spiceServer(t);
  const g = await gateway(t, { tokens: tokens({ vm1: gatewayTarget(`spice://127.0.0.1:${s.port}`, {}, 't') }) });
  const base = `ws://127.0.0.1:${g.port}/`;
  assert.deepEqual(await closeOf(`${base}?token=nope`), { code: 1008, reason: 'unknown token' });
  assert.deepEqual(await closeOf(`${base}?token=%2e%2e%2f`), { code: 1008, reason: 'unknown token' });
  assert.match((await closeOf(base)).reason, /needs a token/);
  // The host the browser might name is never used: only the token counts.
  assert.deepEqual(await closeOf(`${base}?token=nope&host=127.0.0.1&port=${s.port}`), { code: 1008, reason: 'unknown token' });
  assert.equal(g.refused.length, 4);
  assert.match(g.logs.find((l) => l.startsWith('refused'))!, /refused client=127\.0\.0\.1 token=nope: unknown token/);
  // What the viewer shows: the reason comes through in the error.
  await assert.rejects(viewer(g.port, '?token=nope'), (e: unknown) => isSpiceError(e) && /unknown token/.test(e.message));
  const page = await fetch(`http://127.0.0.1:${g.port}/?token=nope`);
  assert.equal(await page.text(), 'page');
  assert.equal(g.gw.connections, 0);
});

test('a fixed --target needs no token', async (t) => {
  const s = await spiceServer(t);
  const g = await gateway(t, { target: gatewayTarget(`spice://127.0.0.1:${s.port}`, {}, '--target') });
  const v = await viewer(g.port, '', '', ['display']);
  t.after(() => v.session.close());
  await waitUntil('the picture', () => !!v.session.primary(), { timeoutMs: 5000 });
});

test('limits: sessions per token, sessions per address, connections per address; freed when sessions end', async (t) => {
  const s = await spiceServer(t);
  const g = await gateway(t, {
    tokens: tokens({
      one: gatewayTarget(`spice://127.0.0.1:${s.port}`, { 'max-sessions': 1 }, 't'),
      many: gatewayTarget(`spice://127.0.0.1:${s.port}`, {}, 't'),
    }),
    maxSessionsPerAddress: 2, maxConnectionsPerAddress: 4,
  });
  const a = await viewer(g.port, '?token=one', '', ['display']);
  await assert.rejects(viewer(g.port, '?token=one', '', ['display']),
    (e: unknown) => isSpiceError(e) && /too many sessions for this token \(at most 1\)/.test(e.message));
  const b = await viewer(g.port, '?token=many', '', ['display']);
  // Two sessions of two channels: the address has used up both limits.
  await assert.rejects(viewer(g.port, '?token=many', '', ['display']),
    (e: unknown) => isSpiceError(e) && /too many (sessions|connections) from your address/.test(e.message));
  assert.match((await closeOf(`ws://127.0.0.1:${g.port}/?token=many`)).reason, /too many connections from your address \(at most 4\)/);
  a.session.close();
  await waitUntil('the first session to end', () => g.ended.length === 1, { timeoutMs: 5000 });
  const c = await viewer(g.port, '?token=one', '', ['display']);
  c.session.close();
  b.session.close();
  await waitUntil('all sessions to end', () => g.gw.sessions.size === 0 && g.gw.connections === 0, { timeoutMs: 5000 });
});

test('when one channel fails, the gateway closes the session\'s other channels', async (t) => {
  const s = await spiceServer(t);
  const g = await gateway(t, { tokens: tokens({ vm1: gatewayTarget(`spice://127.0.0.1:${s.port}`, {}, 't') }) });
  const v = await viewer(g.port, '?token=vm1');
  const disconnected = new Promise<unknown>((r) => v.session.once('disconnected', (e) => r(e.error)));
  assert.ok(v.sockets.length >= 3);
  const codes: number[] = [];
  for (const ws of v.sockets) ws.on('close', (code) => codes.push(code));
  v.sockets[1]!.terminate(); // the display channel's WebSocket dies without a close frame
  await waitUntil('every channel closed', () => codes.length === v.sockets.length, { timeoutMs: 5000 });
  assert.deepEqual(codes.slice(1).sort(), Array(v.sockets.length - 1).fill(1011), 'the others closed with 1011');
  await disconnected;
  await waitUntil('the record', () => g.ended.length === 1, { timeoutMs: 5000 });
  assert.equal(g.ended[0]!.failed, true);
  assert.match(g.ended[0]!.reason, /WebSocket closed \(1006/);
  await waitUntil('the server to drop the viewer', () => s.server.viewers.size === 0, { timeoutMs: 5000 });
});

test('idle and link timeouts, and the message size limit', async (t) => {
  const s = await spiceServer(t);
  const g = await gateway(t, {
    tokens: tokens({ vm1: gatewayTarget(`spice://127.0.0.1:${s.port}`, {}, 't') }),
    idleTimeoutMs: 400, linkTimeoutMs: 300, maxMessageSize: 4096,
  });
  const url = `ws://127.0.0.1:${g.port}/?token=vm1`;
  // Nothing sent: the link stage never ends.
  const t0 = Date.now();
  const link = await closeOf(url);
  assert.equal(link.code, 1008);
  assert.match(link.reason, /link stage took longer/);
  assert.ok(Date.now() - t0 >= 250, 'not before the link timeout');
  // A still screen and an idle client: no bytes either way.
  const v = await viewer(g.port, '?token=vm1', '', ['display']);
  await waitUntil('the picture', () => !!v.session.primary(), { timeoutMs: 5000 });
  await waitUntil('the idle session to be closed', () => g.ended.length === 1, { timeoutMs: 5000 });
  assert.match(g.ended[0]!.reason, /^idle timeout \(no activity for 0\.4 s\)$/);
  // A message over the limit.
  const w = await viewer(g.port, '?token=vm1', '', ['display']);
  const closed = new Promise<number>((r) => w.sockets[0]!.once('close', (code) => r(code)));
  w.sockets[0]!.send(new Uint8Array(5000));
  assert.equal(await closed, 1009);
  await waitUntil('the record', () => g.ended.length === 2, { timeoutMs: 5000 });
  assert.equal(g.ended[1]!.failed, true);
  assert.match(g.ended[1]!.reason, /larger than 4096 bytes|1009/);
  // Text is not SPICE.
  const x = await viewer(g.port, '?token=vm1', '', ['display']);
  const textClosed = new Promise<{ code: number; reason: string }>((r) => x.sockets[1]!.once('close', (code, reason) => r({ code, reason: reason.toString() })));
  x.sockets[1]!.send('hello');
  const tc = await textClosed;
  assert.equal(tc.code, 1003);
  assert.match(tc.reason, /text messages are not SPICE/);
  await waitUntil('the record', () => g.ended.length === 3, { timeoutMs: 5000 });
  assert.equal(g.ended[2]!.failed, true);
});
