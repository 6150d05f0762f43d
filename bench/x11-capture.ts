/**
 * The x11 display source on Xvfb (1280x800, depth 24):
 * - full-screen capture (GetImage into the frame) in bands of several sizes:
 *   time per frame and MB/s of frame written, next to `xwd -root` and
 *   `import -window root` run as processes (they read the same pixels with
 *   Xlib, plus process start and file writing: an upper bound, not a twin);
 * - many small damage rectangles: 2000 scattered 8x8 fills drawn by another X
 *   client (one PolyFillRectangle each: the X server damages the bounding box of
 *   each request), how DAMAGE reports them in 'region' and 'raw' modes (reports,
 *   rectangles, time until quiet) and what capturing them costs.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { commandExists, startXvfb, type XDisplay } from '../test/harness/peers.js';
import { sleep } from '../test/harness/proc.js';
import { createX11Source } from '../src/server/sources/x11/source.js';
import { X11Connection } from '../src/server/sources/x11/connection.js';
import { encodeRequest } from '../src/server/sources/x11/protocol.js';
import { coalesceRects } from '../src/server/sources/x11/rects.js';
import type { SourceRect, SourceSink } from '../src/server/source.js';

const W = 1280, H = 800;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timedProcess(cmd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    execFile('bash', ['-c', cmd], { env, timeout: 60_000 }, (e) => (e ? reject(e) : resolve(performance.now() - t0)));
  });
}

const quietSink = (onDamage: (r: SourceRect[]) => void = () => {}): SourceSink => ({
  damage: onDamage, resized() {}, cursor() {}, pointer() {}, error: (e) => console.log(`source error: ${e.message}`),
});

async function fullCapture(x: XDisplay): Promise<number> {
  let best = 0;
  for (const band of [256 * 1024, 1 << 20, 4 << 20, 16 << 20]) {
    const src = createX11Source(x.display, { maxImageBytes: band, pointerPollMs: 0, clipboard: false });
    await src.start(quietSink());
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      const t0 = performance.now();
      await src.capture!([{ x: 0, y: 0, width: W, height: H }]);
      times.push(performance.now() - t0);
    }
    await src.stop();
    const ms = median(times);
    const mbs = (W * H * 4) / 1e6 / (ms / 1000);
    best = Math.max(best, mbs);
    console.log(`full-screen capture, bands of ${(band / 1024).toFixed(0).padStart(5)} KiB: ${ms.toFixed(1).padStart(6)} ms/frame, ${mbs.toFixed(0).padStart(4)} MB/s (median of 25)`);
  }
  return best;
}

async function references(x: XDisplay, oursMs: number): Promise<void> {
  const env = { ...x.env() };
  delete env.NODE_EXTRA_CA_CERTS;
  for (const [name, cmd, need] of [
    ['xwd -root', `xwd -root -silent > ${join(x.dir, 'b.xwd')}`, 'xwd'],
    ['import -window root', `/usr/bin/import -window root ${join(x.dir, 'b.ppm')}`, 'import'],
  ] as const) {
    if (!commandExists(need)) { console.log(`${name}: not installed`); continue; }
    const times: number[] = [];
    for (let i = 0; i < 7; i++) times.push(await timedProcess(cmd, env));
    const ms = median(times);
    console.log(`${name.padEnd(20)} (whole process): ${ms.toFixed(1).padStart(6)} ms; x11 source capture ${oursMs.toFixed(1)} ms = ${(ms / oursMs).toFixed(1)}x faster`);
  }
}

/** Another X client: a GC on the root window and PolyFillRectangle of n scattered 8x8 squares. */
async function drawSquares(x: XDisplay, n: number, seed: number): Promise<void> {
  const c = await X11Connection.connect(x.display);
  const gc = c.allocId();
  c.send(encodeRequest(55, 0, 16, (v) => { v.setUint32(4, gc, true); v.setUint32(8, c.screen.root, true); v.setUint32(12, 4, true); v.setUint32(16, (seed * 0x9e3779b1) & 0xffffff, true); }));
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
  // One request per square: the server's damage layer reports the bounding box of each request.
  for (let i = 0; i < n; i++) {
    c.send(encodeRequest(70, 0, 16, (v) => {
      v.setUint32(4, c.screen.root, true);
      v.setUint32(8, gc, true);
      v.setInt16(12, Math.floor(rnd() * (W - 8)), true);
      v.setInt16(14, Math.floor(rnd() * (H - 8)), true);
      v.setUint16(16, 8, true);
      v.setUint16(18, 8, true);
    }));
  }
  await c.sync();
  c.close();
}

async function smallDamage(x: XDisplay): Promise<void> {
  const N = 2000;
  for (const [mode, merge] of [['region', true], ['region', false], ['raw', true], ['raw', false]] as const) {
    const reports: SourceRect[][] = [];
    let last = 0;
    const src = createX11Source(x.display, { damage: mode, pointerPollMs: 0, clipboard: false, ...(merge ? {} : { coalesce: false as const }) });
    await src.start(quietSink((r) => { reports.push(r); last = performance.now(); }));
    await sleep(100);
    reports.length = 0;
    const t0 = performance.now();
    await drawSquares(x, N, (mode === 'raw' ? 7 : 3) + (merge ? 0 : 10));
    while (performance.now() - Math.max(last, t0) < 100) await sleep(10);
    const rects = reports.flat();
    const area = rects.reduce((a, r) => a + r.width * r.height, 0);
    const c0 = performance.now();
    await src.capture!(rects);
    const capMs = performance.now() - c0;
    console.log(`${N} scattered 8x8 fills, damage '${mode}'${merge ? ', merged' : ', as X reports'}: ${reports.length} reports, ${rects.length} rectangles, ${(area / 1e3).toFixed(0)} kpixels,` +
      ` reported within ${(last - t0).toFixed(0)} ms; capturing them ${capMs.toFixed(1)} ms (${((area * 4) / 1e6 / (capMs / 1000)).toFixed(0)} MB/s)`);
    await src.stop();
  }
}

function coalesceCost(): void {
  let s = 1;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
  const rects = Array.from({ length: 7000 }, () => ({ x: Math.floor(rnd() * (W - 8)), y: Math.floor(rnd() * (H - 8)), width: 1 + Math.floor(rnd() * 8), height: 1 + Math.floor(rnd() * 8) }));
  const t0 = performance.now();
  let out: SourceRect[] = [];
  for (let i = 0; i < 10; i++) out = coalesceRects(rects);
  console.log(`coalesceRects: 7000 scattered small rectangles -> ${out.length} in ${((performance.now() - t0) / 10).toFixed(2)} ms`);
}

export default async function benchX11Capture(): Promise<void> {
  if (!commandExists('Xvfb')) { console.log('skipped: Xvfb is not installed (scripts/install-peers.sh)'); return; }
  const x = await startXvfb({ size: `${W}x${H}` });
  try {
    if (commandExists('xsetroot')) await x.exec('xsetroot', ['-solid', '#3a5f7f']);
    if (commandExists('xterm')) x.run('xterm', ['-geometry', '100x40+10+10', '-e', 'sh', '-c', 'seq 1 100; exec sleep 100000']);
    if (commandExists('xlogo')) x.run('xlogo', ['-geometry', '300x300+800+100']);
    await sleep(1000);
    const mbs = await fullCapture(x);
    await references(x, (W * H * 4) / 1e6 / mbs * 1000);
    await smallDamage(x);
    coalesceCost();
  } finally {
    await x.stop();
  }
}
