/**
 * The demo's animated "photo": a plasma of slow sine waves through a cyclic palette, with a
 * faint fixed grain so neighbouring pixels differ a little, as in a photograph (the server
 * sends such areas with QUIC). Each pixel is a function of its position and the frame
 * number only, so any part of it can be repainted on its own.
 */
import type { Box } from '../display/damage.js';
import type { Canvas } from './demo-draw.js';

const GRAIN = 64;
const TAU = Math.PI * 2;

/** A palette that cycles smoothly through 256 entries; channels kept in 24..227 for the grain. */
function buildPalette(): Uint32Array {
  const pal = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const t = (i / 256) * TAU;
    const ch = (phase: number) => Math.round(126 + 100 * Math.sin(t + phase));
    pal[i] = (0xff000000 | (ch(0) << 16) | (ch(2.1) << 8) | ch(4.2)) >>> 0;
  }
  return pal;
}

/** Small per-pixel offsets (0..3 on every channel) from a fixed integer hash. */
function buildGrain(): Uint32Array {
  const g = new Uint32Array(GRAIN * GRAIN);
  for (let i = 0; i < g.length; i++) {
    let h = Math.imul(i ^ 0x5bd1e995, 0x27d4eb2d);
    h ^= h >>> 15;
    h = Math.imul(h, 0x165667b1);
    const n = (h >>> 24) & 3;
    g[i] = n * 0x010101;
  }
  return g;
}

const PALETTE = buildPalette();
const GRAIN_TILE = buildGrain();

export class Plasma {
  /** Per-column, per-row and per-diagonal wave values for the current frame. */
  private readonly colWave: Int32Array;
  private readonly rowWave: Int32Array;
  private readonly diagWave: Int32Array;
  /** A still ripple around the centre, computed once. */
  private readonly ripple: Uint8Array;
  private frameNo = -1;
  private shift = 0;

  constructor(readonly area: Box) {
    const w = area.x1 - area.x0, h = area.y1 - area.y0;
    this.colWave = new Int32Array(w);
    this.rowWave = new Int32Array(h);
    this.diagWave = new Int32Array(w + h);
    this.ripple = new Uint8Array(w * h);
    const cx = w * 0.62, cy = h * 0.38, period = Math.max(24, Math.min(w, h) / 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const d = Math.hypot(x - cx, y - cy);
        this.ripple[y * w + x] = Math.round(48 + 40 * Math.sin((d / period) * TAU)) & 255;
      }
    }
    this.setFrame(0);
  }

  /** Moves the waves to frame `n` (the animation's step counter). */
  setFrame(n: number): void {
    if (n === this.frameNo) return;
    this.frameNo = n;
    const w = this.colWave.length, h = this.rowWave.length;
    const t = n / 20; // seconds at 20 steps a second; slower fps just moves slower
    const sx = Math.max(40, w / 1.7), sy = Math.max(40, h / 1.3), sd = Math.max(60, (w + h) / 2.2);
    for (let x = 0; x < w; x++) this.colWave[x] = Math.round(64 * Math.sin((x / sx) * TAU + t * 0.9));
    for (let y = 0; y < h; y++) this.rowWave[y] = Math.round(56 * Math.sin((y / sy) * TAU - t * 0.7));
    for (let d = 0; d < w + h; d++) this.diagWave[d] = Math.round(48 * Math.sin((d / sd) * TAU + t * 0.5));
    this.shift = Math.round(t * 24);
  }

  /** Paints the part of the plasma inside `clip`. */
  paint(c: Canvas, clip: Box): void {
    const a = this.area;
    const x0 = Math.max(a.x0, clip.x0), x1 = Math.min(a.x1, clip.x1);
    const y0 = Math.max(a.y0, clip.y0), y1 = Math.min(a.y1, clip.y1);
    if (x0 >= x1 || y0 >= y1) return;
    const w = a.x1 - a.x0;
    const p = c.pixels, col = this.colWave, row = this.rowWave, diag = this.diagWave, rip = this.ripple;
    const shift = this.shift;
    for (let y = y0; y < y1; y++) {
      const v = y - a.y0;
      const rv = row[v]! + shift;
      const grainRow = (v & (GRAIN - 1)) * GRAIN;
      let o = y * c.stride + x0;
      let ri = v * w + (x0 - a.x0);
      for (let u = x0 - a.x0; u < x1 - a.x0; u++) {
        const idx = (col[u]! + rv + diag[u + v]! + rip[ri++]!) & 255;
        p[o++] = PALETTE[idx]! + GRAIN_TILE[grainRow + (u & (GRAIN - 1))]!;
      }
    }
  }
}
