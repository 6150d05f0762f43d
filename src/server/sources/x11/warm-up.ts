/**
 * The x11 source's share of the start-up warm-up (see display/warm-up.ts): the scroll
 * search on a scrolled text box, a panned picture, a fill and an unrelated change, the
 * ZPixmap copy from a reply in pieces, and damage merging, so V8 has compiled them before
 * the first updates. Once per process.
 */
import { warmUpFrame } from '../../display/warm-up.js';
import type { SourceRect } from '../../source.js';
import { copyZPixmapParts, type PixelFormat } from './pixels.js';
import { coalesceRects } from './rects.js';
import { RowHashCache, newScrollStats, searchBox } from './scroll-box.js';
import { SolidNotes } from './solid-notes.js';

let done = false;
/**
 * What the warm-up ran on stays referenced: compiled code may hold weak references to
 * such objects (call targets, maps), and their collection would throw that code away.
 */
const kept: unknown[] = [];

const FORMAT: PixelFormat = { bitsPerPixel: 32, msbFirst: false, redMask: 0xff0000, greenMask: 0xff00, blueMask: 0xff, scanlinePad: 32 };

/**
 * `sink`: what the search reports to (the source passes the object it uses later, and
 * ignores what comes during the warm-up), so the compiled search calls the same functions.
 */
export function warmUpX11(sink: { move(src: SourceRect, x: number, y: number): void; damage(r: SourceRect[]): void }, rounds = 6): boolean {
  if (done) return false;
  done = true;
  const stats = newScrollStats();
  const cache = new RowHashCache();
  // (Its own notes: the warm-up's frames are made up.)
  const notes = new SolidNotes();
  for (let r = 0; r < rounds; r++) {
    const base = warmUpFrame(1 + (r % 2));
    const { width: W, height: H } = base;
    const frame = { ...base, pixels: base.pixels.slice() };
    kept.push(base, frame);
    const after = warmUpFrame(1 + (r % 2)).pixels;
    // what the X server would hold after: text scrolled up 16 rows, the picture panned 4 px left,
    // one fill redrawn in another colour, and a few pixels changed elsewhere
    for (let y = 0; y < 48; y++) after.copyWithin(y * W, (y + 16) * W, (y + 16) * W + 256);
    for (let y = 64; y < H; y++) after.copyWithin(y * W, y * W + 4, y * W + 160);
    for (let y = 70; y < 180; y++) after.fill(0x4e9a06 + r, y * W + 170, y * W + 300);
    after[20 * W + 300] ^= 0x10101;
    const bytes = new Uint8Array(after.buffer);
    const boxes: SourceRect[] = [
      { x: 0, y: 0, width: 256, height: 64 }, { x: 0, y: 64, width: 160, height: 128 },
      { x: 170, y: 70, width: 130, height: 110 }, { x: 256, y: 0, width: 64, height: 64 },
    ];
    for (const box of boxes) {
      // The box as a GetImage reply in three pieces, into a scratch buffer, then searched.
      const scratch = new Uint32Array(box.width * box.height);
      const rows = new Uint8Array(32 + box.width * box.height * 4);
      for (let y = 0; y < box.height; y++) rows.set(bytes.subarray(((box.y + y) * W + box.x) * 4, ((box.y + y) * W + box.x + box.width) * 4), 32 + y * box.width * 4);
      const cut1 = 100 + (r % 7) * 13, cut2 = Math.floor(rows.length / 2) + r;
      copyZPixmapParts([rows.subarray(0, cut1), rows.subarray(cut1, cut2), rows.subarray(cut2)], 32, box.width, box.height, FORMAT, scratch, 0, box.width);
      kept.push(scratch, box);
      searchBox(frame, box, { pixels: scratch, offset: 0, stride: box.width }, sink, undefined, stats, r % 2 ? cache : undefined, notes);
    }
    coalesceRects([...boxes, { x: 8, y: 8, width: 16, height: 16 }, { x: 30, y: 8, width: 8, height: 16 }]);
  }
  // The search's own functions are compiled after enough calls, not pixels: many small
  // boxes, moved up, moved left, one colour, changed.
  const base = warmUpFrame(3);
  const W = base.width;
  const read = new Uint32Array(96 * 32);
  const frame = { width: base.width, height: base.height, pixels: base.pixels, stride: base.stride };
  kept.push(sink, stats, cache, notes, base, read, frame);
  let seed = 12345;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  for (let k = 0; k < 1200; k++) {
    // Odd and even places and sizes: every parity branch of the pairwise compares. Boxes
    // moved sideways are wide enough for the horizontal search's probes.
    const kind = k % 4, shift = 1 + rnd(5);
    const box = { x: 60 + rnd(11), y: 8 + rnd(24), width: (kind === 1 ? 66 : 40) + rnd(17), height: 20 + rnd(9) };
    // Packed rows and rows with a pad word at either parity, as the source's scratch has them.
    const stride = box.width + (k % 3 === 1 ? 1 : 0), offset = (k >> 2) & 1;
    for (let y = 0; y < box.height; y++) {
      const from = kind === 0 ? (box.y + y + shift) * W + box.x : kind === 1 ? (box.y + y) * W + box.x + shift : (box.y + y) * W + box.x;
      read.set(base.pixels.subarray(from, from + box.width), offset + y * stride);
    }
    if (kind === 2) read.fill(0x123456 + k, offset, offset + stride * box.height);
    if (kind === 3) read[offset + rnd(box.height) * stride + rnd(box.width)]! ^= 0x10101;
    const before = base.pixels.slice((box.y) * W, (box.y + box.height) * W);
    searchBox(frame, box, { pixels: read, offset, stride }, sink, k % 2 ? { minRows: 2 } : undefined, stats, k % 3 ? cache : undefined, notes);
    notes.colourOf(box.x, box.y, box.x + box.width, box.y + box.height);
    base.pixels.set(before, box.y * W);
  }
  return true;
}
