/**
 * The last JPEG stage: chroma upsampling and YCbCr -> RGB into 0xFFRRGGBB words.
 *
 * Two upsampling modes, the two spice-gtk gets from libjpeg-turbo:
 * - plain (do_fancy_upsampling off, MJPEG): each chroma sample is repeated over the
 *   pixels it covers (libjpeg's merged upsampler computes the same values);
 * - "fancy" (the default, still images): for 2:1 ratios, a triangle filter that weighs
 *   the nearer chroma sample 3/4 and the farther 1/4, with alternating rounding biases
 *   so errors do not all lean one way; edges repeat their last sample. For 2x2
 *   subsampling the vertical pass runs first and both passes round once, together.
 *   Ratios other than 1 or 2, and a halved width on components narrower than 3
 *   samples, are repeated instead (libjpeg-turbo's choices).
 *
 * Colour conversion is JFIF's, in 16-bit fixed point, exactly as libjpeg rounds it.
 */
import type { JpegComponent, JpegFrame } from './jpeg-frame.js';

const SCALE = 16;
const HALF = 1 << (SCALE - 1);
const fix16 = (x: number): number => Math.floor(x * (1 << SCALE) + 0.5);
/** R = Y + (K_R*(Cr-128) + HALF) >> 16; B likewise with Cb; G = Y + (-K_GB*(Cb-128) - K_GR*(Cr-128) + HALF) >> 16. */
const K_R = fix16(1.402);
const K_B = fix16(1.772);
const K_GB = fix16(0.34414);
const K_GR = fix16(0.71414);

/** Clamp to 0..255, indexed with +256 (only used when a value is out of range). */
const CLAMP = new Uint8Array(768);
for (let i = 0; i < 768; i++) CLAMP[i] = Math.min(255, Math.max(0, i - 256));

/**
 * One output row of 2x2 fancy upsampling: `near` is the chroma row this output row
 * falls in, `far` the one above or below it. Vertical weights 3:1 give column sums;
 * horizontal weights 3:1 of those, rounded once (bias 8 then 7 alternately, /16).
 */
function fancyH2V2(plane: Uint8Array, near: number, far: number, cw: number, out: Uint8Array): void {
  let cur = 3 * plane[near] + plane[far];
  let prev = cur;
  const last = cw - 1;
  for (let j = 0; j < last; j++) {
    const next = 3 * plane[near + j + 1] + plane[far + j + 1];
    const t = 3 * cur;
    out[2 * j] = (t + prev + 8) >> 4;
    out[2 * j + 1] = (t + next + 7) >> 4;
    prev = cur;
    cur = next;
  }
  out[2 * last] = (3 * cur + prev + 8) >> 4;
  out[2 * last + 1] = (4 * cur + 7) >> 4;
}

type RowFn = (y: number) => Uint8Array;

/** A function giving the upsampled row `y` (at least frame.width samples) of one component. */
function rowSource(frame: JpegFrame, c: JpegComponent, fancy: boolean): RowFn {
  const hr = frame.hmax / c.h;
  const vr = frame.vmax / c.v;
  const plane = c.plane, stride = c.stride, cw = c.width, lastRow = c.height - 1;
  if (hr === 1 && vr === 1) return (y) => plane.subarray(y * stride, y * stride + stride);
  const out = new Uint8Array(Math.max(cw * hr, frame.width) + 8);
  if (fancy && hr === 2 && vr === 2 && cw > 2) {
    return (y) => {
      const k = y >> 1;
      const far = y & 1 ? Math.min(k + 1, lastRow) : Math.max(k - 1, 0);
      fancyH2V2(plane, k * stride, far * stride, cw, out);
      return out;
    };
  }
  if (fancy && hr === 2 && vr === 1 && cw > 2) {
    return (y) => {
      const p = y * stride;
      out[0] = plane[p];
      out[1] = (plane[p] * 3 + plane[p + 1] + 2) >> 2;
      for (let j = 1; j < cw - 1; j++) {
        const t = plane[p + j] * 3;
        out[2 * j] = (t + plane[p + j - 1] + 1) >> 2;
        out[2 * j + 1] = (t + plane[p + j + 1] + 2) >> 2;
      }
      const j = cw - 1;
      out[2 * j] = (plane[p + j] * 3 + plane[p + j - 1] + 1) >> 2;
      out[2 * j + 1] = plane[p + j];
      return out;
    };
  }
  if (fancy && hr === 1 && vr === 2) {
    return (y) => {
      const k = y >> 1;
      const near = k * stride;
      const odd = y & 1;
      const far = (odd ? Math.min(k + 1, lastRow) : Math.max(k - 1, 0)) * stride;
      const bias = odd ? 2 : 1;
      for (let j = 0; j < cw; j++) out[j] = (3 * plane[near + j] + plane[far + j] + bias) >> 2;
      return out;
    };
  }
  // Plain repetition for any integral ratio.
  const xmap = new Int32Array(frame.width);
  for (let x = 0; x < frame.width; x++) xmap[x] = Math.floor(x / hr);
  return (y) => {
    const p = Math.floor(y / vr) * stride;
    for (let x = 0; x < xmap.length; x++) out[x] = plane[p + xmap[x]];
    return out;
  };
}

/*
 * Arithmetic rather than libjpeg's per-value tables: the same integers, and in
 * JavaScript the multiplies cost less than the extra table loads.
 */

/** One pixel from luma and the three chroma terms. */
function pixel(Y: number, dr: number, dg: number, db: number): number {
  let r = Y + dr, g = Y + dg, b = Y + db;
  if ((r | g | b) & ~255) {
    r = CLAMP[r + 256]; g = CLAMP[g + 256]; b = CLAMP[b + 256];
  }
  return 0xff000000 | (r << 16) | (g << 8) | b;
}

/** Converts one row of Y, Cb, Cr samples to pixels at `o`. */
function convertRow(yr: Uint8Array, yo: number, cbr: Uint8Array, cbo: number, crr: Uint8Array, cro: number, out: Int32Array, o: number, w: number): void {
  for (let x = 0; x < w; x++) {
    const cb = cbr[cbo + x] - 128, cr = crr[cro + x] - 128;
    out[o + x] = pixel(yr[yo + x], (K_R * cr + HALF) >> SCALE, (HALF - K_GB * cb - K_GR * cr) >> SCALE, (K_B * cb + HALF) >> SCALE);
  }
}

/** Luma at full size and both chroma halved horizontally, repeated (libjpeg's merged h2v1/h2v2 path). */
function convertRowMerged(yr: Uint8Array, yo: number, cbr: Uint8Array, crr: Uint8Array, co: number, out: Int32Array, o: number, w: number): void {
  for (let x = 0, j = co; x < w; x += 2, j++) {
    const cb = cbr[j] - 128, cr = crr[j] - 128;
    const dr = (K_R * cr + HALF) >> SCALE;
    const dg = (HALF - K_GB * cb - K_GR * cr) >> SCALE;
    const db = (K_B * cb + HALF) >> SCALE;
    out[o + x] = pixel(yr[yo + x], dr, dg, db);
    if (x + 1 < w) out[o + x + 1] = pixel(yr[yo + x + 1], dr, dg, db);
  }
}

/** Writes the frame's pixels as 0xFFRRGGBB, top-down. `rgb` = the components are R, G, B, not YCbCr. */
export function renderPixels(frame: JpegFrame, fancy: boolean, rgb: boolean, pixels: Uint32Array): void {
  const w = frame.width, h = frame.height;
  const comps = frame.components;
  // Same memory, signed view: keeps every value a small integer in the hot loops.
  const out = new Int32Array(pixels.buffer, pixels.byteOffset, pixels.length);
  if (comps.length === 1) {
    const c = comps[0];
    for (let y = 0, o = 0; y < h; y++) {
      const p = y * c.stride;
      for (let x = 0; x < w; x++, o++) out[o] = 0xff000000 | (c.plane[p + x] * 0x010101);
    }
    return;
  }
  const [c0, c1, c2] = comps;
  const full = (c: JpegComponent): boolean => c.h === frame.hmax && c.v === frame.vmax;
  if (!rgb && full(c0) && c1.h === 1 && c1.v === 1 && c2.h === 1 && c2.v === 1) {
    if (frame.hmax === 1 && frame.vmax === 1) {
      for (let y = 0; y < h; y++) convertRow(c0.plane, y * c0.stride, c1.plane, y * c1.stride, c2.plane, y * c2.stride, out, y * w, w);
      return;
    }
    if (!fancy && frame.hmax === 2 && frame.vmax <= 2) {
      const vs = frame.vmax === 2 ? 1 : 0;
      for (let y = 0; y < h; y++) {
        const cy = y >> vs;
        convertRowMerged(c0.plane, y * c0.stride, c1.plane, c2.plane, cy * c1.stride, out, y * w, w);
      }
      return;
    }
  }
  const s0 = rowSource(frame, c0, fancy);
  const s1 = rowSource(frame, c1, fancy);
  const s2 = rowSource(frame, c2, fancy);
  for (let y = 0, o = 0; y < h; y++, o += w) {
    const r0 = s0(y), r1 = s1(y), r2 = s2(y);
    if (rgb) {
      for (let x = 0; x < w; x++) out[o + x] = 0xff000000 | (r0[x] << 16) | (r1[x] << 8) | r2[x];
    } else {
      convertRow(r0, 0, r1, 0, r2, 0, out, o, w);
    }
  }
}
