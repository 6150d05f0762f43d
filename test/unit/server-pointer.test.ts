/**
 * The server tells its source whether any viewer is shown the pointer's position (server
 * mouse mode), so a source that must poll for it (x11: pointer warps) polls only then; and
 * the start-up warm-up of the display pipeline and the x11 search runs once and leaves
 * the encoders' output as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from '../../src/server/server.js';
import { listen } from '../../src/server/listen.js';
import { createDemoSource } from '../../src/server/sources/demo.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { linkChannel } from '../../src/client/link.js';
import { connect as openTransport } from '../../src/transports/node.js';
import { ChannelType, MouseMode } from '../../src/protocol/enums/index.js';
import { warmUpDisplay, warmUpFrame } from '../../src/server/display/warm-up.js';
import { warmUpX11 } from '../../src/server/sources/x11/warm-up.js';
import { encodeRect } from '../../src/server/display/image-encoder.js';
import { until } from '../helpers/pair.js';

test('pointerFollowed: true while some viewer is in server mouse mode, false when none is', async (t) => {
  const demo = createDemoSource({ animate: false, clock: () => new Date(Date.UTC(2026, 0, 1)) });
  const calls: boolean[] = [];
  const source = Object.assign(Object.create(demo) as typeof demo, { pointerFollowed: (on: boolean) => calls.push(on) });
  const server = createServer({ source, crypto: nodeTicketCrypto, disableTicketing: true, warmUp: false });
  await server.start();
  const l = await listen(server, { listen: '127.0.0.1:0' });
  t.after(() => l.close());
  const open = () => linkChannel(ChannelType.MAIN, 0, 0, false, {
    password: '', crypto: nodeTicketCrypto, open: () => openTransport({ kind: 'tcp', host: '127.0.0.1', port: l.addresses.port! }),
  });
  const a = await open();
  await until(() => server.viewers.size === 1);
  assert.deepEqual(calls, [], 'client mouse mode: nothing to follow');
  a.channel.send({ name: 'mouse_mode_request', body: { mode: MouseMode.SERVER } });
  await until(() => calls.length === 1);
  assert.deepEqual(calls, [true]);
  // A second viewer in client mode changes nothing; the first going back does.
  const b = await open();
  await until(() => server.viewers.size === 2);
  a.channel.send({ name: 'mouse_mode_request', body: { mode: MouseMode.CLIENT } });
  await until(() => calls.length === 2);
  assert.deepEqual(calls, [true, false]);
  b.channel.send({ name: 'mouse_mode_request', body: { mode: MouseMode.SERVER } });
  await until(() => calls.length === 3);
  b.channel.close();
  await until(() => calls.length === 4);
  assert.deepEqual(calls, [true, false, true, false], 'the viewer in server mode left');
  a.channel.close();
  await server.close();
});

test('the warm-ups run once per process and change no encoder output', () => {
  const frame = warmUpFrame(7);
  const boxes = [{ x0: 0, y0: 0, x1: 256, y1: 64 }, { x0: 0, y0: 64, x1: 160, y1: 192 }, { x0: 3, y0: 5, x1: 40, y1: 21 }];
  const encode = () => boxes.map((b) => {
    const e = encodeRect(frame, b, 'lz', { lz4: false, glz: null });
    return e.kind === 'image' ? Buffer.from((e.image.lz_rgb as { data: Uint8Array }).data).toString('hex') : `fill ${e.color}`;
  });
  const before = encode();
  assert.equal(warmUpDisplay('auto_glz'), true, 'the display warm-up ran');
  let reports = 0;
  assert.equal(warmUpX11({ move: () => reports++, damage: () => reports++ }), true); // (the x11 source empties these while it warms up)
  assert.ok(reports > 100, 'the search ran');
  // Once per process: later calls do nothing (the search reports nothing either).
  assert.equal(warmUpDisplay('quic'), false);
  const after = reports;
  assert.equal(warmUpX11({ move: () => reports++, damage: () => reports++ }), false);
  assert.equal(reports, after);
  assert.deepEqual(encode(), before);
});
