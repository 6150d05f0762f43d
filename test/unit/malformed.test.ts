/**
 * One test per malformed input. Each must give exactly one SpiceError with
 * the expected code (and channel/message context), close the channel, and
 * never throw out of receive().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpiceChannel, type ClientChannelOptions } from '../../src/channel/channel.js';
import { ChannelType, LinkErr } from '../../src/protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { webTicketCrypto } from '../../src/protocol/crypto/ticket.js';
import { encodeLinkReply, encodeLinkMess } from '../../src/protocol/link/messages.js';
import { decodeMessage } from '../../src/protocol/messages.js';
import { channels } from '../../src/protocol/schema/channels.js';
import { b, mini, concat } from '../helpers/bytes.js';
import { pair, until } from '../helpers/pair.js';

const key = await nodeTicketCrypto.generateKey();

function reply(opts: { error?: number; caps?: number[]; pubKey?: Uint8Array } = {}): Uint8Array {
  return encodeLinkReply({ error: opts.error ?? 0, pubKey: opts.pubKey ?? key.spki, commonCaps: opts.caps ?? [0b1011], channelCaps: [] });
}

const OK = b().u32(0).build();

interface Run { errors: SpiceError[]; closed: boolean; channel: SpiceChannel }

async function feed(bytes: Uint8Array, opts: Partial<ClientChannelOptions> = {}, type: number = ChannelType.MAIN): Promise<Run> {
  const run: Run = { errors: [], closed: false } as unknown as Run;
  run.channel = new SpiceChannel({
    role: 'client', channelType: type, channelId: 0, connectionId: 0, crypto: nodeTicketCrypto, write: () => {}, ...opts,
  });
  run.channel.on('error', (e) => run.errors.push(e));
  run.channel.on('closed', () => { run.closed = true; });
  run.channel.start();
  run.channel.receive(bytes);
  await until(() => run.closed, 2000).catch(() => {});
  assert.doesNotThrow(() => run.channel.receive(new Uint8Array([1, 2, 3])));
  return run;
}

function expectOne(run: Run, code: string, ctx: { messageType?: number; channel?: string } = {}): SpiceError {
  assert.equal(run.closed, true, 'the channel closes');
  assert.equal(run.errors.length, 1, `exactly one error, got ${run.errors.map((e) => e.code).join(',')}`);
  const e = run.errors[0]!;
  assert.equal(e.code, code, e.message);
  assert.equal(e.channel, ctx.channel ?? 'main');
  if (ctx.messageType !== undefined) assert.equal(e.messageType, ctx.messageType);
  assert.ok(e.message.length > 10);
  return e;
}

// ---------------------------------------------------------------- link stage

test('link reply without the REDQ magic: ERR_BAD_MAGIC', async () => {
  const r = reply();
  r.set([0x48, 0x54, 0x54, 0x50], 0); // "HTTP"
  expectOne(await feed(r), ErrorCode.BAD_MAGIC);
});

test('link reply of another major version: ERR_VERSION_MISMATCH', async () => {
  const r = reply();
  r[4] = 1;
  expectOne(await feed(r), ErrorCode.VERSION_MISMATCH);
});

test('link reply with an implausible size: ERR_INCONSISTENT', async () => {
  const r = reply();
  new DataView(r.buffer).setUint32(12, 1 << 30, true);
  expectOne(await feed(r), ErrorCode.INCONSISTENT);
});

test('link refused with NEED_SECURED: ERR_LINK_REFUSED carrying the link error', async () => {
  const e = expectOne(await feed(reply({ error: LinkErr.NEED_SECURED })), ErrorCode.LINK_REFUSED);
  assert.equal(e.linkError, LinkErr.NEED_SECURED);
  assert.match(e.message, /TLS/);
});

test('link result PERMISSION_DENIED: ERR_AUTH_FAILED', async () => {
  const e = expectOne(await feed(concat(reply(), b().u32(LinkErr.PERMISSION_DENIED).build())), ErrorCode.AUTH_FAILED);
  assert.match(e.message, /password/);
});

test('link reply whose capabilities run past its end: ERR_INCONSISTENT', async () => {
  const r = reply();
  new DataView(r.buffer).setUint32(16 + 4 + 162 + 8, 4000, true); // caps_offset
  expectOne(await feed(r), ErrorCode.INCONSISTENT);
});

test('link reply with more than 1024 capability words: ERR_LIMIT', async () => {
  const r = reply();
  new DataView(r.buffer).setUint32(16 + 4 + 162, 2000, true); // num_common_caps
  expectOne(await feed(r), ErrorCode.LIMIT);
});

test('link reply with a public key that is not RSA SPKI: ERR_INCONSISTENT', async () => {
  expectOne(await feed(reply({ pubKey: new Uint8Array(162).fill(3) })), ErrorCode.INCONSISTENT);
});

test('the same bad key through WebCrypto: ERR_INCONSISTENT', async () => {
  expectOne(await feed(reply({ pubKey: new Uint8Array(162).fill(3) }), { crypto: webTicketCrypto }), ErrorCode.INCONSISTENT);
});

test('a server that offers only SASL: ERR_AUTH_UNSUPPORTED', async () => {
  expectOne(await feed(reply({ caps: [0b1101] })), ErrorCode.AUTH_UNSUPPORTED);
});

test('connection closed during the link stage: ERR_CLOSED', async () => {
  const run: Run = { errors: [], closed: false } as unknown as Run;
  run.channel = new SpiceChannel({ role: 'client', channelType: 1, channelId: 0, connectionId: 0, write: () => {} });
  run.channel.on('error', (e) => run.errors.push(e));
  run.channel.on('closed', () => { run.closed = true; });
  run.channel.start();
  run.channel.receive(reply().subarray(0, 30));
  run.channel.end();
  await until(() => run.closed);
  expectOne(run, ErrorCode.CLOSED);
});

test('asking for SASL: ERR_SASL_UNSUPPORTED', () => {
  assert.throws(
    () => new SpiceChannel({ role: 'client', channelType: 1, channelId: 0, connectionId: 0, write: () => {}, auth: 'sasl' }),
    (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.SASL_UNSUPPORTED,
  );
});

test('a password longer than 60 bytes: ERR_PASSWORD_TOO_LONG', async () => {
  expectOne(await feed(reply(), { password: 'x'.repeat(61) }), ErrorCode.PASSWORD_TOO_LONG);
});

// ---------------------------------------------------------------- data stage

const linkedPrelude = () => concat(reply(), OK);

test('a message larger than maxMessageSize: ERR_OVERSIZED', async () => {
  const big = b().u16(103).u32(2_000_000).build();
  expectOne(await feed(concat(linkedPrelude(), big), { limits: { maxMessageSize: 1_000_000 } }), ErrorCode.OVERSIZED, { messageType: 103 });
});

test('an unknown message type: ERR_UNKNOWN_MESSAGE', async () => {
  expectOne(await feed(concat(linkedPrelude(), mini(999, new Uint8Array(4)))), ErrorCode.UNKNOWN_MESSAGE, { messageType: 999 });
});

test('an unknown message type with unknownMessages: ignore is skipped', async () => {
  const run = await feed(concat(linkedPrelude(), mini(999, new Uint8Array(4)), mini(106, b().u32(5).build())), { unknownMessages: 'ignore' });
  assert.equal(run.errors.length, 0);
  assert.equal(run.channel.closed, false);
});

test('a truncated MAIN_INIT: ERR_TRUNCATED naming the message', async () => {
  const e = expectOne(await feed(concat(linkedPrelude(), mini(103, new Uint8Array(20)))), ErrorCode.TRUNCATED, { messageType: 103 });
  assert.equal(e.messageName, 'init');
});

const base = () => b().u32(0).rect(0, 0, 1, 1).u8(0);

test('a DRAW_COPY whose image pointer is outside the body: ERR_BAD_POINTER', async () => {
  const body = base().u32(5000).rect(0, 0, 1, 1).u16(8).u8(0).u8(0).i32(0).i32(0).u32(0).build();
  expectOne(await feed(concat(linkedPrelude(), mini(304, body)), {}, ChannelType.DISPLAY), ErrorCode.BAD_POINTER, { messageType: 304, channel: 'display' });
});

test('a DRAW_STROKE with a NULL path: ERR_BAD_POINTER', async () => {
  const body = base().u32(0).u8(0).u8(0).u16(8).u16(8).build();
  expectOne(await feed(concat(linkedPrelude(), mini(310, body)), {}, ChannelType.DISPLAY), ErrorCode.BAD_POINTER, { messageType: 310, channel: 'display' });
});

test('a CHANNELS_LIST claiming a million channels: ERR_TRUNCATED before allocating', async () => {
  expectOne(await feed(concat(linkedPrelude(), mini(104, b().u32(1_000_000).u8(2).u8(0).build()))), ErrorCode.TRUNCATED, { messageType: 104 });
});

test('a bitmap whose stride*height exceeds the message: ERR_TRUNCATED', () => {
  const body = base().u32(57).rect(0, 0, 1, 1).u16(8).u8(0).u8(0).i32(0).i32(0).u32(0)
    .u64(1n).u8(0).u8(0).u32(100000).u32(100000).u8(8).u8(4).u32(100000).u32(100000).u32(400000).u32(0).build();
  assert.throws(() => decodeMessage(channels.display, 'server', 304, body), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.TRUNCATED);
});

test('a SPICE_MSG_LIST whose sub-message offset is outside it: ERR_BAD_POINTER', async () => {
  const list = b().u16(1).u32(900).build();
  expectOne(await feed(concat(linkedPrelude(), mini(8, list))), ErrorCode.BAD_POINTER, { messageType: 8 });
});

test('a SPICE_MSG_LIST whose sub-message runs past it: ERR_TRUNCATED', async () => {
  const list = b().u16(1).u32(6).u16(106).u32(100).build();
  expectOne(await feed(concat(linkedPrelude(), mini(8, list))), ErrorCode.TRUNCATED);
});

test('a listener that throws does not break the channel', async () => {
  const run = await feed(concat(linkedPrelude(), mini(106, b().u32(1).build()), mini(106, b().u32(2).build())));
  assert.equal(run.errors.length, 0);
  const seen: number[] = [];
  const ch = new SpiceChannel({ role: 'client', channelType: 1, channelId: 0, connectionId: 0, crypto: nodeTicketCrypto, write: () => {} });
  ch.onListenerError = () => {};
  ch.on('message', (m) => { seen.push(m.body.time as number); throw new Error('boom'); });
  ch.start();
  ch.receive(concat(linkedPrelude(), mini(106, b().u32(1).build()), mini(106, b().u32(2).build())));
  await until(() => seen.length === 2);
  assert.equal(ch.closed, false);
});

// ---------------------------------------------------------------- server side

async function serverFeed(bytes: Uint8Array, verdict: number = LinkErr.OK) {
  const written: Uint8Array[] = [];
  const errors: SpiceError[] = [];
  const ch = new SpiceChannel({
    role: 'server', channelType: 1, channelId: 0, crypto: nodeTicketCrypto, accept: () => verdict,
    checkPassword: null, channelCaps: () => [], write: (x) => written.push(x),
  });
  ch.on('error', (e) => errors.push(e));
  ch.start();
  ch.receive(bytes);
  await until(() => ch.closed, 2000).catch(() => {});
  return { written: concat(...written), errors, closed: ch.closed };
}

const linkErrorOf = (reply: Uint8Array) => new DataView(reply.buffer, reply.byteOffset).getUint32(16, true);

test('server: a client without the magic gets INVALID_MAGIC and ERR_BAD_MAGIC', async () => {
  const m = encodeLinkMess({ connectionId: 0, channelType: 1, channelId: 0, commonCaps: [], channelCaps: [] });
  m.set([0x47, 0x45, 0x54, 0x20], 0); // "GET "
  const r = await serverFeed(m);
  assert.equal(r.errors[0]?.code, ErrorCode.BAD_MAGIC);
  assert.equal(linkErrorOf(r.written), LinkErr.INVALID_MAGIC);
  assert.equal(r.closed, true);
});

test('server: an oversized link message gets INVALID_DATA', async () => {
  const m = encodeLinkMess({ connectionId: 0, channelType: 1, channelId: 0, commonCaps: [], channelCaps: [] });
  new DataView(m.buffer).setUint32(12, 100000, true);
  const r = await serverFeed(m);
  assert.equal(r.errors[0]?.code, ErrorCode.INCONSISTENT);
  assert.equal(linkErrorOf(r.written), LinkErr.INVALID_DATA);
});

test('server: a refused channel gets its link error (CHANNEL_NOT_AVAILABLE)', async () => {
  const m = encodeLinkMess({ connectionId: 0, channelType: 1, channelId: 0, commonCaps: [], channelCaps: [] });
  const r = await serverFeed(m, LinkErr.CHANNEL_NOT_AVAILABLE);
  assert.equal(r.errors[0]?.code, ErrorCode.LINK_REFUSED);
  assert.equal(linkErrorOf(r.written), LinkErr.CHANNEL_NOT_AVAILABLE);
});

test('server: a ticket that does not decrypt gets PERMISSION_DENIED', async () => {
  const { client, server } = pair({ password: 'a', serverPassword: 'a', client: { crypto: { ...nodeTicketCrypto, encryptTicket: async () => new Uint8Array(128).fill(1) } } });
  server.channel.start();
  client.channel.start();
  await until(() => server.closed && client.closed);
  assert.equal(server.errors[0]?.code, ErrorCode.AUTH_FAILED);
  assert.equal(client.errors[0]?.code, ErrorCode.AUTH_FAILED);
});
