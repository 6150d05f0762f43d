/**
 * Scrolls on an exported X display go out as COPY_BITS (the x11 source's scroll search):
 * Xvfb, the x11 source and the server in this process, spice-ts's client library as the
 * viewer. Scrolls made with CopyArea by our own X client, then a real xterm printing
 * lines: the server sends moves, the viewer's picture equals `import -window root` pixel
 * for pixel, and far fewer bytes go out than with the search switched off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { needPeers, freePort, startXvfb, waitUntil, sleep, type XDisplay } from '../harness/peers.js';
import { settledRoot, diffImages } from '../harness/scene.js';
import { createServer } from '../../src/server/server.js';
import { listen } from '../../src/server/listen.js';
import { createX11Source, type X11SourceOptions } from '../../src/server/sources/x11/source.js';
import { X11Connection } from '../../src/server/sources/x11/connection.js';
import { encodeRequest } from '../../src/server/sources/x11/protocol.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { connect, type SpiceSession } from '../../src/client/node.js';

type T = { after(fn: () => unknown): void };

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
}

/** Draws on the root window with core requests (PutImage, CopyArea, PolyFillRectangle). */
class Painter {
  readonly errors: string[] = [];

  private constructor(private readonly c: X11Connection, private readonly gc: number) {
    c.onError = (e) => this.errors.push(e.message);
  }

  static async open(display: string): Promise<Painter> {
    const c = await X11Connection.connect(display);
    const gc = c.allocId();
    // CreateGC with graphics-exposures off: no NoExpose event per CopyArea.
    c.send(encodeRequest(55, 0, 16, (v) => {
      v.setUint32(4, gc, true); v.setUint32(8, c.screen.root, true); v.setUint32(12, 0x10000, true); v.setUint32(16, 0, true);
    }));
    return new Painter(c, gc);
  }

  get root(): number {
    return this.c.screen.root;
  }

  fill(x: number, y: number, w: number, h: number, color: number): void {
    this.c.send(encodeRequest(56, 0, 12, (v) => { v.setUint32(4, this.gc, true); v.setUint32(8, 0x4, true); v.setUint32(12, color, true); }));
    this.c.send(encodeRequest(70, 0, 16, (v) => {
      v.setUint32(4, this.root, true); v.setUint32(8, this.gc, true);
      v.setInt16(12, x, true); v.setInt16(14, y, true); v.setUint16(16, w, true); v.setUint16(18, h, true);
    }));
  }

  /** `w` x `h` 0x00RRGGBB words as a depth-24 ZPixmap (the screens here are 32 bpp, LSBFirst), in bands. */
  put(x: number, y: number, w: number, h: number, px: Uint32Array): void {
    const rows = Math.max(1, Math.floor((262140 - 24) / (w * 4)));
    const bytes = new Uint8Array(px.buffer, px.byteOffset, px.byteLength);
    for (let y0 = 0; y0 < h; y0 += rows) {
      const n = Math.min(rows, h - y0);
      this.c.send(encodeRequest(72, 2, 20 + w * 4 * n, (v, u8) => {
        v.setUint32(4, this.root, true); v.setUint32(8, this.gc, true);
        v.setUint16(12, w, true); v.setUint16(14, n, true); v.setInt16(16, x, true); v.setInt16(18, y + y0, true);
        v.setUint8(21, 24);
        u8.set(bytes.subarray(y0 * w * 4, (y0 + n) * w * 4), 24);
      }));
    }
  }

  copy(sx: number, sy: number, w: number, h: number, dx: number, dy: number): void {
    this.c.send(encodeRequest(62, 0, 24, (v) => {
      v.setUint32(4, this.root, true); v.setUint32(8, this.root, true); v.setUint32(12, this.gc, true);
      v.setInt16(16, sx, true); v.setInt16(18, sy, true); v.setInt16(20, dx, true); v.setInt16(22, dy, true);
      v.setUint16(24, w, true); v.setUint16(26, h, true);
    }));
  }

  sync(): Promise<void> {
    return this.c.sync();
  }

  close(): void {
    this.c.close();
  }
}

/** Text-like rows: 16-pixel lines of random glyph dots on a dark background. */
function textLines(w: number, h: number, rnd: () => number): Uint32Array {
  const px = new Uint32Array(w * h).fill(0x101820);
  for (let y = 0; y < h; y++) {
    if (y % 16 < 3 || y % 16 >= 13) continue;
    for (let x = 0; x < w; x++) if ((x & 7) > 0 && (x & 7) < 7 && rnd() < 0.35) px[y * w + x] = 0xd0d0d0;
  }
  return px;
}

async function exportDisplay(t: T, x: XDisplay, opts: X11SourceOptions) {
  const source = createX11Source(x.display, { pointerPollMs: 0, clipboard: false, ...opts });
  const server = createServer({ source, disableTicketing: true, crypto: nodeTicketCrypto });
  await server.start();
  const port = await freePort();
  const l = await listen(server, { listen: `127.0.0.1:${port}` });
  const sess = await connect(`spice://127.0.0.1:${port}`, { channels: ['display'] });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    sess.close();
    await l.close(); // closes the server and stops the source
  };
  t.after(close);
  return { source, server, sess, close };
}

/** Waits until the viewer's picture equals the settled root window. */
async function assertViewerIsRoot(x: XDisplay, sess: SpiceSession, what: string): Promise<void> {
  const root = await settledRoot(x);
  let last = '';
  await waitUntil(`${what}: the viewer's picture to equal the root window`, async () => {
    await sess.idle();
    const p = sess.primary(0);
    if (!p) return false;
    const d = diffImages({ width: p.width, height: p.height, pixels: p.pixels }, root);
    last = `${d.count} pixels differ, first ${JSON.stringify(d.first)}`;
    return d.count === 0;
  }, { timeoutMs: 10_000, intervalMs: 200 }).catch((e: Error) => { throw new Error(`${e.message}: ${last}`); });
}

const TEXT = { x: 16, y: 16, w: 800, h: 480 };

/** One CopyArea scroll session: returns what the display channel sent while scrolling. */
async function copyAreaScrolls(t: T, x: XDisplay, scroll: X11SourceOptions['scroll']) {
  const paint = await Painter.open(x.display);
  t.after(() => paint.close());
  const rnd = lcg(42);
  paint.fill(0, 0, 1024, 768, 0x203040);
  paint.put(TEXT.x, TEXT.y, TEXT.w, TEXT.h, textLines(TEXT.w, TEXT.h, rnd));
  await paint.sync();
  const { source, server, sess, close } = await exportDisplay(t, x, { scroll });
  await assertViewerIsRoot(x, sess, 'before scrolling');
  const bytes0 = server.stats.wireBytes, copies0 = server.stats.copyBits;
  // 40 paced steps, then 40 as fast as X takes them (reads ahead overlap the server's captures).
  for (let step = 0; step < 80; step++) {
    // Up by one or two lines, new lines at the bottom; now and then down by 3 pixels.
    const down = step % 9 === 8;
    const by = down ? 3 : 16 * (1 + (step % 2));
    if (down) {
      paint.copy(TEXT.x, TEXT.y, TEXT.w, TEXT.h - by, TEXT.x, TEXT.y + by);
      paint.put(TEXT.x, TEXT.y, TEXT.w, by, textLines(TEXT.w, by, rnd));
    } else {
      paint.copy(TEXT.x, TEXT.y + by, TEXT.w, TEXT.h - by, TEXT.x, TEXT.y);
      paint.put(TEXT.x, TEXT.y + TEXT.h - by, TEXT.w, by, textLines(TEXT.w, by, rnd));
    }
    await paint.sync();
    if (step < 40) await sleep(30);
  }
  await assertViewerIsRoot(x, sess, `after scrolling (scroll search ${scroll === false ? 'off' : 'on'})`);
  assert.deepEqual(paint.errors, [], 'the drawing requests succeeded');
  const out = { bytes: server.stats.wireBytes - bytes0, copies: server.stats.copyBits - copies0, stats: { ...source.scrollStats } };
  await close();
  paint.close();
  return out;
}

test('x11 scrolls made with CopyArea go out as COPY_BITS; the viewer equals the root window', async (t) => {
  if (!needPeers(t, 'Xvfb', 'import')) return;
  const x = await startXvfb({ size: '1024x768' });
  t.after(() => x.stop());
  const on = await copyAreaScrolls(t, x, undefined);
  const off = await copyAreaScrolls(t, x, false);
  t.diagnostic(`search on: ${on.bytes} bytes, ${on.copies} COPY_BITS, ${JSON.stringify(on.stats)}; off: ${off.bytes} bytes, ${off.copies} COPY_BITS`);
  assert.ok(on.copies >= 20, `moves were sent (${on.copies} COPY_BITS for 80 scrolls)`);
  assert.equal(off.copies, 0, 'no moves with the search off');
  assert.ok(on.stats.moves >= on.copies, `the source found the moves (${on.stats.moves})`);
  assert.ok(on.bytes * 4 < off.bytes, `far fewer bytes with the search on: ${on.bytes} vs ${off.bytes}`);
});

test('a real xterm scrolling text: COPY_BITS, the viewer equals the root window, fewer bytes', async (t) => {
  if (!needPeers(t, 'Xvfb', 'xterm', 'xdotool', 'import')) return;
  const x = await startXvfb({ size: '1024x768' });
  t.after(() => x.stop());
  await x.exec('xsetroot', ['-solid', '#3a5f7f']);
  const results: { bytes: number; copies: number; moves: number }[] = [];
  for (const scroll of [undefined, false] as const) {
    const title = `scroll-${scroll === false ? 'off' : 'on'}`;
    const { source, server, sess, close } = await exportDisplay(t, x, { scroll });
    await assertViewerIsRoot(x, sess, `${title}: before the xterm`);
    const bytes0 = server.stats.wireBytes, copies0 = server.stats.copyBits;
    // One line at a time (slow enough that xterm scrolls line by line rather than jumping a screenful).
    const done = join(x.dir, `${title}.done`);
    const xt = x.run('xterm', ['-title', title, '-geometry', '100x30+20+20', '-fa', 'Monospace', '-fs', '10', '-e', 'sh', '-c',
      `i=0; while [ $i -lt 150 ]; do i=$((i+1)); echo "line $i of the scroll test: $(seq -s ' ' $i $((i+12)))"; sleep 0.02; done; touch ${done}; exec sleep 600`]);
    await waitUntil(`${title}: the xterm printed every line`, () => existsSync(done), { timeoutMs: 30_000, intervalMs: 100 });
    await assertViewerIsRoot(x, sess, title);
    results.push({ bytes: server.stats.wireBytes - bytes0, copies: server.stats.copyBits - copies0, moves: source.scrollStats.moves });
    await close();
    await xt.stop();
  }
  const [on, off] = results as [typeof results[0], typeof results[0]];
  t.diagnostic(`xterm: search on ${on.bytes} bytes, ${on.copies} COPY_BITS; off ${off.bytes} bytes, ${off.copies} COPY_BITS`);
  assert.ok(on.copies > 10, `the xterm's scrolls went out as moves (${on.copies} COPY_BITS, ${on.moves} found)`);
  assert.equal(off.copies, 0);
  assert.ok(on.bytes * 2 < off.bytes, `fewer bytes with the search on: ${on.bytes} vs ${off.bytes}`);
});
