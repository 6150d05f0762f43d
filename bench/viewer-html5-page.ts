/**
 * Helpers of the web viewer bench (bench/viewer-html5.ts): the HTTP server for both
 * pages, a byte-counting TCP relay in front of Xspice, the script put in each page to
 * count drawn frames, reading a page's canvas, the CPU time of the Chromium processes,
 * and splitting a CDP CPU profile into decoding and the rest.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, connect as tcpConnect, type Server as TcpServer, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { SourceMap } from 'node:module';
import type { Page } from 'playwright-core';

/** Milliseconds on the clock both Node and the page use (epoch, sub-millisecond). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------- HTTP: /ours/ and /html5/

const TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css', map: 'application/json' };

/** Serves `roots` by URL prefix (e.g. { '/ours/': dir }); resolves with the port. */
export async function serveStatic(roots: Record<string, string>): Promise<{ port: number; close(): Promise<void> }> {
  const server: HttpServer = createHttpServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
      const prefix = Object.keys(roots).find((p) => path.startsWith(p));
      if (!prefix) { res.writeHead(404).end(); return; }
      const root = roots[prefix]!;
      const file = join(root, normalize(path.slice(prefix.length)).replace(/^(\.\.[/\\])+/, ''));
      if (!file.startsWith(root) || !existsSync(file)) { res.writeHead(404).end(); return; }
      const ext = file.slice(file.lastIndexOf('.') + 1);
      res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(await readFile(file));
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { port, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

// ---------------------------------------------------------------- byte-counting relay

/**
 * A TCP relay to 127.0.0.1:`target` (WebSocket frames pass through unchanged): counts the
 * bytes going to the browser and when the last ones came, to tell when the server is quiet.
 */
export class Relay {
  down = 0;
  lastData = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: TcpServer, readonly port: number) {}

  static async start(target: number): Promise<Relay> {
    let relay!: Relay;
    const server = createTcpServer((client) => {
      const up = tcpConnect(target, '127.0.0.1');
      relay.sockets.add(client).add(up);
      client.setNoDelay(true);
      up.setNoDelay(true);
      up.on('data', (d) => { relay.down += d.length; relay.lastData = nowMs(); });
      client.pipe(up);
      up.pipe(client);
      const end = () => { client.destroy(); up.destroy(); relay.sockets.delete(client); relay.sockets.delete(up); };
      client.on('error', end).on('close', end);
      up.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    relay = new Relay(server, (server.address() as { port: number }).port);
    return relay;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

// ---------------------------------------------------------------- in the page

export interface PageCounts {
  /** Animation frames that showed a change of the canvas. */
  frames: number;
  /** Drawing calls on the shown canvas. */
  calls: number;
  /** nowMs() of the frame that showed the last change (see frameCounter). */
  lastChange: number;
}

/**
 * Put in each page before its scripts (page.addInitScript): wraps the 2D context's drawing
 * calls and counts the animation frames that show a change of the canvas matching
 * `selector`, the same way for both viewers. A drawing call made inside a
 * requestAnimationFrame callback (our viewer paints there) shows in that frame; one made
 * elsewhere (spice-html5 draws as each message comes) shows in the next frame, whose
 * callbacks the counter then waits for. No frames are requested while nothing is drawn.
 */
export function frameCounter(selector: string): void {
  const st = { frames: 0, calls: 0, lastChange: 0 };
  (window as unknown as { __bench: typeof st }).__bench = st;
  const raf = window.requestAnimationFrame.bind(window);
  let inFrame: number | undefined; // the timestamp of the frame whose callbacks run now
  let counted = -1; // the timestamp of the last frame counted
  let waiting = false;
  const shown = (frame: number) => {
    if (frame !== counted) { counted = frame; st.frames++; }
    st.lastChange = performance.timeOrigin + performance.now();
  };
  window.requestAnimationFrame = (cb: FrameRequestCallback) => raf((t) => {
    inFrame = t;
    try { cb(t); } finally { inFrame = undefined; }
  });
  const drawn = () => {
    st.calls++;
    if (inFrame !== undefined) { shown(inFrame); return; }
    if (waiting) return;
    waiting = true;
    raf((t) => { waiting = false; shown(t); });
  };
  const proto = CanvasRenderingContext2D.prototype as unknown as Record<string, unknown>;
  for (const name of ['putImageData', 'drawImage', 'fillRect', 'clearRect', 'strokeRect', 'fill', 'stroke', 'fillText']) {
    const orig = proto[name];
    if (typeof orig !== 'function') continue;
    proto[name] = function (this: CanvasRenderingContext2D, ...args: unknown[]) {
      const c = this.canvas;
      if (c && c.isConnected && c.matches(selector)) drawn();
      return (orig as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
}

export function pageCounts(page: Page): Promise<PageCounts> {
  return page.evaluate(() => {
    const st = (window as unknown as { __bench?: PageCounts }).__bench;
    return { frames: st?.frames ?? 0, calls: st?.calls ?? 0, lastChange: st?.lastChange ?? 0 };
  });
}

/** The canvas matching `selector` as 0x00RRGGBB words, or undefined if there is none yet. */
export async function canvasPixels(page: Page, selector: string): Promise<{ width: number; height: number; pixels: Uint32Array } | undefined> {
  const got = await page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement | null;
    const ctx = c && c.width > 0 && c.height > 0 ? c.getContext('2d') : null;
    if (!c || !ctx) return null;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let s = '';
    for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000) as unknown as number[]);
    return { width: c.width, height: c.height, b64: btoa(s) };
  }, selector);
  if (!got) return undefined;
  const rgba = Buffer.from(got.b64, 'base64');
  const pixels = new Uint32Array(got.width * got.height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (rgba[i * 4]! << 16) | (rgba[i * 4 + 1]! << 8) | rgba[i * 4 + 2]!;
  return { width: got.width, height: got.height, pixels };
}

/** undefined when equal; else what differs. */
export function pictureDiff(got: { width: number; height: number; pixels: Uint32Array } | undefined, root: Uint32Array, width: number, height: number): string | undefined {
  if (!got) return 'no canvas';
  if (got.width !== width || got.height !== height) return `canvas ${got.width}x${got.height}, root ${width}x${height}`;
  let bad = 0, first = -1;
  for (let i = 0; i < root.length; i++) if (((got.pixels[i]! ^ root[i]!) & 0xffffff) !== 0) { bad++; if (first < 0) first = i; }
  if (!bad) return undefined;
  const hex = (v: number) => `#${(v & 0xffffff).toString(16).padStart(6, '0')}`;
  return `${bad} pixels differ, first at (${first % width},${Math.floor(first / width)}): canvas ${hex(got.pixels[first]!)}, root ${hex(root[first]!)}`;
}

// ---------------------------------------------------------------- Chromium's CPU

/** PIDs of the Chromium processes started by this process (browser, zygotes, renderers, GPU...). */
export function chromiumPids(): number[] {
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const st = readFileSync(`/proc/${e}/stat`, 'utf8');
      const close = st.lastIndexOf(')');
      comm.set(Number(e), st.slice(st.indexOf('(') + 1, close));
      parent.set(Number(e), Number(st.slice(close + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  const out: number[] = [];
  for (const [pid, name] of comm) {
    if (!/^(chrom|headless)/i.test(name)) continue;
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) { out.push(pid); break; }
    }
  }
  return out;
}

/** Run time of all threads of `pids`, ms (/proc/PID/task/T/schedstat). */
export function cpuMs(pids: number[]): number {
  let ns = 0;
  for (const pid of pids) {
    try {
      for (const t of readdirSync(`/proc/${pid}/task`)) {
        try { ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread gone */ }
      }
    } catch { /* process gone */ }
  }
  return ns / 1e6;
}

// ---------------------------------------------------------------- CPU profile

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
export interface CpuProfile { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[] }

/** Where a function is: its category ('decode', a file...) and a place to show (file:line). */
export interface Place { cat: string; where: string }
/** Places a function's code, or undefined for code it does not know. */
export type Classifier = (cf: CallFrame) => Place | undefined;

export interface ProfileSplit {
  /** self time by category, ms */
  byCat: Map<string, number>;
  /** self time by function (name and place), ms */
  byFn: Map<string, number>;
}

/**
 * Self time of the profile by category and by function, ms. Built-in and native frames (no
 * URL: typed array methods, putImageData...) count for the code that called them; V8's own
 * entries are '(idle)', '(program)' (outside JavaScript: layout, paint, IPC, message
 * dispatch) and '(gc)'.
 */
export function splitProfile(p: CpuProfile, classify: Classifier): ProfileSplit {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const placed = new Map<number, { cat: string; fn: string }>();
  const place = (id: number): { cat: string; fn: string } => {
    const known = placed.get(id);
    if (known) return known;
    const n = byId.get(id)!;
    const f = n.callFrame.functionName;
    let r: { cat: string; fn: string };
    if (f === '(idle)') r = { cat: '(idle)', fn: f };
    else if (f === '(program)' || f === '(root)') r = { cat: '(program)', fn: '(program)' };
    else if (f === '(garbage collector)') r = { cat: '(gc)', fn: '(gc)' };
    else if (n.callFrame.url) {
      const pl = classify(n.callFrame);
      r = { cat: pl?.cat ?? 'other', fn: `${f || '(anonymous)'} ${pl?.where ?? n.callFrame.url}` };
    } else {
      const up = parent.get(id);
      const top = up === undefined || byId.get(up)!.callFrame.functionName === '(root)';
      r = top ? { cat: 'native', fn: `${f} (native)` } : { cat: place(up).cat, fn: `${f} (native) < ${place(up).fn}` };
    }
    placed.set(id, r);
    return r;
  };
  const byCat = new Map<string, number>(), byFn = new Map<string, number>();
  const samples = p.samples ?? [], deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const ms = (deltas[i + 1] ?? 0) / 1000; // sample i lasts until the next one
    const { cat, fn } = place(samples[i]!);
    byCat.set(cat, (byCat.get(cat) ?? 0) + ms);
    byFn.set(fn, (byFn.get(fn) ?? 0) + ms);
  }
  return { byCat, byFn };
}

/**
 * Our bundles (files in `bundleDir` with a .map): the source file behind a frame, by folder;
 * the QUIC files (src/codecs/quic*.ts) are 'decode'.
 */
export function oursClassifier(bundleDir: string): Classifier {
  const maps = new Map<string, SourceMap | undefined>();
  const cache = new Map<string, Place | undefined>();
  return (cf) => {
    const file = cf.url.slice(cf.url.lastIndexOf('/') + 1).split('?')[0]!;
    if (!maps.has(file)) {
      const m = join(bundleDir, `${file}.map`);
      maps.set(file, file.endsWith('.js') && existsSync(m) ? new SourceMap(JSON.parse(readFileSync(m, 'utf8'))) : undefined);
    }
    const map = maps.get(file);
    if (!map) return undefined;
    const key = `${file}:${cf.lineNumber}:${cf.columnNumber}`;
    if (cache.has(key)) return cache.get(key);
    const e = map.findEntry(cf.lineNumber, cf.columnNumber) as { originalSource?: string; originalLine?: number };
    const src = e.originalSource ?? '';
    const m = /src\/([^/]+)\/([^/.]+)/.exec(src);
    const cat = !m ? 'other' : m[1] === 'codecs' && m[2]!.startsWith('quic') ? 'decode'
      : m[1] === 'codecs' || m[1] === 'viewer' || m[1] === 'canvas' ? `${m[1]}/${m[2]}` : m[1]!;
    const r = { cat, where: m ? `src/${m[1]}/${src.slice(m.index + m[0].length - m[2]!.length)}:${(e.originalLine ?? -1) + 1}` : file };
    cache.set(key, r);
    return r;
  };
}

/** spice-html5: by file; quic.js (the QUIC decoder and its conversion to ImageData) is 'decode'. */
export const html5Classifier: Classifier = (cf) => {
  const file = cf.url.slice(cf.url.lastIndexOf('/') + 1).split('?')[0]!;
  if (!file) return undefined;
  return { cat: file === 'quic.js' ? 'decode' : file, where: `${file}:${cf.lineNumber + 1}` };
};
