/**
 * The server's rules, over loopback with spice-ts's own client pieces: connection ids,
 * passwords changed and expired at run time, bad-ticket throttling, bad input closing only
 * the viewer that sent it, floods, and a viewer that stops reading not holding up the others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createServer } from '../../src/server/server.js';
import { listen, type Listening } from '../../src/server/listen.js';
import { createDemoSource } from '../../src/server/sources/demo.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import type { TicketCrypto } from '../../src/protocol/crypto/ticket.js';
import { connect } from '../../src/client/node.js';
import { linkChannel } from '../../src/client/link.js';
import { connect as openTransport } from '../../src/transports/node.js';
import { ChannelType, LinkErr } from '../../src/protocol/enums/index.js';
import { ErrorCode, SpiceError, isSpiceError } from '../../src/protocol/errors.js';
import type { ServerOptions } from '../../src/server/options.js';
import type { DisplaySource, SourceSink } from '../../src/server/source.js';
import { until } from '../helpers/pair.js';

async function start(t: { after(fn: () => unknown): void }, opts: Partial<ServerOptions> = {}, animate = false) {
  const source = createDemoSource({ animate, clock: () => new Date(Date.UTC(2026, 0, 1)) });
  const logs: string[] = [];
  const server = createServer({
    source, crypto: nodeTicketCrypto, disableTicketing: opts.password === undefined, log: (l) => logs.push(l), ...opts,
  });
  await server.start();
  const l: Listening = await listen(server, { listen: '127.0.0.1:0' });
  t.after(() => l.close());
  return { server, port: l.addresses.port!, logs, source };
}

function raw(port: number, type: number, connectionId: number, password = '') {
  return linkChannel(type, 0, connectionId, false, {
    password, crypto: nodeTicketCrypto,
    open: () => openTransport({ kind: 'tcp', host: '127.0.0.1', port }),
  });
}

const refusedWith = (code: number) => (e: unknown) => isSpiceError(e) && e.linkError === code;

test('a channel with an unknown connection id is refused (BAD_CONNECTION_ID); with the right one it joins', async (t) => {
  const { server, port } = await start(t);
  await assert.rejects(raw(port, ChannelType.DISPLAY, 0x1234567), refusedWith(LinkErr.BAD_CONNECTION_ID));
  const main = await raw(port, ChannelType.MAIN, 0);
  t.after(() => main.channel.close());
  await until(() => server.viewers.size === 1);
  const id = [...server.viewers.keys()][0]!;
  const display = await raw(port, ChannelType.DISPLAY, id);
  t.after(() => display.channel.close());
  await until(() => server.viewers.get(id)?.display !== undefined);
  await assert.rejects(raw(port, 7 /* smartcard: not served */, id), refusedWith(LinkErr.CHANNEL_NOT_AVAILABLE));
});

test("spice-html5's tickets that lost a leading zero byte are accepted; with no password any ticket is", async (t) => {
  const { port } = await start(t, { password: 'pw42', disableTicketing: false });
  let tries = 0, sentShifted = 0;
  // Like spice-html5: the ciphertext written as a big integer without leading zeros, padded at the end.
  const html5Like: TicketCrypto = {
    ...nodeTicketCrypto,
    async encryptTicket(spki, password) {
      for (;;) {
        tries++;
        const c = await nodeTicketCrypto.encryptTicket(spki, password);
        if (c[0] !== 0) continue;
        const shifted = new Uint8Array(c.length);
        shifted.set(c.subarray(1), 0);
        sentShifted++;
        return shifted;
      }
    },
  };
  const ok = await linkChannel(ChannelType.MAIN, 0, 0, false, {
    password: 'pw42', crypto: html5Like, open: () => openTransport({ kind: 'tcp', host: '127.0.0.1', port }),
  });
  ok.transport.close();
  assert.ok(tries >= 1 && sentShifted === 1, 'the ticket went shifted, as spice-html5 sends it');
  const wrong = { ...html5Like };
  await assert.rejects(linkChannel(ChannelType.MAIN, 0, 0, false, {
    password: 'nope', crypto: wrong, open: () => openTransport({ kind: 'tcp', host: '127.0.0.1', port }),
  }), refusedWith(LinkErr.PERMISSION_DENIED));
  const open = await start(t);
  const garbage: TicketCrypto = { ...nodeTicketCrypto, encryptTicket: async () => new Uint8Array(128).fill(0x5a) };
  const any = await linkChannel(ChannelType.MAIN, 0, 0, false, {
    password: '', crypto: garbage, open: () => openTransport({ kind: 'tcp', host: '127.0.0.1', port: open.port }),
  });
  any.transport.close();
});

test('the password can be changed and expired at run time', async (t) => {
  const { server, port } = await start(t, { password: 'first' });
  const a = await connect(`spice://127.0.0.1:${port}`, { password: 'first', channels: ['display'] });
  server.setPassword('second');
  await assert.rejects(connect(`spice://127.0.0.1:${port}`, { password: 'first', channels: ['display'] }),
    (e: unknown) => isSpiceError(e) && e.code === ErrorCode.AUTH_FAILED);
  const b = await connect(`spice://127.0.0.1:${port}`, { password: 'second', channels: ['display'] });
  assert.equal(server.viewers.size, 2, 'a password change leaves connected viewers alone');
  server.expirePassword();
  await assert.rejects(connect(`spice://127.0.0.1:${port}`, { password: 'second', channels: ['display'] }),
    (e: unknown) => isSpiceError(e) && e.code === ErrorCode.AUTH_FAILED);
  server.setPassword('third', Date.now() + 60_000);
  const c = await connect(`spice://127.0.0.1:${port}`, { password: 'third', channels: ['display'] });
  for (const s of [a, b, c]) s.close();
});

test('repeated bad tickets lock the address out for a while', async (t) => {
  const { port, logs } = await start(t, { password: 'pw', badTickets: { max: 3, windowMs: 10_000, lockMs: 400 } });
  for (let i = 0; i < 3; i++) await assert.rejects(raw(port, ChannelType.MAIN, 0, 'wrong'), refusedWith(LinkErr.PERMISSION_DENIED));
  // Locked: even the right password is refused, before any ticket is read.
  await assert.rejects(raw(port, ChannelType.MAIN, 0, 'pw'), refusedWith(LinkErr.PERMISSION_DENIED));
  assert.ok(logs.some((l) => /3 bad tickets/.test(l)), logs.join('\n'));
  await new Promise((r) => setTimeout(r, 450));
  const ok = await raw(port, ChannelType.MAIN, 0, 'pw');
  ok.channel.close();
});

test('a malformed message closes only the viewer that sent it, with a logged, coded reason', async (t) => {
  const { server, port, logs, source } = await start(t);
  const good = await connect(`spice://127.0.0.1:${port}`, { channels: ['display'] });
  t.after(() => good.close());
  await good.idle();
  const main = await raw(port, ChannelType.MAIN, 0);
  await until(() => server.viewers.size === 2);
  const badId = [...server.viewers.keys()].find((id) => server.viewers.get(id)!.display === undefined)!;
  const inputs = await raw(port, ChannelType.INPUTS, badId);
  // A mini header announcing a 100 MB KEY_DOWN: over the server's message limit.
  const head = new Uint8Array(6);
  new DataView(head.buffer).setUint16(0, 101, true);
  new DataView(head.buffer).setUint32(2, 100_000_000, true);
  inputs.transport.write(head);
  await until(() => server.viewers.size === 1);
  assert.ok(main.channel.closed || await new Promise((r) => main.channel.once('closed', () => r(true))));
  assert.ok(logs.some((l) => l.includes(`viewer ${badId} left`) && /\[ERR_\w+\]/.test(l)), logs.join('\n'));
  // The other viewer still gets updates.
  const before = good.primary(0)!.pixels.slice();
  source.key!({ scancode: 0x1e, down: true, code: 'KeyA' });
  source.key!({ scancode: 0x1e, down: false, code: 'KeyA' });
  await until(() => good.primary(0)!.pixels.some((p, i) => p !== before[i]));
});

test('a flood of messages closes the viewer with ERR_FLOOD', async (t) => {
  const { server, port, logs } = await start(t, { maxMessagesPerSecond: 500 });
  const main = await raw(port, ChannelType.MAIN, 0);
  await until(() => server.viewers.size === 1);
  const id = [...server.viewers.keys()][0]!;
  const inputs = await raw(port, ChannelType.INPUTS, id);
  for (let i = 0; i < 3000; i++) inputs.channel.send({ name: 'key_modifiers', body: { modifiers: 0 } });
  await until(() => server.viewers.size === 0);
  main.channel.close();
  assert.ok(logs.some((l) => l.includes('[ERR_FLOOD]')), logs.join('\n'));
});

test('a viewer that stops reading is held at the ACK window while another keeps up', async (t) => {
  const { server, port } = await start(t, { ackWindow: 10 }, true);
  const fast = await connect(`spice://127.0.0.1:${port}`, { channels: ['display'] });
  t.after(() => fast.close());
  await fast.idle();
  const main = await raw(port, ChannelType.MAIN, 0);
  await until(() => server.viewers.size === 2);
  const slowId = [...server.viewers.keys()].find((id) => server.viewers.get(id)!.display === undefined)!;
  const display = await raw(port, ChannelType.DISPLAY, slowId);
  t.after(() => { display.channel.close(); main.channel.close(); });
  // Never read again: no ACKs come back from this viewer.
  ((display.transport as unknown as { socket: net.Socket }).socket).pause();
  const slow = server.viewers.get(slowId)!.display!;
  let fastChanges = 0;
  let last = fast.primary(0)!.pixels.slice();
  for (let i = 0; i < 15; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = fast.primary(0)!.pixels;
    if (now.some((p, j) => p !== last[j])) fastChanges++;
    last = now.slice();
    assert.ok(slow.channel.unacked <= 2 * 10 + 1, `unacknowledged messages stay within two windows (${slow.channel.unacked})`);
  }
  assert.ok(fastChanges >= 5, `the reading viewer kept getting frames (${fastChanges} of 15 checks saw a change)`);
});

test('damage reported by the source reaches a viewer exactly (draw-copy and fills)', async (t) => {
  const { port, source } = await start(t);
  const v = await connect(`spice://127.0.0.1:${port}`, { channels: ['display'] });
  t.after(() => v.close());
  await v.idle();
  const f = () => source.frame();
  const same = () => {
    const p = v.primary(0), fr = f();
    if (!p) return false;
    for (let y = 0; y < fr.height; y++) for (let x = 0; x < fr.width; x++) {
      if ((p.pixels[y * p.width + x]! & 0xffffff) !== (fr.pixels[y * fr.stride + x]! & 0xffffff)) return false;
    }
    return true;
  };
  await until(same, 3000);
  for (const ch of 'Hello') {
    const code = { H: 0x23, e: 0x12, l: 0x26, o: 0x18 }[ch as 'H']!;
    if (ch === 'H') source.key!({ scancode: 0x2a, down: true, code: 'ShiftLeft' });
    source.key!({ scancode: code, down: true, code: `Key${ch.toUpperCase()}` });
    source.key!({ scancode: code, down: false, code: `Key${ch.toUpperCase()}` });
    if (ch === 'H') source.key!({ scancode: 0x2a, down: false, code: 'ShiftLeft' });
  }
  source.pointer!({ x: 300, y: 400, buttons: 1 });
  source.pointer!({ x: 300, y: 400, buttons: 0 });
  await until(same, 3000);
});

/** A still source driven by the test: paint rectangles, move rectangles (like a scroll). */
function scriptedSource(width: number, height: number) {
  const pixels = new Uint32Array(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (Math.imul(i, 2654435761) >>> 8) & 0xffffff;
  let sink: SourceSink | undefined;
  const source: DisplaySource = {
    name: 'scripted',
    start: async (s) => { sink = s; },
    frame: () => ({ width, height, stride: width, pixels }),
    cursor: () => null,
    stop: async () => {},
  };
  return {
    source,
    paint(x: number, y: number, w: number, h: number, color: number) {
      for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) pixels[j * width + i] = (color + i * 7 + j * 13) & 0xffffff;
      sink!.damage([{ x, y, width: w, height: h }]);
    },
    damage(x: number, y: number, w: number, h: number) {
      sink!.damage([{ x, y, width: w, height: h }]);
    },
    move(x: number, y: number, w: number, h: number, dx: number, dy: number) {
      const copy = new Uint32Array(w * h);
      for (let j = 0; j < h; j++) copy.set(pixels.subarray((y + j) * width + x, (y + j) * width + x + w), j * w);
      for (let j = 0; j < h; j++) pixels.set(copy.subarray(j * w, j * w + w), (y + dy + j) * width + x + dx);
      sink!.move!({ x, y, width: w, height: h }, x + dx, y + dy);
    },
  };
}

test('moves go as COPY_BITS and the picture stays exact, also with damage pending or in flight under the moved area', async (t) => {
  const W = 320, H = 240;
  const sc = scriptedSource(W, H);
  // Small bands, so damage is still in flight when the next move comes.
  const server = createServer({ source: sc.source, crypto: nodeTicketCrypto, disableTicketing: true, maxImagePixels: 400, log: () => {} });
  await server.start();
  const l = await listen(server, { listen: '127.0.0.1:0' });
  t.after(() => l.close());
  const v = await connect(`spice://127.0.0.1:${l.addresses.port!}`, { channels: ['display'] });
  t.after(() => v.close());
  await v.idle();
  const diff = () => {
    const p = v.primary(0), f = sc.source.frame();
    if (!p) return -1;
    let n = 0;
    for (let i = 0; i < W * H; i++) if (((p.pixels[i]! ^ f.pixels[i]!) & 0xffffff) !== 0) n++;
    return n;
  };
  await until(() => diff() === 0, 3000);
  let seed = 12345;
  const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  for (let round = 0; round < 30; round++) {
    // Paint inside what is about to move (pending at the server, or still in flight in small
    // bands after a big update), move it further than its own height (a scroll of a band),
    // paint the uncovered strip; then the viewer must match before the next round.
    const x = rnd(100), y = 40 + rnd(80), w = 60 + rnd(150), h = 60 + rnd(40), dy = -(12 + rnd(25)), dx = rnd(3) - 1;
    if (round % 2) {
      sc.paint(0, 0, W, H / 2, rnd(0xffffff));
      await new Promise((r) => setTimeout(r, 15)); // handed out to the viewer, held by the ACK window
    }
    sc.paint(x + 1 + rnd(w - 12), y + rnd(h - 12), 10, 10, rnd(0xffffff));
    sc.move(x + 1, y, w, h, dx, dy);
    sc.paint(x + 1, y + h + dy, w, -dy, rnd(0xffffff));
    let d = -2;
    await until(() => (d = diff()) === 0, 3000).catch(() => undefined);
    assert.equal(d, 0, `round ${round}: the viewer differs from the source in ${d} pixels`);
  }
  assert.ok(server.stats.copyBits > 0, 'some moves went as COPY_BITS');
});

test('quic: a move while text bands wait for the ACK window keeps the picture exact (images that take in the row above)', async (t) => {
  const W = 320, H = 240, BG = 0x202020;
  const sc = scriptedSource(W, H);
  const px = sc.source.frame().pixels;
  // Bands of 2,560 pixels (QUIC's size, 8 rows here), and a small ACK window, so bands
  // wait in flight while the source reports a move.
  const server = createServer({
    source: sc.source, crypto: nodeTicketCrypto, disableTicketing: true, imageCompression: 'quic', maxImagePixels: 2560,
    ackWindow: 3, imageCache: false, log: () => {},
  });
  await server.start();
  const l = await listen(server, { listen: '127.0.0.1:0' });
  t.after(() => l.close());
  const v = await connect(`spice://127.0.0.1:${l.addresses.port!}`, { channels: ['display'] });
  t.after(() => v.close());
  await v.idle();
  const diff = () => {
    const p = v.primary(0), f = sc.source.frame();
    if (!p) return -1;
    let n = 0;
    for (let i = 0; i < W * H; i++) if (((p.pixels[i]! ^ f.pixels[i]!) & 0xffffff) !== 0) n++;
    return n;
  };
  let seed = 777;
  const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  // Lines of "glyphs" (two colours, sharp edges) under rows of background (every fourth row):
  // a band that starts on a multiple of 8 has a plain row above it, so its image takes it in.
  const text = (y: number, h: number, fg: number) => {
    for (let j = y; j < y + h; j++) for (let i = 0; i < W; i++) px[j * W + i] = (j % 4 === 3 || rnd(8) > 2) ? BG : fg;
    sc.damage(0, y, W, h);
  };
  text(0, H, 0xd0d0d0);
  await until(() => diff() === 0, 3000);
  for (let round = 0; round < 12; round++) {
    // Many bands below, and a few whose row above is settled and about to move.
    text(128, 112, rnd(0xffffff));
    const y = 40 + 8 * rnd(6);
    text(y, 24, rnd(0xffffff));
    await new Promise((r) => setTimeout(r, 2 + rnd(6)));
    // Rows from just above those bands scroll up, the band included; then the new lines.
    const top = y - 4 - rnd(8), h = 40, dy = -(2 + rnd(6));
    sc.move(0, top, W, h, 0, dy);
    text(top + h + dy, -dy, rnd(0xffffff));
    let d = -2;
    await until(() => (d = diff()) === 0, 3000).catch(() => undefined);
    assert.equal(d, 0, `round ${round}: the viewer differs from the source in ${d} pixels`);
  }
  assert.ok(server.stats.codecs.get('quic')?.images, 'the bands went as QUIC');
  assert.ok(server.stats.copyBits > 0, 'some moves went as COPY_BITS');
});

test('a bad listen address and a missing x509 directory are clear errors', async () => {
  const server = createServer({ source: createDemoSource({ animate: false }), disableTicketing: true, crypto: nodeTicketCrypto });
  await assert.rejects(listen(server, { listen: 'nonsense' }), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.BAD_ARGUMENT);
  await assert.rejects(listen(server, { listen: '127.0.0.1:0', tlsPort: 0 }), (e: unknown) => e instanceof SpiceError && /x509/.test(e.message));
  await server.close();
});

