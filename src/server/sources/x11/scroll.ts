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
import type { SourceFrame, SourceRect, SourceSink } from '../../source.js';

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

const RGB = 0xffffff;

/** Every other pixel: the hash only proposes shifts, the pixel check decides. */
function hashRow(px: Uint32Array, start: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = start, end = start + length; i < end; i += 2) h = Math.imul(h ^ (px[i]! & RGB), 0x01000193);
  return (h ^ (h >>> 15)) | 0;
}

/** Index of the first of `n` words that differ in RGB, or `n`. */
function firstDiff(a: Uint32Array, ai: number, b: Uint32Array, bi: number, n: number): number {
  let k = 0;
  while (k < n && ((a[ai + k]! ^ b[bi + k]!) & RGB) === 0) k++;
  return k;
}

/** Index of the last of `n` words that differ in RGB, or -1. */
function lastDiff(a: Uint32Array, ai: number, b: Uint32Array, bi: number, n: number): number {
  let k = n - 1;
  while (k >= 0 && ((a[ai + k]! ^ b[bi + k]!) & RGB) === 0) k--;
  return k;
}

const sameWords = (a: Uint32Array, ai: number, b: Uint32Array, bi: number, n: number) => firstDiff(a, ai, b, bi, n) === n;

function checkView(v: PixelView, width: number, height: number, what: string): void {
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
  /** Rows [r0, r1) of the box, shifted by (dx, dy); `match`: the rows that agree on columns [s0, s1). */
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
 * Compares the `width` x `height` box in `before` and `after`; see the file header.
 * `rowHash` replaces the row hash (tests).
 */
export function findScroll(before: PixelView, after: PixelView, width: number, height: number, opts: ScrollOptions & { rowHash?: RowHash } = {}): ScrollResult {
  const W = Math.floor(width), H = Math.floor(height);
  if (!(W > 0 && H > 0)) return { move: null, changed: [] };
  checkView(before, W, H, 'the old box');
  checkView(after, W, H, 'the new box');
  const B = before.pixels, A = after.pixels;
  const bRow = (y: number) => before.offset + y * before.stride;
  const aRow = (y: number) => after.offset + y * after.stride;
  const minRows = Math.max(1, opts.minRows ?? 8);
  const candidates = Math.max(1, opts.candidates ?? 3);
  const maxHole = Math.max(0, opts.holeRows ?? 48);
  const hash = opts.rowHash ?? hashRow;

  // The middle half of the columns decides; the sides are added where they agree.
  const sx0 = W >= 16 ? W >> 2 : 0, sx1 = W - sx0, sw = sx1 - sx0;
  const hb = new Int32Array(H), ha = new Int32Array(H);
  for (let y = 0; y < H; y++) {
    hb[y] = hash(B, bRow(y) + sx0, sw) | 0;
    ha[y] = hash(A, aRow(y) + sx0, sw) | 0;
  }

  /** The best run of rows that agree shifted by (dx, dy); holes of up to maxHole rows are redrawn after the copy. */
  const evaluate = (dx: number, dy: number): Run | null => {
    const lo = Math.max(0, dy), hi = Math.min(H, H + dy);
    const s0 = Math.max(sx0, dx), s1 = Math.min(sx1, W + dx);
    if (s1 - s0 < Math.max(1, sw >> 1)) return null;
    const match = new Uint8Array(H);
    let best: Run | null = null;
    let start = -1, end = 0, gain = 0;
    const close = () => {
      if (start >= 0 && (!best || gain > best.gain)) best = { r0: start, r1: end, dx, dy, s0, s1, gain, match };
    };
    for (let y = lo; y < hi; y++) {
      // Different hashes of the same columns: different pixels. Whatever else is checked.
      if (dx === 0 && ha[y] !== hb[y - dy]) continue;
      if (!sameWords(A, aRow(y) + s0, B, bRow(y - dy) + s0 - dx, s1 - s0)) continue;
      match[y] = 1;
      if (start < 0 || y - end > maxHole) {
        close();
        start = y;
        gain = 0;
      }
      end = y + 1;
      // The score only: a row whose hash changed certainly changed.
      if (ha[y] !== hb[y]) gain++;
    }
    close();
    return best;
  };

  let mv: Run | null = null;
  const consider = (dx: number, dy: number) => {
    const r = evaluate(dx, dy);
    if (r && (!mv || r.gain > mv.gain)) mv = r;
  };
  for (const dy of verticalCandidates(ha, hb, H, candidates)) consider(0, dy);
  if (opts.horizontal !== false && (!mv || (mv as Run).gain < minRows)) {
    for (const dx of horizontalCandidates(A, aRow, B, bRow, ha, hb, W, H, sx0, sx1)) consider(dx, 0);
  }
  const move = mv && (mv as Run).gain >= minRows ? (mv as Run) : null;

  // Widen the moved columns to where the matching rows agree; the few rows (1 in 8) that
  // would narrow them most are treated as holes instead.
  let cx0 = 0, cx1 = W;
  if (move) {
    const { dx, dy, s0, s1 } = move;
    const xlo = Math.max(0, dx), xhi = Math.min(W, W + dx);
    const ls: number[] = [], rs: number[] = [];
    const l = new Int32Array(H), r = new Int32Array(H);
    for (let y = move.r0; y < move.r1; y++) {
      if (!move.match[y]) continue;
      const ai = aRow(y), bi = bRow(y - dy) - dx;
      l[y] = xlo + lastDiff(A, ai + xlo, B, bi + xlo, s0 - xlo) + 1;
      r[y] = s1 + firstDiff(A, ai + s1, B, bi + s1, xhi - s1);
      ls.push(l[y]!);
      rs.push(r[y]!);
    }
    const spare = ls.length >> 3;
    ls.sort((a, b) => a - b);
    rs.sort((a, b) => a - b);
    cx0 = ls[ls.length - 1 - spare]!;
    cx1 = rs[spare]!;
    for (let y = move.r0; y < move.r1; y++) if (move.match[y] && (l[y]! > cx0 || r[y]! < cx1)) move.match[y] = 0;
  }

  // Everything else that differs from what the viewer will have: before at the same place,
  // or inside the moved rectangle, before shifted.
  const gap = Math.max(0, opts.mergeGap ?? 8);
  const outside = new Spans(gap), left = new Spans(gap), right = new Spans(gap), holes = new Spans(gap);
  const diff = (y: number, fromY: number, dx: number, x0: number, x1: number, into: Spans) => {
    const ai = aRow(y) + x0, bi = bRow(fromY) + x0 - dx, n = x1 - x0;
    const first = firstDiff(A, ai, B, bi, n);
    if (first < n) into.add(y, x0 + first, x0 + lastDiff(A, ai, B, bi, n) + 1);
  };
  for (let y = 0; y < H; y++) {
    if (move && y >= move.r0 && y < move.r1) {
      if (!move.match[y]) diff(y, y - move.dy, move.dx, cx0, cx1, holes);
      if (cx0 > 0) diff(y, y, 0, 0, cx0, left);
      if (cx1 < W) diff(y, y, 0, cx1, W, right);
    } else {
      diff(y, y, 0, 0, W, outside);
    }
  }
  outside.flush(); left.flush(); right.flush(); holes.flush();
  return {
    move: move ? { dst: { x: cx0, y: move.r0, width: cx1 - cx0, height: move.r1 - move.r0 }, dx: move.dx, dy: move.dy } : null,
    changed: [...outside.out, ...holes.out, ...left.out, ...right.out],
  };
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
  return best.map((i) => i - H);
}

/** Probe rows per horizontal search, pixels per probe, and matches that make a probe ambiguous. */
const H_ROWS = 12, H_PROBE = 16, H_AMBIGUOUS = 4;

/**
 * Horizontal shifts (up to half the width): a short piece of a few changed rows is looked
 * for along the same row of the old box; shifts found in a third of the rows, best first.
 */
function horizontalCandidates(
  A: Uint32Array, aRow: (y: number) => number, B: Uint32Array, bRow: (y: number) => number,
  ha: Int32Array, hb: Int32Array, W: number, H: number, sx0: number, sx1: number,
): number[] {
  if (sx1 - sx0 < 2 * H_PROBE) return [];
  const rows: number[] = [];
  for (let y = 0; y < H; y++) if (ha[y] !== hb[y]) rows.push(y);
  const maxDx = W >> 1;
  const votes = new Map<number, number>();
  const step = Math.max(1, Math.floor(rows.length / H_ROWS));
  let probes = 0;
  for (let k = 0; k < rows.length && probes < H_ROWS; k += step) {
    const ar = aRow(rows[k]!), br = bRow(rows[k]!);
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
    for (const dx of found) votes.set(dx, (votes.get(dx) ?? 0) + 1);
  }
  const need = Math.max(2, Math.ceil(probes / 3));
  return [...votes].filter(([, n]) => n >= need).sort((a, b) => b[1] - a[1]).slice(0, 2).map(([dx]) => dx);
}

/**
 * Splits damage rectangles into those worth searching (large enough, clipped to the
 * frame, within the read-ahead budget) and the rest.
 */
export function pickBoxes(rects: readonly SourceRect[], frame: { width: number; height: number }, opts: ScrollOptions = {}): { big: SourceRect[]; rest: SourceRect[] } {
  const minPixels = Math.max(1, opts.minPixels ?? 32768), minHeight = Math.max(2, opts.minHeight ?? 24);
  let budget = Math.max(0, opts.maxPixels ?? 1 << 22);
  const big: SourceRect[] = [], rest: SourceRect[] = [];
  for (const r of rects) {
    const x0 = Math.max(0, r.x), y0 = Math.max(0, r.y);
    const w = Math.min(frame.width, r.x + r.width) - x0, h = Math.min(frame.height, r.y + r.height) - y0;
    if (h >= minHeight && w * h >= minPixels && w * h <= budget) {
      budget -= w * h;
      big.push({ x: x0, y: y0, width: w, height: h });
    } else {
      rest.push(r);
    }
  }
  return { big, rest };
}

/** What the scroll search did (counters since start). */
export interface ScrollStats {
  /** Rectangles searched, moves found, pixels the moves carried. */
  searched: number;
  moves: number;
  movedPixels: number;
  /** Pixels of searched rectangles reported as changed (the rest needed no image). */
  changedPixels: number;
  /** Time spent comparing and copying the pixels read into the frame, ms. */
  ms: number;
  /** Reads dropped because a capture asked for newer pixels meanwhile (reported as plain damage). */
  raced: number;
}

export const newScrollStats = (): ScrollStats => ({ searched: 0, moves: 0, movedPixels: 0, changedPixels: 0, ms: 0, raced: 0 });

/**
 * Searches `box` of `frame` against `read` (the same box as just read from the X server),
 * writes the new pixels into the frame and reports what happened: the move first (the
 * frame already holds the moved pixels, as the server may encode at once), then what else
 * changed, right away (a later box's move must know that damage is pending). Returns the
 * rectangles reported as changed: the frame holds their current pixels.
 */
export function searchBox(
  frame: SourceFrame, box: SourceRect, read: PixelView, sink: Pick<SourceSink, 'damage'> & Required<Pick<SourceSink, 'move'>>,
  opts: ScrollOptions | undefined, stats: ScrollStats,
): SourceRect[] {
  checkView(read, box.width, box.height, 'the box read');
  const { x, y, width: w, height: h } = box;
  const t0 = performance.now();
  const res = findScroll({ pixels: frame.pixels, offset: y * frame.stride + x, stride: frame.stride }, read, w, h, opts);
  for (let r = 0; r < h; r++) {
    const from = read.offset + r * read.stride;
    frame.pixels.set(read.pixels.subarray(from, from + w), (y + r) * frame.stride + x);
  }
  stats.ms += performance.now() - t0;
  stats.searched++;
  if (res.move) {
    const { dst, dx, dy } = res.move;
    sink.move({ x: x + dst.x - dx, y: y + dst.y - dy, width: dst.width, height: dst.height }, x + dst.x, y + dst.y);
    stats.moves++;
    stats.movedPixels += dst.width * dst.height;
  }
  const changed = res.changed.map((g) => ({ x: x + g.x, y: y + g.y, width: g.width, height: g.height }));
  for (const g of changed) stats.changedPixels += g.width * g.height;
  if (changed.length) sink.damage(changed);
  return changed;
}

const inside = (a: SourceRect, b: SourceRect) => a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;
const overlap = (a: SourceRect, b: SourceRect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * Rectangles of the frame read from the X server after their last damage (by the
 * search), so the capture that follows their report need not read them again.
 */
export class FreshRects {
  private rects: SourceRect[] = [];

  constructor(private readonly max = 256) {}

  add(rects: readonly SourceRect[]): void {
    for (const r of rects) if (this.rects.length < this.max) this.rects.push(r);
  }

  /** Damage came here: these pixels are no longer current. */
  invalidate(rects: readonly SourceRect[]): void {
    if (this.rects.length) this.rects = this.rects.filter((g) => !rects.some((r) => overlap(r, g)));
  }

  /** For one capture: a test for rectangles it can skip; the set starts over. */
  take(): (r: SourceRect) => boolean {
    const had = this.rects;
    this.rects = [];
    return (r) => had.some((g) => inside(r, g));
  }

  clear(): void {
    this.rects = [];
  }
}
