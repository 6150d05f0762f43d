/**
 * The gateway's link relay between our own sans-I/O client and server channels, bytes
 * delivered one at a time: the ticket replaced by the token's password (with and without
 * auth selection), a wrong token password reaching the client as the server's refusal,
 * the browser's own ticket passing untouched when the token has no password, MAIN_INIT's
 * session id found under mini and full headers, and malformed link data stopping it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpiceChannel, type ClientChannelOptions } from '../../src/channel/channel.js';
import { ChannelType, CommonCap, LinkErr } from '../../src/protocol/enums/index.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { ErrorCode, type SpiceError } from '../../src/protocol/errors.js';
import { LinkRelay } from '../../src/gateway/link-relay.js';
import { until } from '../helpers/pair.js';

interface Run {
  client: SpiceChannel;
  server: SpiceChannel;
  relay: LinkRelay;
  clientErrors: SpiceError[];
  relayErrors: SpiceError[];
  seen: { mess?: number; reply?: number; result?: number; sessionId?: number; passwords: string[] };
  linked: { client: boolean; server: boolean };
}

function run(o: { serverPassword: string | null; tokenPassword?: string; clientPassword?: string; channelType?: number;
  clientCaps?: number[]; connectionId?: number }): Run {
  const seen: Run['seen'] = { passwords: [] };
  const clientErrors: SpiceError[] = [];
  const relayErrors: SpiceError[] = [];
  const linked = { client: false, server: false };
  // One byte per delivery, in order, each in its own task: every parser state sees partial data.
  const pipe = (deliver: (b: Uint8Array) => void) => {
    let chain = Promise.resolve();
    return (bytes: Uint8Array) => {
      const copy = Uint8Array.from(bytes);
      chain = chain.then(async () => {
        for (let i = 0; i < copy.length; i++) { deliver(copy.subarray(i, i + 1)); if (i % 64 === 0) await Promise.resolve(); }
      });
    };
  };
  let relay!: LinkRelay;
  const type = o.channelType ?? ChannelType.MAIN;
  const server: SpiceChannel = new SpiceChannel({
    role: 'server', channelType: type, channelId: 0, crypto: nodeTicketCrypto,
    accept: () => LinkErr.OK,
    checkPassword: o.serverPassword === null ? null : (pw) => { seen.passwords.push(pw); return pw === o.serverPassword; },
    channelCaps: () => [],
    write: pipe((b) => relay.fromServer(b)),
  });
  const client: SpiceChannel = new SpiceChannel({
    role: 'client', channelType: type, channelId: 0, connectionId: o.connectionId ?? 0, password: o.clientPassword ?? '',
    crypto: nodeTicketCrypto, write: pipe((b) => relay.fromClient(b)),
    ...(o.clientCaps ? { commonCaps: o.clientCaps } : {}),
  } as ClientChannelOptions);
  const toClient = pipe((b) => client.receive(b));
  relay = new LinkRelay({
    password: o.tokenPassword, crypto: nodeTicketCrypto,
    toServer: pipe((b) => server.receive(b)),
    toClient,
    onLinkMess: (m) => { seen.mess = m.connectionId; },
    onReply: (r) => { seen.reply = r.error; },
    onResult: (c) => { seen.result = c; },
    onSessionId: (id) => { seen.sessionId = id; },
    onError: (e) => relayErrors.push(e),
  });
  client.on('error', (e) => clientErrors.push(e));
  client.on('closed', ({ error }) => { if (error) clientErrors.push(error); });
  client.on('linked', () => { linked.client = true; });
  server.on('linked', () => { linked.server = true; });
  server.on('error', () => {});
  server.start();
  client.start();
  return { client, server, relay, clientErrors, relayErrors, seen, linked };
}

test('the token password replaces the browser\'s ticket; MAIN_INIT\'s session id is found (mini headers)', async () => {
  const r = run({ serverPassword: 'secret', tokenPassword: 'secret', clientPassword: '' });
  await until(() => r.linked.client && r.linked.server);
  assert.deepEqual(r.seen.passwords, ['secret'], 'the server decrypted the gateway\'s ticket');
  assert.equal(r.relay.substituted, true);
  assert.equal(r.seen.result, LinkErr.OK);
  // A message before MAIN_INIT (scanned past), then MAIN_INIT.
  r.server.send({ name: 'multi_media_time', body: { time: 7 } });
  r.server.send({ name: 'init', body: {
    session_id: 0xdeadbeef, display_channels_hint: 1, supported_mouse_modes: 3, current_mouse_mode: 2,
    agent_connected: 0, agent_tokens: 0, multi_media_time: 0, ram_hint: 0,
  } });
  await until(() => r.seen.sessionId !== undefined);
  assert.equal(r.seen.sessionId, 0xdeadbeef);
  const got: string[] = [];
  r.client.on('message', (m) => got.push(m.name));
  r.server.send({ name: 'ping', body: { id: 1, timestamp: 2n, data: new Uint8Array(0) } } as never);
  await until(() => got.includes('ping'));
  assert.deepEqual(r.relayErrors, []);
});

test('full headers and no auth selection: the ticket is still replaced and the session id found', async () => {
  const r = run({ serverPassword: 'pw', tokenPassword: 'pw', clientPassword: 'anything', clientCaps: [CommonCap.AUTH_SPICE] });
  await until(() => r.linked.client && r.linked.server);
  assert.deepEqual(r.seen.passwords, ['pw']);
  r.server.send({ name: 'init', body: {
    session_id: 42, display_channels_hint: 1, supported_mouse_modes: 3, current_mouse_mode: 2,
    agent_connected: 0, agent_tokens: 0, multi_media_time: 0, ram_hint: 0,
  } });
  await until(() => r.seen.sessionId !== undefined);
  assert.equal(r.seen.sessionId, 42);
});

test('a wrong token password reaches the browser as the server\'s refusal', async () => {
  const r = run({ serverPassword: 'secret', tokenPassword: 'wrong', clientPassword: 'secret' });
  await until(() => r.clientErrors.length > 0);
  assert.equal(r.clientErrors[0]!.code, ErrorCode.AUTH_FAILED);
  assert.deepEqual(r.seen.passwords, ['wrong'], 'the browser\'s (right) password did not get through');
  assert.equal(r.seen.result, LinkErr.PERMISSION_DENIED);
});

test('without a token password the browser\'s own ticket passes untouched', async () => {
  const good = run({ serverPassword: 'secret', clientPassword: 'secret' });
  await until(() => good.linked.client);
  assert.deepEqual(good.seen.passwords, ['secret']);
  assert.equal(good.relay.substituted, false);
  const bad = run({ serverPassword: 'secret', clientPassword: '' });
  await until(() => bad.clientErrors.length > 0);
  assert.equal(bad.clientErrors[0]!.code, ErrorCode.AUTH_FAILED);
  assert.deepEqual(bad.seen.passwords, ['']);
});

test('a secondary channel: its connection id is read; no session id is looked for', async () => {
  const r = run({ serverPassword: null, channelType: ChannelType.INPUTS, connectionId: 0x1234 });
  await until(() => r.linked.client && r.linked.server);
  assert.equal(r.seen.mess, 0x1234);
  assert.equal(r.relay.passthrough, true);
  r.server.send({ name: 'init', body: { keyboard_modifiers: 0 } } as never);
  await new Promise((res) => setTimeout(res, 20));
  assert.equal(r.seen.sessionId, undefined);
});

test('malformed link data stops the relay with a SpiceError', () => {
  const errors: SpiceError[] = [];
  const sent: Uint8Array[] = [];
  const mk = () => new LinkRelay({
    crypto: nodeTicketCrypto, toServer: (b) => sent.push(b), toClient: () => {}, onError: (e) => errors.push(e),
  });
  mk().fromClient(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'));
  assert.equal(errors.at(-1)?.code, ErrorCode.BAD_MAGIC);
  assert.equal(sent.length, 0, 'nothing reached the server');
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setUint32(0, 0x51444552, true);
  new DataView(huge.buffer).setUint32(4, 2, true);
  new DataView(huge.buffer).setUint32(12, 1 << 20, true);
  mk().fromClient(huge);
  assert.match(errors.at(-1)!.message, /link message size/);
  // A refusal from the owner at the link message: nothing is forwarded.
  let refusedSent = 0;
  const relay: LinkRelay = new LinkRelay({
    crypto: nodeTicketCrypto, toServer: () => { refusedSent++; }, toClient: () => {}, onError: (e) => errors.push(e),
    onLinkMess: () => relay.stop(),
  });
  const mess = new Uint8Array(16 + 18);
  const dv = new DataView(mess.buffer);
  dv.setUint32(0, 0x51444552, true); dv.setUint32(4, 2, true); dv.setUint32(8, 2, true); dv.setUint32(12, 18, true);
  dv.setUint8(20, 1); dv.setUint32(30, 18, true);
  relay.fromClient(mess);
  assert.equal(refusedSent, 0);
});
