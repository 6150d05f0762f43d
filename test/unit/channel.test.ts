/**
 * The sans-I/O channel in both roles: link with and without a password,
 * both ticket crypto back ends, ACK window, PING, LIST, full headers, and a
 * recorded server stream fed split at every offset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpiceChannel } from '../../src/channel/channel.js';
import { CommonCap, ChannelType } from '../../src/protocol/enums/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { webTicketCrypto } from '../../src/protocol/crypto/ticket.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { joinSubMessages } from '../../src/protocol/wire/framing.js';
import { encodeMessage } from '../../src/protocol/messages.js';
import { channels } from '../../src/protocol/schema/channels.js';
import { pair, until, linked } from '../helpers/pair.js';
import { concat } from '../helpers/bytes.js';
import { displayInitBody } from '../../src/client/defaults.js';

test('links without a password (ticketing disabled) and uses mini headers', async () => {
  const { client, server } = pair();
  server.channel.start();
  client.channel.start();
  await Promise.all([linked(client.channel), linked(server.channel)]);
  assert.equal(client.channel.linkInfo?.miniHeader, true);
  assert.deepEqual(client.channel.linkInfo?.client?.serverCommonCaps, [CommonCap.PROTOCOL_AUTH_SELECTION, CommonCap.AUTH_SPICE, CommonCap.MINI_HEADER]);
});

for (const [cname, ccrypto] of [['node', nodeTicketCrypto], ['webcrypto', webTicketCrypto]] as const) {
  for (const [sname, scrypto] of [['node', nodeTicketCrypto], ['webcrypto', webTicketCrypto]] as const) {
    test(`right password: client ${cname} crypto, server ${sname} crypto`, async () => {
      const { client, server } = pair({ password: 'sécret', serverPassword: 'sécret', client: { crypto: ccrypto }, server: { crypto: scrypto } });
      server.channel.start();
      client.channel.start();
      await Promise.all([linked(client.channel), linked(server.channel)]);
    });
  }
}

test('wrong password: both sides report ERR_AUTH_FAILED and close', async () => {
  const { client, server } = pair({ password: 'nope', serverPassword: 'right' });
  server.channel.start();
  client.channel.start();
  await until(() => client.closed && server.closed);
  assert.equal(client.errors.length, 1);
  assert.equal(client.errors[0]!.code, ErrorCode.AUTH_FAILED);
  assert.equal(client.errors[0]!.channel, 'main');
  assert.equal(server.errors[0]!.code, ErrorCode.AUTH_FAILED);
});

test('SET_ACK is answered with ACK_SYNC, then one ACK per window of messages', async () => {
  const { client, server } = pair({ channelType: ChannelType.DISPLAY });
  server.channel.start();
  client.channel.start();
  await linked(server.channel);
  server.channel.setAckWindow(3);
  for (let i = 0; i < 7; i++) server.channel.send({ name: 'mark', body: {} });
  await until(() => server.messages.filter((m) => m.name === 'ack').length === 2);
  assert.deepEqual(server.messages[0], { name: 'ack_sync', body: { generation: 1 } });
  // 8 messages received (SET_ACK + 7 MARK): ACKs after the 3rd and 6th
  assert.equal(server.messages.filter((m) => m.name === 'ack').length, 2);
  assert.equal(server.channel.unacked, 8 - 6);
});

test('PING is answered with PONG carrying the same id and timestamp', async () => {
  const { client, server } = pair();
  server.channel.start();
  client.channel.start();
  await linked(server.channel);
  server.channel.send({ name: 'ping', body: { id: 42, timestamp: 9n ** 15n, data: new Uint8Array(1000) } });
  await until(() => server.messages.length > 0);
  assert.deepEqual(server.messages[0], { name: 'pong', body: { id: 42, timestamp: 9n ** 15n } });
});

test('SPICE_MSG_LIST is expanded into its sub-messages', async () => {
  const { client, server } = pair({ channelType: ChannelType.DISPLAY });
  server.channel.start();
  client.channel.start();
  await linked(server.channel);
  const d = channels.display;
  const subs = [
    encodeMessage(d, 'server', { name: 'inval_list', body: { count: 1, resources: [{ type: 1, id: 77n }] } }),
    encodeMessage(d, 'server', { name: 'mark', body: {} }),
  ];
  server.channel.send({ name: 'list', body: { data: joinSubMessages(subs) } });
  await until(() => client.messages.length === 2);
  assert.deepEqual(client.messages.map((m) => m.name), ['inval_list', 'mark']);
  assert.deepEqual(client.messages[0]!.body, { count: 1, resources: [{ type: 1, id: 77n }] });
});

test('full data headers when the client does not offer MINI_HEADER', async () => {
  const { client, server } = pair({ client: { commonCaps: [CommonCap.PROTOCOL_AUTH_SELECTION, CommonCap.AUTH_SPICE] } });
  server.channel.start();
  client.channel.start();
  await Promise.all([linked(client.channel), linked(server.channel)]);
  assert.equal(client.channel.linkInfo?.miniHeader, false);
  server.channel.send({ name: 'multi_media_time', body: { time: 5 } });
  server.channel.send({ name: 'multi_media_time', body: { time: 6 } });
  await until(() => client.messages.length === 2);
  assert.equal(client.channel.lastSerial, 2n);
  const last = server.wrote.at(-1)!;
  assert.equal(last.length, 18 + 4);
  assert.equal(new DataView(last.buffer, last.byteOffset).getBigUint64(0, true), 2n);
});

// ------------------------------------------------------------- messages after the ticket

for (const mini of [true, false]) {
  test(`a message sent after the ticket is the server's first, ahead of the link result (${mini ? 'mini' : 'full'} headers)`, async () => {
    const caps = mini ? undefined : { commonCaps: [CommonCap.PROTOCOL_AUTH_SELECTION, CommonCap.AUTH_SPICE] };
    const { client, server } = pair({ channelType: ChannelType.DISPLAY, password: 'pw', serverPassword: 'pw', client: caps });
    let linkedWhenWritten: boolean | undefined;
    const write = client.channel.opts.write;
    client.channel.opts.write = (b) => {
      if (b.length === (mini ? 6 : 18) + 14) linkedWhenWritten = client.channel.ready;
      write(b);
    };
    client.channel.sendAfterTicket({ name: 'init', body: displayInitBody({ pixmapCacheSize: 1234 }) });
    server.channel.start();
    client.channel.start();
    await Promise.all([linked(client.channel), linked(server.channel)]);
    // link message, auth mechanism, ticket, then INIT: written before the result came back
    assert.equal(client.wrote.length, 4);
    assert.equal(client.wrote[2]!.length, 128);
    assert.equal(linkedWhenWritten, false);
    client.channel.send({ name: 'preferred_compression', body: { image_compression: 3 } });
    await until(() => server.messages.length === 2);
    assert.deepEqual(server.messages.map((m) => m.name), ['init', 'preferred_compression']);
    assert.equal((server.messages[0]!.body as { pixmap_cache_size: bigint }).pixmap_cache_size, 1234n);
    if (!mini) {
      // serials go on from the message sent early
      const last = client.wrote.at(-1)!;
      assert.equal(new DataView(last.buffer, last.byteOffset).getBigUint64(0, true), 2n);
    }
  });
}

test('a message sent after the ticket is never read when the password is refused', async () => {
  const { client, server } = pair({ channelType: ChannelType.DISPLAY, password: 'nope', serverPassword: 'right' });
  client.channel.sendAfterTicket({ name: 'init', body: displayInitBody() });
  server.channel.start();
  client.channel.start();
  await until(() => client.closed && server.closed);
  assert.equal(client.errors[0]!.code, ErrorCode.AUTH_FAILED);
  assert.deepEqual(server.messages, []);
});

test('once linked, sendAfterTicket is a plain send; a server cannot use it', async () => {
  const { client, server } = pair({ channelType: ChannelType.DISPLAY });
  server.channel.start();
  client.channel.start();
  await Promise.all([linked(client.channel), linked(server.channel)]);
  client.channel.sendAfterTicket({ name: 'init', body: displayInitBody() });
  await until(() => server.messages.length === 1);
  assert.equal(server.messages[0]!.name, 'init');
  assert.throws(() => server.channel.sendAfterTicket({ name: 'mark', body: {} }), (e: { code?: string }) => e.code === ErrorCode.BAD_ARGUMENT);
});

// ------------------------------------------------------------- split at every offset

async function recordServerStream(): Promise<{ stream: Uint8Array; expected: string[] }> {
  const { client, server } = pair({ channelType: ChannelType.DISPLAY, password: 'pw', serverPassword: 'pw' });
  server.channel.start();
  client.channel.start();
  await linked(server.channel);
  await linked(client.channel);
  server.channel.setAckWindow(20);
  server.channel.send({ name: 'surface_create', body: { surface_id: 0, width: 640, height: 480, format: 32, flags: 1 } });
  server.channel.send({ name: 'draw_fill', body: {
    base: { surface_id: 0, box: { top: 0, left: 0, bottom: 10, right: 10 }, clip: { type: 1, rects: { num_rects: 1, rects: [{ top: 1, left: 2, bottom: 3, right: 4 }] } } },
    data: { brush: { type: 1, color: 0xff }, rop_descriptor: 8, mask: { flags: 0, pos: { x: 0, y: 0 }, bitmap: null } },
  } });
  server.channel.send({ name: 'ping', body: { id: 1, timestamp: 5n, data: new Uint8Array(300).fill(0xaa) } });
  server.channel.send({ name: 'mark', body: {} });
  await until(() => client.messages.length === 5);
  return { stream: concat(...server.wrote), expected: client.messages.map((m) => m.name) };
}

function freshClient(got: string[], errors: unknown[]): SpiceChannel {
  const c = new SpiceChannel({
    role: 'client', channelType: ChannelType.DISPLAY, channelId: 0, connectionId: 0, password: 'pw',
    crypto: nodeTicketCrypto, write: () => {},
  });
  c.on('message', (m) => got.push(m.name));
  c.on('error', (e) => errors.push(e));
  c.start();
  return c;
}

test('a recorded server stream split at every offset gives the same messages', async () => {
  const { stream, expected } = await recordServerStream();
  assert.deepEqual(expected, ['set_ack', 'surface_create', 'draw_fill', 'ping', 'mark']);
  for (let k = 0; k <= stream.length; k++) {
    const got: string[] = [];
    const errors: unknown[] = [];
    const c = freshClient(got, errors);
    c.receive(stream.subarray(0, k));
    await new Promise((r) => setImmediate(r));
    c.receive(stream.subarray(k));
    await until(() => got.length === expected.length || errors.length > 0);
    assert.deepEqual(errors, [], `split at ${k}`);
    assert.deepEqual(got, expected, `split at ${k}`);
  }
});

test('the same stream fed one byte at a time', async () => {
  const { stream, expected } = await recordServerStream();
  const got: string[] = [];
  const errors: unknown[] = [];
  const c = freshClient(got, errors);
  for (let i = 0; i < stream.length; i++) c.receive(stream.subarray(i, i + 1));
  await until(() => got.length === expected.length || errors.length > 0);
  assert.deepEqual(got, expected);
});
