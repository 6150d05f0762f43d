/**
 * The scroll search at the level of the x11 source's damage (see scroll.ts for the
 * search itself): which damaged boxes are worth reading ahead (pickBoxes), searching one
 * box read from the X server against the frame and writing it in (searchBox: a box of
 * one colour is a fill and needs no search), the row hashes one search leaves for the
 * next of the same box (RowHashCache), and the boxes read that way, which the capture
 * that follows their report skips (FreshRects).
 */
import type { SourceFrame, SourceRect, SourceSink } from '../../source.js';
import { RGB, bytesOf, checkView, findScroll, pairsOf, type PixelView, type RowHashes, type ScrollOptions } from './scroll.js';
import type { SolidNotes } from './solid-notes.js';

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
  /** Pixels read back (captures and read-aheads, padding included) and the reads: from the framebuffer file, and by GetImage. */
  fileReads: number;
  filePixels: number;
  getImages: number;
  getImagePixels: number;
}

/** Lines for `serve --stats`. */
export function formatScrollStats(s: ScrollStats): string {
  return `scroll search: ${s.searched} boxes read ahead and searched, ${s.moves} moves (${s.movedPixels} pixels), ${s.changedPixels} pixels changed, ${s.ms.toFixed(1)} ms, ${s.raced} raced\n`
    + `pixels read: ${s.filePixels} in ${s.fileReads} reads of the framebuffer file, ${s.getImagePixels} in ${s.getImages} GetImage requests`;
}

/** (`ms` starts as -0, a double, so it never changes the object's hidden class: see display/stats.ts.) */
export const newScrollStats = (): ScrollStats => ({ searched: 0, moves: 0, movedPixels: 0, changedPixels: 0, ms: -0, raced: 0, fileReads: 0, filePixels: 0, getImages: 0, getImagePixels: 0 });

/**
 * Searches `box` of `frame` against `read` (the same box as just read from the X server),
 * writes the new pixels into the frame and reports what happened: the move first (the
 * frame already holds the moved pixels, as the server may encode at once), then what else
 * changed, right away (a later box's move must know that damage is pending). Returns the
 * rectangles reported as changed: the frame holds their current pixels. `notes` learns
 * the box when it is one colour, and forgets what it knew there otherwise.
 */
export function searchBox(
  frame: SourceFrame, box: SourceRect, read: PixelView, sink: Pick<SourceSink, 'damage'> & Required<Pick<SourceSink, 'move'>>,
  opts: ScrollOptions | undefined, stats: ScrollStats, cache?: RowHashCache, notes?: SolidNotes,
): SourceRect[] {
  checkView(read, box.width, box.height, 'the box read');
  const { x, y, width: w, height: h } = box;
  const t0 = performance.now();
  // The box's pixels in the frame change below.
  notes?.forget(box);
  if (oneColour(read, w, h)) {
    // A fill: nothing moved, and the whole box goes as one fill as it was drawn (only the
    // pixels that changed could be several fills around an area that had the colour).
    const word = read.pixels[read.offset]!;
    for (let r = 0; r < h; r++) frame.pixels.fill(word, (y + r) * frame.stride + x, (y + r) * frame.stride + x + w);
    cache?.invalidate(box);
    notes?.note(box, word & RGB);
    stats.ms += performance.now() - t0;
    stats.searched++;
    stats.changedPixels += w * h;
    const whole = { x, y, width: w, height: h };
    sink.damage([whole]);
    return [whole];
  }
  const hashes: RowHashes = { before: cache?.get(box) };
  const res = findScroll({ pixels: frame.pixels, offset: y * frame.stride + x, stride: frame.stride }, read, w, h, { ...opts, hashes });
  copyInto(frame, box, read);
  // The frame now holds the new pixels there: their hashes serve the next search of this box.
  if (cache && hashes.after) cache.set(box, hashes.after);
  stats.ms += performance.now() - t0;
  stats.searched++;
  if (res.move) {
    const { dst, dx, dy } = res.move;
    sink.move({ x: x + dst.x - dx, y: y + dst.y - dy, width: dst.width, height: dst.height }, x + dst.x, y + dst.y);
    stats.moves++;
    stats.movedPixels += dst.width * dst.height;
  }
  const changed: SourceRect[] = [];
  for (let k = 0; k < res.changed.length; k++) {
    const g = res.changed[k]!;
    changed.push({ x: x + g.x, y: y + g.y, width: g.width, height: g.height });
    stats.changedPixels += g.width * g.height;
  }
  if (changed.length) sink.damage(changed);
  return changed;
}

/**
 * The row hashes of the last few boxes searched, while the frame still holds what the
 * search wrote there (whoever writes into the frame calls invalidate first).
 */
export class RowHashCache {
  private entries: { box: SourceRect; hashes: Int32Array }[] = [];

  constructor(private readonly max = 8) {}

  get(box: SourceRect): Int32Array | undefined {
    for (const e of this.entries) {
      if (e.box.x === box.x && e.box.y === box.y && e.box.width === box.width && e.box.height === box.height) return e.hashes;
    }
    return undefined;
  }

  set(box: SourceRect, hashes: Int32Array): void {
    this.invalidate(box);
    this.entries.push({ box: { x: box.x, y: box.y, width: box.width, height: box.height }, hashes });
    if (this.entries.length > this.max) this.entries.shift();
  }

  /** Pixels inside `r` change: the hashes of boxes it touches no longer hold. */
  invalidate(r: SourceRect): void {
    if (this.entries.length && this.entries.some((e) => overlap(e.box, r))) this.entries = this.entries.filter((e) => !overlap(e.box, r));
  }

  clear(): void {
    this.entries = [];
  }
}

const pattern = new Uint32Array(2);
const pattern2 = new Float64Array(pattern.buffer);

/**
 * Whether every pixel of the `w` x `h` view has the first one's RGB: the first row by the
 * loop below, then the other rows as bytes against it (memcmp; one call over the whole
 * box when its rows are packed: each row equal to the one above). Bytes that differ
 * (a pad byte, or another colour) leave it to the loop.
 */
function oneColour(v: PixelView, w: number, h: number): boolean {
  if (!sameRGB(v, w, 1)) return false;
  const b = bytesOf(v.pixels), o = v.offset * 4, row = w * 4, stride = v.stride * 4;
  if (b !== null) {
    if (stride === row) {
      if (b.compare(b, o, o + (h - 1) * row, o + row, o + h * row) === 0) return true;
    } else {
      let r = 1;
      while (r < h && b.compare(b, o, o + row, o + r * stride, o + r * stride + row) === 0) r++;
      if (r === h) return true;
    }
  }
  return sameRGB(v, w, h);
}

/** Whether every pixel of the first `h` rows of the view has the first one's RGB (two words at a time where it can). */
function sameRGB(v: PixelView, w: number, h: number): boolean {
  const p = v.pixels, p2 = pairsOf(p);
  const first = p[v.offset]!, c = first & RGB;
  pattern[0] = first;
  pattern[1] = first;
  const pat = pattern2[0]!;
  for (let r = 0; r < h; r++) {
    const row = v.offset + r * v.stride;
    let k = 0;
    if (p2 !== null && w >= 8) {
      if (row & 1) {
        if (((p[row]! & RGB) ^ c) !== 0) return false;
        k = 1;
      }
      let i = (row + k) >> 1;
      const end = (row + w) >> 1;
      while (i < end && p2[i] === pat) i++;
      k = (i << 1) - row;
    }
    while (k < w && ((p[row + k]! & RGB) ^ c) === 0) k++;
    if (k < w) return false;
  }
  return true;
}

/** The box's rows of `read` into the frame. */
function copyInto(frame: SourceFrame, box: SourceRect, read: PixelView): void {
  for (let r = 0; r < box.height; r++) {
    const from = read.offset + r * read.stride;
    frame.pixels.set(read.pixels.subarray(from, from + box.width), (box.y + r) * frame.stride + box.x);
  }
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
