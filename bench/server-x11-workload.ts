/**
 * The scripted X drawing of the server bench (bench/server-x11.ts): content
 * made from fixed seeds (glyph cells, a photo-like picture, fills), an X
 * client that draws it with core requests on the root window, and the
 * phases, paced in real time, with latency markers. Byte-identical requests
 * on every X server it is pointed at.
 */
import { sleep } from '../test/harness/proc.js';
import { X11Connection } from '../src/server/sources/x11/connection.js';
import { encodeRequest, encodeGetImage, parseGetImage } from '../src/server/sources/x11/protocol.js';

export const W = 1024, H = 768;
export const RATE = 30; // steps per second
export const TERM = { x: 16, y: 16, cols: 100, rows: 30 }; // an 800x480 text area of 8x16 cells
export const PHOTO = { x: 400, y: 200, w: 480, h: 360, pan: 4 };
/** Distinct pan positions before the photo repeats: more than two passes of the bench use (an image cache would otherwise turn repeats into references). */
export const PHOTO_FRAMES = 160;
export const STRIP_Y = 744; // markers live in y 744..767; the workload stays above
export const MARKER_EVERY = 10;
export const IDLE_MARKERS = 20;

/** What the workload needs from the watcher: announce a marker, wait for it. */
export interface MarkerWatch {
  expect(id: number, x: number, y: number, color: number): void;
  waitSeen(id: number, timeoutMs: number): Promise<boolean>;
}

// ---------------------------------------------------------------- deterministic content

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
}

const BG = 0x202830, STRIP_BG = 0x404040, TEXT_FG = 0xd0d0d0, TEXT_BG = 0x101820;

/** One 8x16 cell per glyph, BGRX bytes; glyph 0 is a space. */
function makeGlyphs(n: number): Uint8Array[] {
  const r = lcg(7);
  const out: Uint8Array[] = [];
  for (let g = 0; g < n; g++) {
    const px = new Uint32Array(8 * 16).fill(TEXT_BG);
    if (g > 0) {
      for (let y = 3; y < 13; y++) for (let x = 1; x < 7; x++) if (r() < 0.38) px[y * 8 + x] = TEXT_FG;
    }
    out.push(new Uint8Array(px.buffer));
  }
  return out;
}

/** A smooth, slightly noisy picture (what a photo looks like to a codec), BGRX, `w` x `h`. */
function makePhoto(w: number, h: number): Uint8Array {
  const r = lcg(11);
  const px = new Uint32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const n = (r() - 0.5) * 14;
      const R = 128 + 70 * Math.sin(x / 41 + y / 97) + 30 * Math.sin((x + y) / 17) + n;
      const G = 120 + 60 * Math.sin(y / 29 - x / 131) + 25 * Math.cos(x / 13) + n;
      const B = 110 + 80 * Math.cos((x - y) / 53) + 20 * Math.sin(y / 7) + n;
      const c = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
      px[y * w + x] = (c(R) << 16) | (c(G) << 8) | c(B);
    }
  }
  return new Uint8Array(px.buffer);
}

const markerColor = (id: number) => 0x800000 | ((id & 0x7f) << 16) | (0x80 | ((id >> 7) & 0x7f)) << 8 | 0x33;
const markerPos = (id: number) => ({ x: 8 + (id % 100) * 10, y: STRIP_Y + 8 });

// ---------------------------------------------------------------- X drawing

export class Drawer {
  private constructor(readonly c: X11Connection, private readonly gc: number, readonly root: number) {}

  static async connect(display: string): Promise<Drawer> {
    const c = await X11Connection.connect(display);
    if (c.screen.rootDepth !== 24 || c.setup.imageByteOrder !== 0) throw new Error(`${display}: depth ${c.screen.rootDepth}, byte order ${c.setup.imageByteOrder}; the bench draws 24-bit LSBFirst`);
    const gc = c.allocId();
    // CreateGC: foreground, graphics-exposures off (no NoExpose event per CopyArea).
    c.send(encodeRequest(55, 0, 20, (v) => {
      v.setUint32(4, gc, true); v.setUint32(8, c.screen.root, true); v.setUint32(12, 0x4 | 0x10000, true);
      v.setUint32(16, 0, true); v.setUint32(20, 0, true);
    }));
    c.onError = (e) => console.log(`X error: ${e.message}`);
    return new Drawer(c, gc, c.screen.root);
  }

  fill(x: number, y: number, w: number, h: number, color: number): void {
    this.c.send(encodeRequest(56, 0, 12, (v) => { v.setUint32(4, this.gc, true); v.setUint32(8, 0x4, true); v.setUint32(12, color, true); }));
    this.c.send(encodeRequest(70, 0, 16, (v) => {
      v.setUint32(4, this.root, true); v.setUint32(8, this.gc, true);
      v.setInt16(12, x, true); v.setInt16(14, y, true); v.setUint16(16, w, true); v.setUint16(18, h, true);
    }));
  }

  /** PutImage ZPixmap depth 24 of `w` x `h` BGRX bytes (split into bands that fit a request). */
  put(x: number, y: number, w: number, h: number, bgrx: Uint8Array, stride = w * 4, offset = 0): void {
    const rows = Math.max(1, Math.floor((262140 - 24) / (w * 4)));
    for (let y0 = 0; y0 < h; y0 += rows) {
      const n = Math.min(rows, h - y0);
      this.c.send(encodeRequest(72, 2, 20 + w * 4 * n, (v, u8) => {
        v.setUint32(4, this.root, true); v.setUint32(8, this.gc, true);
        v.setUint16(12, w, true); v.setUint16(14, n, true); v.setInt16(16, x, true); v.setInt16(18, y + y0, true);
        v.setUint8(20, 0); v.setUint8(21, 24);
        for (let r = 0; r < n; r++) {
          const s = offset + (y0 + r) * stride;
          u8.set(bgrx.subarray(s, s + w * 4), 24 + r * w * 4);
        }
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

  /** The root window as 0x00RRGGBB words. */
  async rootPixels(): Promise<Uint32Array> {
    const out = new Uint32Array(W * H);
    const band = 128;
    for (let y = 0; y < H; y += band) {
      const img = parseGetImage(await this.c.request(encodeGetImage(this.root, 0, y, W, Math.min(band, H - y)), 'GetImage'));
      const copy = new Uint8Array(img.data); // aligned
      out.set(new Uint32Array(copy.buffer, 0, W * Math.min(band, H - y)), y * W);
    }
    for (let i = 0; i < out.length; i++) out[i]! &= 0xffffff;
    return out;
  }

  close(): void {
    this.c.close();
  }
}

// ---------------------------------------------------------------- the workload

export class Workload {
  private readonly glyphs = makeGlyphs(96);
  private readonly photo = makePhoto(PHOTO.w + PHOTO.pan * PHOTO_FRAMES, PHOTO.h);
  private readonly photoW = PHOTO.w + PHOTO.pan * PHOTO_FRAMES;
  private rnd = lcg(1);
  private col = 0;
  private row = 0;
  private frame = 0;
  private nextMarker = 1;
  readonly sent = new Map<number, { t: bigint; idle: boolean }>();

  constructor(private readonly d: Drawer, private readonly w: MarkerWatch) {}

  async background(): Promise<void> {
    this.d.fill(0, 0, W, H, BG);
    this.d.fill(0, STRIP_Y, W, H - STRIP_Y, STRIP_BG);
    this.d.fill(TERM.x, TERM.y, TERM.cols * 8, TERM.rows * 16, TEXT_BG);
    await this.d.sync();
  }

  private glyph(): number {
    // words of 2..8 letters separated by one space
    return this.rnd() < 0.18 ? 0 : 1 + Math.floor(this.rnd() * (this.glyphs.length - 1));
  }

  private typingStep(): void {
    for (let k = 0; k < 3; k++) {
      this.d.put(TERM.x + this.col * 8, TERM.y + this.row * 16, 8, 16, this.glyphs[this.glyph()]!);
      if (++this.col === TERM.cols) { this.col = 0; this.row = (this.row + 1) % TERM.rows; }
    }
    this.d.fill(TERM.x + this.col * 8, TERM.y + this.row * 16, 8, 16, TEXT_FG); // the cursor
  }

  private photoStep(): void {
    const off = ((this.frame++ * PHOTO.pan) % (this.photoW - PHOTO.w)) * 4;
    this.d.put(PHOTO.x, PHOTO.y, PHOTO.w, PHOTO.h, this.photo, this.photoW * 4, off);
  }

  private scrollStep(): void {
    const lineH = 16, w = TERM.cols * 8, h = TERM.rows * 16;
    this.d.copy(TERM.x, TERM.y + lineH, w, h - lineH, TERM.x, TERM.y);
    const line = new Uint8Array(w * lineH * 4);
    for (let c = 0; c < TERM.cols; c++) {
      const g = this.glyphs[this.glyph()]!;
      for (let y = 0; y < 16; y++) line.set(g.subarray(y * 32, y * 32 + 32), (y * w + c * 8) * 4);
    }
    this.d.put(TERM.x, TERM.y + h - lineH, w, lineH, line);
  }

  private fillStep(): void {
    const palette = [0xeeeeee, 0x3465a4, 0xf5f5f0, 0x2e3436, 0xcc0000, 0x4e9a06, 0xfce94f, 0x75507b];
    for (let k = 0; k < 2; k++) {
      const w = 64 + Math.floor(this.rnd() * 448), h = 64 + Math.floor(this.rnd() * 448);
      const x = Math.floor(this.rnd() * (W - w)), y = Math.floor(this.rnd() * (STRIP_Y - 8 - h));
      this.d.fill(x, y, w, h, palette[Math.floor(this.rnd() * palette.length)]!);
    }
  }

  marker(idle: boolean): number {
    const id = this.nextMarker++;
    const p = markerPos(id), color = markerColor(id);
    this.w.expect(id, p.x + 4, p.y + 4, color);
    this.sent.set(id, { t: process.hrtime.bigint(), idle });
    this.d.fill(p.x, p.y, 8, 8, color);
    return id;
  }

  /** `steps` steps of `phase` at RATE steps/s; markers every MARKER_EVERY steps when `markers`. */
  async run(phase: string, steps: number, markers: boolean): Promise<void> {
    const step = { typing: () => this.typingStep(), photo: () => this.photoStep(), scroll: () => this.scrollStep(), fills: () => this.fillStep() }[phase]!;
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      const due = t0 + (i * 1000) / RATE;
      const now = performance.now();
      if (due > now) await sleep(due - now);
      step();
      if (markers && i % MARKER_EVERY === MARKER_EVERY - 1) this.marker(false);
      await this.d.sync();
    }
  }

  /** One marker at a time, each waited for; returns how many never showed. */
  async idleMarkers(n: number): Promise<number> {
    let lost = 0;
    for (let i = 0; i < n; i++) {
      const id = this.marker(true);
      await this.d.sync();
      if (!(await this.w.waitSeen(id, 3000))) lost++;
      await sleep(50 + (i % 3) * 20);
    }
    return lost;
  }
}

export const PHASES: [string, number][] = [['typing', 90], ['photo', 60], ['scroll', 60], ['fills', 60]];
