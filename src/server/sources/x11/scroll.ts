/**
 * Finding scrolls in the x11 source's damage. X's DAMAGE extension says where
 * pixels changed, never that they were copied, so an xterm or a browser
 * scrolling (CopyArea) looks like a whole new picture. findScroll compares a
 * damaged box as the frame holds it ("before") with the pixels just read from
 * the X server ("after"): every row is hashed (the middle half of its
 * columns, so a scroll bar or a border that changed does not spoil the row),
 * rows that appear once in "before" vote for the shift that brings them to
 * where they are in "after", and the best few shifts are checked pixel by
 * pixel. When no vertical shift fits, a short piece of a few rows is looked
 * for sideways along the old rows (horizontal scrolls, pans).
 *
 * The result is a move (a run of rows that "after" holds shifted, widened to
 * the columns that agree) and rectangles covering every other pixel that
 * differs, so applying the move to "before" and then copying the rectangles
 * from "after" gives "after" exactly. Hashes only propose shifts; nothing is
 * reported that the pixel comparison did not confirm. Only RGB is compared
 * (the top byte of frame words is padding).
 */
import { ErrorCode, SpiceError } from '../../../protocol/errors.js';
import type { SourceRect } from '../../source.js';

/** Rows of pixels: `pixels[offset + y * stride + x]`. */
export interface PixelView {
  pixels: Uint32Array;
  offset: number;
  stride: number;
}

export interface ScrollOptions {
  /** Smallest damage rectangle, in pixels, searched for a scroll (default 32768). */
  minPixels?: number;
  /** Smallest damage rectangle height searched (default 24 rows). */
  minHeight?: number;
  /** Most pixels read ahead for the search per damage report (default 4 Mi pixels); bigger rectangles are not searched. */
  maxPixels?: number;
  /** Fewest changed rows a move must account for to be reported (default 8). */
  minRows?: number;
  /** How many of the best-voted shifts are checked pixel by pixel (default 3). */
  candidates?: number;
  /** Changed rows at most this many unchanged rows apart share a damage rectangle (default 8). */
  mergeGap?: number;
  /** Longest run of rows inside a move that did not move with it (default 48): they are redrawn after the copy. */
  holeRows?: number;
  /** Also look for horizontal shifts when no vertical one fits (default true). */
  horizontal?: boolean;
}

/** Pixels of "after" at `dst` are the pixels of "before" at (dst.x - dx, dst.y - dy). */
export interface ScrollMove {
  dst: SourceRect;
  dx: number;
  dy: number;
}

export interface ScrollResult {
  move: ScrollMove | null;
  /** What else changed (coordinates inside the box). */
  changed: SourceRect[];
}

/** Hash of `length` words from `start` (tests replace it to force collisions). */
export type RowHash = (pixels: Uint32Array, start: number, length: number) => number;

/**
 * Row hashes carried from one search to the next: `before`, when given with one entry per
 * row, stands for the old box's hashes (they are what the previous search of the same box
 * computed for its new pixels); `after` receives the new box's. A stale `before` costs
 * only a missed move: hashes propose shifts, pixels decide.
 */
export interface RowHashes {
  before?: Int32Array;
  after?: Int32Array;
}

export const RGB = 0xffffff;

/**
 * Every other pixel: the hash only proposes shifts, the pixel check decides. Two lanes
 * (pixels 0, 4, 8... and 2, 6, 10...) so the multiplications do not wait on each other.
 */
function hashRow(px: Uint32Array, start: number, length: number): number {
  let a = 0x811c9dc5, b = 0x2545f491;
  const end = start + length;
  let i = start;
  for (; i + 2 < end; i += 4) {
    a = Math.imul(a ^ (px[i]! & RGB), 0x01000193);
    b = Math.imul(b ^ (px[i + 2]! & RGB), 0x01000193);
  }
  if (i < end) a = Math.imul(a ^ (px[i]! & RGB), 0x01000193);
  const h = Math.imul(a ^ (b >>> 7), 0x9e3779b1) ^ b;
  return (h ^ (h >>> 15)) | 0;
}

/** Index of the first of `n` words that differ in RGB, or `n`. */
function firstDiff(a: Uint32Array, ai: number, b: Uint32Array, bi: number, n: number): number {
  let k = 0;
  while (k < n && ((a[ai + k]! ^ b[bi + k]!) & RGB) === 0) k++;
  return k;
}

const sameWords = (a: Uint32Array, ai: number, b: Uint32Array, bi: number, n: number) => firstDiff(a, ai, b, bi, n) === n;

/**
 * Long comparisons go two words at a time, as float64s, where both arrays have a float64
 * view and the two runs start at the same word parity: equal bits in both words mean
 * equal RGB (a NaN pattern never equals itself; +0 and -0 differ only in a pad byte), and
 * the first pair that is not equal is settled word by word. About three times faster.
 */
const pairViews = new WeakMap<Uint32Array, Float64Array | null>();

export function pairsOf(a: Uint32Array): Float64Array | null {
  let v = pairViews.get(a);
  if (v === undefined) {
    v = a.byteOffset % 8 === 0 ? new Float64Array(a.buffer, a.byteOffset, a.length >> 1) : null;
    pairViews.set(a, v);
  }
  return v;
}

/**
 * Byte views for whole-row checks: Buffer's compare is the C library's memcmp, about
 * three times the speed of the pairs loop on long runs, but a call costs ~0.2 us, so it
 * serves rows that are expected to match whole (equal bytes mean equal RGB; unequal
 * bytes are settled by the masked loops). Null where Buffer does not exist.
 */
const byteViews = new WeakMap<Uint32Array, Buffer | null>();

export function bytesOf(a: Uint32Array): Buffer | null {
  let v = byteViews.get(a);
  if (v === undefined) {
    v = typeof Buffer === 'function' ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : null;
    byteViews.set(a, v);
  }
  return v;
}

/** Whether the n words at ai and bi are the same bytes (false also when unsure). */
function sameBytes(a: Buffer | null, ai: number, b: Buffer | null, bi: number, n: number): boolean {
  return a !== null && b !== null && a.compare(b, bi * 4, (bi + n) * 4, ai * 4, (ai + n) * 4) === 0;
}

/** firstDiff, by pairs where it can. */
function firstDiff2(a: Uint32Array, a2: Float64Array | null, ai: number, b: Uint32Array, b2: Float64Array | null, bi: number, n: number): number {
  let k = 0;
  if (a2 !== null && b2 !== null && n >= 8 && ((ai ^ bi) & 1) === 0) {
    if (ai & 1) {
      if (((a[ai]! ^ b[bi]!) & RGB) !== 0) return 0;
      k = 1;
    }
    let i = (ai + k) >> 1, j = (bi + k) >> 1;
    const end = (ai + n) >> 1;
    while (i < end && a2[i] === b2[j]) { i++; j++; }
    k = (i << 1) - ai;
  }
  while (k < n && ((a[ai + k]! ^ b[bi + k]!) & RGB) === 0) k++;
  return k;
}

/** lastDiff, by pairs where it can. */
function lastDiff2(a: Uint32Array, a2: Float64Array | null, ai: number, b: Uint32Array, b2: Float64Array | null, bi: number, n: number): number {
  let e = n; // words [0, e) are still to look at, from the end
  if (a2 !== null && b2 !== null && n >= 8 && ((ai ^ bi) & 1) === 0) {
    if ((ai + e) & 1) {
      if (((a[ai + e - 1]! ^ b[bi + e - 1]!) & RGB) !== 0) return e - 1;
      e--;
    }
    let i = ((ai + e) >> 1) - 1, j = ((bi + e) >> 1) - 1;
    const stop = (ai + 1) >> 1;
    while (i >= stop && a2[i] === b2[j]) { i--; j--; }
    e = ((i + 1) << 1) - ai;
  }
  let k = e - 1;
  while (k >= 0 && ((a[ai + k]! ^ b[bi + k]!) & RGB) === 0) k--;
  return k;
}

export function checkView(v: PixelView, width: number, height: number, what: string): void {
  const ok = Number.isInteger(v.offset) && Number.isInteger(v.stride) && v.offset >= 0 && v.stride >= width &&
    v.offset + (height - 1) * v.stride + width <= v.pixels.length;
  if (!ok) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `scroll search: ${what} (${width}x${height}, offset ${v.offset}, stride ${v.stride}) does not fit its ${v.pixels.length} pixels`);
}

/** Collects changed row spans into rectangles, joining rows up to `gap` apart. */
class Spans {
  readonly out: SourceRect[] = [];
  private y0 = -1;
  private y1 = 0;
  private x0 = 0;
  private x1 = 0;

  constructor(private readonly gap: number) {}

  add(y: number, x0: number, x1: number): void {
    if (this.y0 >= 0 && y - this.y1 <= this.gap) {
      this.y1 = y + 1;
      if (x0 < this.x0) this.x0 = x0;
      if (x1 > this.x1) this.x1 = x1;
      return;
    }
    this.flush();
    this.y0 = y; this.y1 = y + 1; this.x0 = x0; this.x1 = x1;
  }

  flush(): void {
    if (this.y0 >= 0) this.out.push({ x: this.x0, y: this.y0, width: this.x1 - this.x0, height: this.y1 - this.y0 });
    this.y0 = -1;
  }
}

interface Run {
  /**
   * Rows [r0, r1) of the box, shifted by (dx, dy); `match`: the rows that agree on columns
   * [s0, s1) (1), or on every column the shift leaves (2).
   */
  r0: number;
  r1: number;
  dx: number;
  dy: number;
  s0: number;
  s1: number;
  gain: number;
  match: Uint8Array;
}

/**
 * The two boxes compared: row y of "after" starts at A[a + y * as], of "before" at
 * B[b + y * bs]. (Plain functions over this rather than closures: V8 compiles small
 * functions quickly, and a deoptimized one is recompiled alone.)
 */
interface Boxes {
  A: Uint32Array;
  a: number;
  as: number;
  B: Uint32Array;
  b: number;
  bs: number;
  W: number;
  H: number;
  /** Float64 views of A and B (pairsOf). */
  A2: Float64Array | null;
  B2: Float64Array | null;
  /** Byte views of A and B (bytesOf). */
  A8: Buffer | null;
  B8: Buffer | null;
}

/**
 * Compares the `width` x `height` box in `before` and `after`; see the file header.
 * `rowHash` replaces the row hash (tests).
 */
export function findScroll(before: PixelView, after: PixelView, width: number, height: number,
  opts: ScrollOptions & { rowHash?: RowHash; hashes?: RowHashes } = {}): ScrollResult {
  const W = Math.floor(width), H = Math.floor(height);
  if (!(W > 0 && H > 0)) return { move: null, changed: [] };
  checkView(before, W, H, 'the old box');
  checkView(after, W, H, 'the new box');
  const p: Boxes = {
    A: after.pixels, a: after.offset, as: after.stride, B: before.pixels, b: before.offset, bs: before.stride, W, H,
    A2: pairsOf(after.pixels), B2: pairsOf(before.pixels), A8: bytesOf(after.pixels), B8: bytesOf(before.pixels),
  };
  const minRows = Math.max(1, opts.minRows ?? 8);
  const candidates = Math.max(1, opts.candidates ?? 3);
  const maxHole = Math.max(0, opts.holeRows ?? 48);

  // The middle half of the columns decides; the sides are added where they agree.
  const sx0 = W >= 16 ? W >> 2 : 0, sx1 = W - sx0;
  const known = opts.hashes?.before;
  const hb = known && known.length === H ? known : hashRows(p.B, p.b, p.bs, H, sx0, sx1, opts.rowHash);
  const ha = hashRows(p.A, p.a, p.as, H, sx0, sx1, opts.rowHash);
  if (opts.hashes) opts.hashes.after = ha;

  let mv: Run | null = null;
  // (Index loops over arrays built by push alone: iterators and arrays of differing element
  // kinds make V8 throw compiled code away.)
  const dys = verticalCandidates(ha, hb, H, candidates);
  for (let k = 0; k < dys.length; k++) {
    const r = evaluateShift(p, ha, hb, 0, dys[k]!, sx0, sx1, maxHole);
    if (r && (!mv || r.gain > mv.gain)) mv = r;
  }
  if (opts.horizontal !== false && (!mv || mv.gain < minRows)) {
    const dxs = horizontalCandidates(p, ha, hb, sx0, sx1);
    for (let k = 0; k < dxs.length; k++) {
      const r = evaluateShift(p, ha, hb, dxs[k]!, 0, sx0, sx1, maxHole);
      if (r && (!mv || r.gain > mv.gain)) mv = r;
    }
  }
  const move = mv && mv.gain >= minRows ? mv : null;
  let cx0 = 0, cx1 = W;
  if (move) [cx0, cx1] = widen(p, move);

  // Everything else that differs from what the viewer will have: before at the same place,
  // or inside the moved rectangle, before shifted.
  const gap = Math.max(0, opts.mergeGap ?? 8);
  const outside = new Spans(gap), left = new Spans(gap), right = new Spans(gap), holes = new Spans(gap);
  for (let y = 0; y < H; y++) {
    if (move && y >= move.r0 && y < move.r1) {
      if (!move.match[y]) diffRow(p, y, y - move.dy, move.dx, cx0, cx1, holes);
      if (cx0 > 0) diffRow(p, y, y, 0, 0, cx0, left);
      if (cx1 < W) diffRow(p, y, y, 0, cx1, W, right);
    } else {
      diffRow(p, y, y, 0, 0, W, outside);
    }
  }
  outside.flush(); left.flush(); right.flush(); holes.flush();
  return {
    move: move ? { dst: { x: cx0, y: move.r0, width: cx1 - cx0, height: move.r1 - move.r0 }, dx: move.dx, dy: move.dy } : null,
    changed: outside.out.concat(holes.out, left.out, right.out),
  };
}

/** The hash of columns [sx0, sx1) of each of `h` rows. */
function hashRows(px: Uint32Array, at: number, stride: number, h: number, sx0: number, sx1: number, hash: RowHash = hashRow): Int32Array {
  const out = new Int32Array(h);
  for (let y = 0; y < h; y++) out[y] = hash(px, at + y * stride + sx0, sx1 - sx0) | 0;
  return out;
}

/** The best run of rows that agree shifted by (dx, dy); holes of up to maxHole rows are redrawn after the copy. */
function evaluateShift(p: Boxes, ha: Int32Array, hb: Int32Array, dx: number, dy: number, sx0: number, sx1: number, maxHole: number): Run | null {
  const { A, B, W, H } = p;
  const lo = Math.max(0, dy), hi = Math.min(H, H + dy);
  const s0 = Math.max(sx0, dx), s1 = Math.min(sx1, W + dx);
  if (s1 - s0 < Math.max(1, (sx1 - sx0) >> 1)) return null;
  const xlo = Math.max(0, dx), xhi = Math.min(W, W + dx);
  const match = new Uint8Array(H);
  let r0 = -1, r1 = 0, gain = 0;
  let start = -1, end = 0, run = 0;
  for (let y = lo; y < hi; y++) {
    // Different hashes of the same columns: different pixels. Whatever else is checked.
    if (dx === 0 && ha[y] !== hb[y - dy]) continue;
    const ai = p.a + y * p.as, bi = p.b + (y - dy) * p.bs - dx;
    // Most rows of a scroll match whole: one check of the whole row (2: widen has nothing to do).
    if (sameBytes(p.A8, ai + xlo, p.B8, bi + xlo, xhi - xlo)) match[y] = 2;
    else if (firstDiff2(A, p.A2, ai + s0, B, p.B2, bi + s0, s1 - s0) === s1 - s0) match[y] = 1;
    else continue;
    if (start < 0 || y - end > maxHole) {
      if (start >= 0 && (r0 < 0 || run > gain)) { r0 = start; r1 = end; gain = run; }
      start = y;
      run = 0;
    }
    end = y + 1;
    // The score only: a row whose hash changed certainly changed.
    if (ha[y] !== hb[y]) run++;
  }
  if (start >= 0 && (r0 < 0 || run > gain)) { r0 = start; r1 = end; gain = run; }
  return r0 < 0 ? null : { r0, r1, dx, dy, s0, s1, gain, match };
}

/**
 * Widens the moved columns to where the matching rows agree; the few rows (1 in 8) that
 * would narrow them most are treated as holes instead (their `match` is cleared).
 */
function widen(p: Boxes, move: Run): [number, number] {
  const { A, B, W, H } = p;
  const { dx, dy, s0, s1 } = move;
  const xlo = Math.max(0, dx), xhi = Math.min(W, W + dx);
  const l = new Int32Array(H), r = new Int32Array(H);
  const ls = new Int32Array(move.r1 - move.r0), rs = new Int32Array(move.r1 - move.r0);
  let n = 0;
  for (let y = move.r0; y < move.r1; y++) {
    const m = move.match[y]!;
    if (m === 0) continue;
    if (m === 2) {
      l[y] = xlo;
      r[y] = xhi;
    } else {
      const ai = p.a + y * p.as, bi = p.b + (y - dy) * p.bs - dx;
      l[y] = xlo + lastDiff2(A, p.A2, ai + xlo, B, p.B2, bi + xlo, s0 - xlo) + 1;
      r[y] = s1 + firstDiff2(A, p.A2, ai + s1, B, p.B2, bi + s1, xhi - s1);
    }
    ls[n] = l[y]!;
    rs[n++] = r[y]!;
  }
  const spare = n >> 3;
  const lsorted = ls.subarray(0, n).sort(), rsorted = rs.subarray(0, n).sort();
  const cx0 = lsorted[n - 1 - spare]!, cx1 = rsorted[spare]!;
  for (let y = move.r0; y < move.r1; y++) if (move.match[y] && (l[y]! > cx0 || r[y]! < cx1)) move.match[y] = 0;
  return [cx0, cx1];
}

/** Adds to `into` the columns of [x0, x1) where after's row y differs from before's row fromY shifted by dx. */
function diffRow(p: Boxes, y: number, fromY: number, dx: number, x0: number, x1: number, into: Spans): void {
  const ai = p.a + y * p.as + x0, bi = p.b + fromY * p.bs + x0 - dx, n = x1 - x0;
  const first = firstDiff2(p.A, p.A2, ai, p.B, p.B2, bi, n);
  if (first < n) into.add(y, x0 + first, x0 + lastDiff2(p.A, p.A2, ai, p.B, p.B2, bi, n) + 1);
}

/** Vertical shifts voted for by rows that appear once in the old box, best first. */
function verticalCandidates(ha: Int32Array, hb: Int32Array, H: number, max: number): number[] {
  // Repeated rows (blank lines, solid areas) would vote for every shift: only rows seen once vote.
  const once = new Map<number, number>();
  for (let y = 0; y < H; y++) once.set(hb[y]!, once.has(hb[y]!) ? -1 : y);
  const votes = new Int32Array(2 * H);
  for (let y = 0; y < H; y++) {
    const from = once.get(ha[y]!);
    if (from !== undefined && from >= 0 && from !== y) votes[y - from + H]++;
  }
  let top = 0;
  for (let i = 1; i < 2 * H; i++) if (votes[i]! > top) top = votes[i]!;
  // Shifts with a fraction of the leader's votes are mostly chance matches: not worth checking.
  const enough = Math.max(1, Math.ceil(top / 4));
  const best: number[] = [];
  for (let i = 1; i < 2 * H; i++) {
    if (votes[i]! < enough) continue;
    let k = best.length;
    while (k > 0 && votes[best[k - 1]!]! < votes[i]!) k--;
    if (k < max) { best.splice(k, 0, i); if (best.length > max) best.pop(); }
  }
  const out: number[] = [];
  for (let k = 0; k < best.length; k++) out.push(best[k]! - H);
  return out;
}

/** Probe rows per horizontal search, pixels per probe, and matches that make a probe ambiguous. */
const H_ROWS = 12, H_PROBE = 16, H_AMBIGUOUS = 4;

/**
 * Horizontal shifts (up to half the width): a short piece of a few changed rows is looked
 * for along the same row of the old box; shifts found in a third of the rows, best first.
 */
function horizontalCandidates(bx: Boxes, ha: Int32Array, hb: Int32Array, sx0: number, sx1: number): number[] {
  const { A, B, W, H } = bx;
  if (sx1 - sx0 < 2 * H_PROBE) return [];
  const rows: number[] = [];
  for (let y = 0; y < H; y++) if (ha[y] !== hb[y]) rows.push(y);
  const maxDx = W >> 1;
  // Shifts found and how many probes found each (plain arrays and index loops: see findScroll).
  const dxs: number[] = [], votes: number[] = [];
  const step = Math.max(1, Math.floor(rows.length / H_ROWS));
  let probes = 0;
  for (let k = 0; k < rows.length && probes < H_ROWS; k += step) {
    const ar = bx.a + rows[k]! * bx.as, br = bx.b + rows[k]! * bx.bs;
    // Probe where the row is not flat (a flat piece matches anywhere): near the left end of
    // the middle columns for shifts to the left, near the right end for shifts to the right.
    let pl = sx0;
    while (pl < sx1 - H_PROBE && ((A[ar + pl]! ^ A[ar + pl + 1]!) & RGB) === 0) pl++;
    if (pl >= sx1 - H_PROBE) continue;
    let pr = sx1 - H_PROBE;
    while (pr > pl && ((A[ar + pr + H_PROBE - 1]! ^ A[ar + pr + H_PROBE - 2]!) & RGB) === 0) pr--;
    probes++;
    const found: number[] = [];
    for (let dx = -maxDx; dx <= maxDx && found.length <= H_AMBIGUOUS; dx++) {
      const p = dx < 0 ? pl : pr, s = p - dx;
      if (dx === 0 || s < 0 || s + H_PROBE > W) continue;
      if (((A[ar + p]! ^ B[br + s]!) & RGB) === 0 && sameWords(A, ar + p, B, br + s, H_PROBE)) found.push(dx);
    }
    if (found.length > H_AMBIGUOUS) continue;
    for (let f = 0; f < found.length; f++) {
      const i = dxs.indexOf(found[f]!);
      if (i < 0) { dxs.push(found[f]!); votes.push(1); } else votes[i]!++;
    }
  }
  // The two with the most votes, at least `need` (ties: the one found first).
  const need = Math.max(2, Math.ceil(probes / 3));
  let b1 = -1, b2 = -1;
  for (let i = 0; i < dxs.length; i++) {
    if (votes[i]! < need) continue;
    if (b1 < 0 || votes[i]! > votes[b1]!) { b2 = b1; b1 = i; } else if (b2 < 0 || votes[i]! > votes[b2]!) b2 = i;
  }
  const out: number[] = [];
  if (b1 >= 0) out.push(dxs[b1]!);
  if (b2 >= 0) out.push(dxs[b2]!);
  return out;
}
