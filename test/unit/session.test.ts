/**
 * The client session against an in-memory server made of server-role
 * channels: set-up order (MAIN_INIT, ATTACH_CHANNELS, CHANNELS_LIST, links
 * with the session id, DISPLAY_INIT), WAIT_FOR_CHANNELS across display
 * channels, and a draw error closing only its channel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelType, LinkErr, MouseMode, SurfaceFmt } from '../../src/protocol/enums/index.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { SpiceSession } from '../../src/client/session.js';
import { until } from '../helpers/pair.js';
import { fakeServer } from '../helpers/fake-server.js';

const surfaceCreate = (id: number) => ({ name: 'surface_create', body: { surface_id: id, width: 4, height: 2, format: SurfaceFmt['32_xRGB'], flags: 1 } });

test('session set-up, and WAIT_FOR_CHANNELS holds one display channel until another has caught up', async () => {
  const srv = fakeServer([ChannelType.MAIN, ChannelType.DISPLAY, ChannelType.DISPLAY]);
  const connecting = SpiceSession.connect({ open: srv.open, hasPlain: true, hasTls: false, crypto: nodeTicketCrypto, channels: ['display'], timeoutMs: 3000 });
  await until(() => srv.ends[0]?.channel.ready === true);
  const main = srv.ends[0]!.channel;
  main.send({
    name: 'init',
    body: { session_id: 4242, display_channels_hint: 2, supported_mouse_modes: MouseMode.SERVER, current_mouse_mode: MouseMode.SERVER, agent_connected: 0, agent_tokens: 0, multi_media_time: 0, ram_hint: 0 },
  });
  await until(() => srv.ends[0]!.got.some((m) => m.name === 'attach_channels'));
  main.send({ name: 'channels_list', body: { num_of_channels: 2, channels: [{ type: ChannelType.DISPLAY, id: 0 }, { type: ChannelType.DISPLAY, id: 1 }] } });
  const session = await connecting;
  try {
    assert.equal(session.sessionId, 4242);
    const [, d0, d1] = srv.ends;
    assert.equal(d0!.connectionId, 4242, 'secondary channels link with the session id');
    await until(() => d0!.got.some((m) => m.name === 'init') && d1!.got.some((m) => m.name === 'init'));
    const init = d0!.got.find((m) => m.name === 'init')!.body as { pixmap_cache_id: number; glz_dictionary_window_size: number };
    assert.ok(init.glz_dictionary_window_size > 0, 'a real GLZ window is announced');

    const order: string[] = [];
    session.on('surface', (e) => order.push(`display ${e.display}`));
    // display 0 must wait until display 1 has handled its message with serial 2.
    d0!.channel.send({ name: 'wait_for_channels', body: { wait_count: 1, wait_list: [{ channel_type: ChannelType.DISPLAY, channel_id: 1, message_serial: 2n }] } });
    d0!.channel.send(surfaceCreate(0));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(order, [], 'display 0 is held back');
    d1!.channel.send({ name: 'mark', body: {} }); // serial 1
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(order, [], 'serial 1 is not enough');
    d1!.channel.send(surfaceCreate(0)); // serial 2
    await until(() => order.length === 2);
    assert.deepEqual(order, ['display 1', 'display 0']);
  } finally {
    session.close();
  }
});

test('a draw on a surface that does not exist closes that display channel with a coded error; the session goes on', async () => {
  const srv = fakeServer([ChannelType.MAIN, ChannelType.DISPLAY]);
  const connecting = SpiceSession.connect({ open: srv.open, hasPlain: true, hasTls: false, crypto: nodeTicketCrypto, channels: ['display'], timeoutMs: 3000 });
  await until(() => srv.ends[0]?.channel.ready === true);
  srv.ends[0]!.channel.send({
    name: 'init',
    body: { session_id: 7, display_channels_hint: 1, supported_mouse_modes: MouseMode.SERVER, current_mouse_mode: MouseMode.SERVER, agent_connected: 0, agent_tokens: 0, multi_media_time: 0, ram_hint: 0 },
  });
  await until(() => srv.ends[0]!.got.some((m) => m.name === 'attach_channels'));
  srv.ends[0]!.channel.send({ name: 'channels_list', body: { num_of_channels: 1, channels: [{ type: ChannelType.DISPLAY, id: 0 }] } });
  const session = await connecting;
  try {
    const errors: { code: string; channel?: string; messageName?: string }[] = [];
    session.on('error', (e) => errors.push({ code: e.code, channel: e.channel, messageName: e.messageName }));
    srv.ends[1]!.channel.send({ name: 'copy_bits', body: { base: { surface_id: 9, box: { top: 0, left: 0, bottom: 1, right: 1 }, clip: { type: 0 } }, src_pos: { x: 0, y: 0 } } });
    await until(() => errors.length === 1);
    assert.equal(errors[0]!.channel, 'display');
    assert.equal(errors[0]!.messageName, 'copy_bits');
    assert.match(errors[0]!.code, /^ERR_/);
    assert.equal(session.displays.size, 0, 'the display channel is gone');
    assert.equal(session.main.closed, false, 'main stays up');
  } finally {
    session.close();
  }
});

async function setUp(srv: ReturnType<typeof fakeServer>, at: number, sessionId: number, connecting: Promise<SpiceSession>): Promise<SpiceSession> {
  await until(() => srv.ends[at]?.channel.ready === true);
  srv.ends[at]!.channel.send({
    name: 'init',
    body: { session_id: sessionId, display_channels_hint: 1, supported_mouse_modes: MouseMode.SERVER, current_mouse_mode: MouseMode.SERVER, agent_connected: 0, agent_tokens: 0, multi_media_time: 0, ram_hint: 0 },
  });
  await until(() => srv.ends[at]!.got.some((m) => m.name === 'attach_channels'));
  srv.ends[at]!.channel.send({ name: 'channels_list', body: { num_of_channels: 0, channels: [] } });
  return connecting;
}

test('the session reports the server hanging up (disconnected, with the reason), and reconnects on request', async () => {
  const srv = fakeServer([ChannelType.MAIN, ChannelType.MAIN]);
  const opts = { open: srv.open, hasPlain: true, hasTls: false, crypto: nodeTicketCrypto, channels: [], timeoutMs: 3000 };
  const first = await setUp(srv, 0, 11, SpiceSession.connect(opts));
  const ended: { error?: { code: string } }[] = [];
  first.on('disconnected', (e) => ended.push({ error: e.error }));
  srv.ends[0]!.channel.send({ name: 'disconnecting', body: { time_stamp: 0n, reason: LinkErr.OK } } as never);
  srv.ends[0]!.channel.close();
  await until(() => ended.length === 1);
  const again = first.reconnect();
  const second = await setUp(srv, 1, 12, again);
  try {
    assert.equal(second.sessionId, 12, 'a new session');
    assert.notEqual(second, first);
  } finally {
    second.close();
  }
});

test('limits are options: a surface over maxSurfacePixels closes its display channel with ERR_LIMIT', async () => {
  const srv = fakeServer([ChannelType.MAIN, ChannelType.DISPLAY]);
  const connecting = SpiceSession.connect({ open: srv.open, hasPlain: true, hasTls: false, crypto: nodeTicketCrypto, channels: ['display'], timeoutMs: 3000, maxSurfacePixels: 100 });
  await until(() => srv.ends[0]?.channel.ready === true);
  srv.ends[0]!.channel.send({
    name: 'init',
    body: { session_id: 3, display_channels_hint: 1, supported_mouse_modes: MouseMode.SERVER, current_mouse_mode: MouseMode.SERVER, agent_connected: 0, agent_tokens: 0, multi_media_time: 0, ram_hint: 0 },
  });
  await until(() => srv.ends[0]!.got.some((m) => m.name === 'attach_channels'));
  srv.ends[0]!.channel.send({ name: 'channels_list', body: { num_of_channels: 1, channels: [{ type: ChannelType.DISPLAY, id: 0 }] } });
  const session = await connecting;
  try {
    const errors: string[] = [];
    session.on('error', (e) => errors.push(e.code));
    srv.ends[1]!.channel.send({ name: 'surface_create', body: { surface_id: 0, width: 20, height: 20, format: SurfaceFmt['32_xRGB'], flags: 1 } });
    await until(() => errors.length === 1);
    assert.deepEqual(errors, ['ERR_LIMIT']);
  } finally {
    session.close();
  }
});
