/**
 * The x11 source's scroll search (src/server/sources/x11/scroll.ts) on synthetic frames:
 * shifts up and down are found with the right amount, rows changed besides the shift are
 * reported, a box that did not move gives no move, content whose rows repeat (solid
 * areas, stripes) never yields a move that the pixels do not confirm, forced hash
 * collisions are caught by the pixel check, and in every case the move plus the changed
 * rectangles, applied to the old pixels the way a viewer would, give the new pixels exactly.
 * searchBox writes the frame before it reports the move, then the rest; the read-ahead
 * bookkeeping (FreshRects) and the choice of boxes worth searching (pickBoxes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findScroll, type PixelView, type RowHash, type ScrollOptions, type ScrollResult } from '../../src/server/sources/x11/scroll.js';
import { FreshRects, RowHashCache, newScrollStats, pickBoxes, searchBox } from '../../src/server/sources/x11/scroll-box.js';
import { SolidNotes } from '../../src/server/sources/x11/solid-notes.js';
import type { SourceRect } from '../../src/server/source.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
}

const BG = 0x101820, FG = 0xd0d0d0;

/** Terminal-like rows: 16-row text lines of random glyph pixels with blank rows in between (so many rows repeat). */
function textRows(width: number, rows: number, rnd: () => number): Uint32Array {
  const px = new Uint32Array(width * rows).fill(BG);
  for (let y = 0; y < rows; y++) {
    const inLine = y % 16;
    if (inLine < 3 || inLine >= 13) continue;
    for (let x = 0; x < width; x++) if ((x & 7) > 0 && (x & 7) < 7 && rnd() < 0.35) px[y * width + x] = FG;
  }
  return px;
}

const view = (pixels: Uint32Array, stride: number, offset = 0): PixelView => ({ pixels, offset, stride });

/** Old pixels scrolled by `dy` (negative: content moves up), new rows where nothing came in. */
function scrolled(before: Uint32Array, width: number, height: number, dy: number, rnd: () => number): Uint32Array {
  const fresh = textRows(width, height, rnd);
  const after = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) {
    const from = y - dy;
    const src = from >= 0 && from < height ? before : fresh;
    const row = from >= 0 && from < height ? from : y;
    after.set(src.subarray(row * width, row * width + width), y * width);
  }
  return after;
}

/** What a viewer that had `before` shows after the move and the changed rectangles (drawn from `after`). */
function apply(before: Uint32Array, after: Uint32Array, width: number, height: number, r: ScrollResult): Uint32Array {
  const out = before.slice();
  if (r.move) {
    const { dst, dx, dy } = r.move;
    assert.ok(dst.x >= 0 && dst.y >= 0 && dst.width > 0 && dst.height > 0 && dst.x + dst.width <= width && dst.y + dst.height <= height, `move inside the box: ${JSON.stringify(r.move)}`);
    assert.ok(dst.y - dy >= 0 && dst.y - dy + dst.height <= height && dst.x - dx >= 0 && dst.x - dx + dst.width <= width, `move source inside the box: ${JSON.stringify(r.move)}`);
    for (let y = 0; y < dst.height; y++) {
      const s = (dst.y - dy + y) * width + dst.x - dx;
      out.set(before.subarray(s, s + dst.width), (dst.y + y) * width + dst.x);
    }
  }
  for (const c of r.changed) {
    assert.ok(c.x >= 0 && c.y >= 0 && c.width > 0 && c.height > 0 && c.x + c.width <= width && c.y + c.height <= height, `changed rectangle inside the box: ${JSON.stringify(c)}`);
    for (let y = c.y; y < c.y + c.height; y++) out.set(after.subarray(y * width + c.x, y * width + c.x + c.width), y * width + c.x);
  }
  return out;
}

function assertExact(before: Uint32Array, after: Uint32Array, width: number, height: number, r: ScrollResult, what: string): void {
  const got = apply(before, after, width, height, r);
  let bad = -1;
  for (let i = 0; i < got.length; i++) if (((got[i]! ^ after[i]!) & 0xffffff) !== 0) { bad = i; break; }
  assert.equal(bad, -1, `${what}: pixel (${bad % width},${Math.floor(bad / width)}) differs after applying ${JSON.stringify(r)}`);
}

const area = (r: ScrollResult) => r.changed.reduce((n, c) => n + c.width * c.height, 0);

function run(before: Uint32Array, after: Uint32Array, w: number, h: number, opts?: ScrollOptions & { rowHash?: RowHash }): ScrollResult {
  return findScroll(view(before, w), view(after, w), w, h, opts);
}

test('scroll: shifts up and down by various amounts are found, and only the rows that came in are changed', () => {
  const W = 640, H = 400;
  for (const dy of [-1, -3, -16, -37, -100, -320, 1, 2, 16, 48, 200]) {
    const rnd = lcg(100 + dy);
    const before = textRows(W, H, rnd);
    const after = scrolled(before, W, H, dy, rnd);
    const r = run(before, after, W, H);
    assert.ok(r.move, `dy ${dy}: a move`);
    assert.equal(r.move.dy, dy, `dy ${dy}: the shift`);
    assert.deepEqual([r.move.dst.x, r.move.dst.width], [0, W], `dy ${dy}: all columns move`);
    // Every row that came from the old picture is in the move (new rows may happen to match too).
    assert.ok(r.move.dst.height >= H - Math.abs(dy), `dy ${dy}: ${r.move.dst.height} rows moved`);
    assert.ok(area(r) <= W * Math.abs(dy), `dy ${dy}: changed area ${area(r)} is at most the new rows`);
    assertExact(before, after, W, H, r, `dy ${dy}`);
  }
});

/** A smooth noisy picture (a photo to the codecs), `w` x `h`, from column `x0` of a wider one. */
function photo(w: number, h: number, x0: number, seed: number): Uint32Array {
  const px = new Uint32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = x + x0;
      const n = ((Math.imul(u * 7919 + y * 104729 + seed, 2654435761) >>> 24) & 15) - 8;
      const c = (v: number) => Math.max(0, Math.min(255, Math.round(v + n)));
      px[y * w + x] = (c(128 + 70 * Math.sin(u / 41 + y / 97)) << 16) | (c(120 + 60 * Math.cos(y / 29 - u / 31)) << 8) | c(110 + 80 * Math.sin((u - y) / 53));
    }
  }
  return px;
}

test('scroll: horizontal shifts (a panned picture) are found when no vertical one fits', () => {
  const W = 480, H = 200;
  for (const dx of [-4, 4, -1, 37, -150, 200]) {
    const before = photo(W, H, 1000, 3);
    const after = photo(W, H, 1000 - dx, 3);
    const r = run(before, after, W, H);
    assert.ok(r.move, `dx ${dx}: a move`);
    assert.deepEqual([r.move.dx, r.move.dy], [dx, 0], `dx ${dx}: the shift`);
    assert.equal(r.move.dst.height, H, `dx ${dx}: every row moves`);
    assert.ok(r.move.dst.width >= W - Math.abs(dx) - 2, `dx ${dx}: ${r.move.dst.width} columns move`);
    assert.ok(area(r) <= (Math.abs(dx) + 2) * H, `dx ${dx}: changed area ${area(r)} is the columns that came in`);
    assertExact(before, after, W, H, r, `dx ${dx}`);
  }
  // Off: no horizontal move.
  const off = run(photo(W, H, 0, 3), photo(W, H, 4, 3), W, H, { horizontal: false });
  assert.equal(off.move, null);
});

test('scroll: rows changed besides the shift are reported, with tight columns', () => {
  const W = 800, H = 480, rnd = lcg(5);
  const before = textRows(W, H, rnd);
  const after = scrolled(before, W, H, -16, rnd);
  // A line rewritten in the middle of the moved text, and a cursor block at the left.
  for (let y = 200; y < 210; y++) for (let x = 100; x < 300; x++) after[y * W + x] = 0xff0000;
  for (let y = 50; y < 66; y++) for (let x = 8; x < 16; x++) after[y * W + x] = 0x00ff00;
  const r = run(before, after, W, H);
  assert.ok(r.move && r.move.dy === -16, `the shift is found: ${JSON.stringify(r.move)}`);
  assertExact(before, after, W, H, r, 'changed rows');
  assert.ok(area(r) < W * 16 + 200 * 10 + 8 * 16 + W * 8 * 2, `changed area ${area(r)} stays small`);
  assert.ok(r.changed.some((c) => c.x <= 100 && c.x + c.width >= 300 && c.y <= 200 && c.y + c.height >= 210), 'the rewritten line is covered');
});

test('scroll: the moved columns stop where a side column (a scroll bar) changed', () => {
  const W = 400, H = 300, rnd = lcg(9);
  const before = textRows(W, H, rnd);
  const after = scrolled(before, W, H, -24, rnd);
  // A scroll bar in the rightmost 12 columns: its thumb moved.
  for (let y = 0; y < H; y++) for (let x = W - 12; x < W; x++) {
    before[y * W + x] = y >= 40 && y < 120 ? 0x888888 : 0x333333;
    after[y * W + x] = y >= 60 && y < 140 ? 0x888888 : 0x333333;
  }
  const r = run(before, after, W, H);
  assert.ok(r.move && r.move.dy === -24, `the shift is found: ${JSON.stringify(r.move)}`);
  assert.ok(r.move.dst.x + r.move.dst.width <= W - 12 + 1 && r.move.dst.width >= W - 12 - 1, `moved columns end at the scroll bar: ${JSON.stringify(r.move.dst)}`);
  assertExact(before, after, W, H, r, 'scroll bar');
});

test('scroll: no shift means no move; unchanged boxes report nothing, changed rows only themselves', () => {
  const W = 300, H = 200, rnd = lcg(3);
  const before = textRows(W, H, rnd);
  const same = run(before, before.slice(), W, H);
  assert.deepEqual(same, { move: null, changed: [] });
  const after = before.slice();
  for (let x = 20; x < 60; x++) after[77 * W + x] = 0xabcdef;
  const r = run(before, after, W, H);
  assert.equal(r.move, null);
  assert.deepEqual(r.changed, [{ x: 20, y: 77, width: 40, height: 1 }]);
  // A whole new picture: one rectangle, no move.
  const other = textRows(W, H, lcg(4));
  const n = run(before, other, W, H);
  assert.equal(n.move, null);
  assertExact(before, other, W, H, n, 'new picture');
});

test('scroll: the padding byte of frame words is ignored', () => {
  const W = 256, H = 128, rnd = lcg(8);
  const before = textRows(W, H, rnd);
  const after = scrolled(before, W, H, -16, rnd);
  for (let i = 0; i < before.length; i++) before[i] = (before[i]! | 0xff000000) >>> 0;
  const r = run(before, after, W, H);
  assert.ok(r.move && r.move.dy === -16);
  assertExact(before, after, W, H, r, 'padding');
});

test('scroll: solid areas and repeating rows never give a move the pixels do not confirm', () => {
  const W = 200, H = 160;
  // Solid: nothing votes, nothing changes.
  const solid = new Uint32Array(W * H).fill(0x336699);
  assert.deepEqual(run(solid, solid.slice(), W, H), { move: null, changed: [] });
  // Stripes of period 8 shifted by 8: identical to no shift: no move, nothing changed.
  const stripes = new Uint32Array(W * H);
  for (let y = 0; y < H; y++) stripes.fill(y % 8 < 3 ? 0xffffff : 0x000000, y * W, y * W + W);
  const shifted = scrolled(stripes, W, H, -8, () => 0);
  for (let y = H - 8; y < H; y++) shifted.fill(y % 8 < 3 ? 0xffffff : 0x000000, y * W, y * W + W);
  assert.deepEqual(run(stripes, shifted, W, H), { move: null, changed: [] });
  // Random mixes of repeated rows, shifts and edits, some with a weak hash: the result is always exact.
  const rnd = lcg(77);
  for (let k = 0; k < 300; k++) {
    const w = 16 + Math.floor(rnd() * 120), h = 24 + Math.floor(rnd() * 120);
    const palette = 1 + Math.floor(rnd() * 4);
    const rowsOf = Array.from({ length: 2 + Math.floor(rnd() * 5) }, () => Array.from({ length: w }, () => Math.floor(rnd() * palette) * 0x404040));
    const before = new Uint32Array(w * h);
    for (let y = 0; y < h; y++) before.set(rowsOf[Math.floor(rnd() * rowsOf.length)]!, y * w);
    const dy = Math.floor((rnd() - 0.5) * h);
    let after = scrolled(before, w, h, dy, rnd);
    if (k % 3 === 2) {
      // Sideways instead: columns from dx to the left, random ones coming in.
      const dx = Math.floor((rnd() - 0.5) * w);
      after = new Uint32Array(w * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        after[y * w + x] = x - dx >= 0 && x - dx < w ? before[y * w + x - dx]! : Math.floor(rnd() * palette) * 0x404040;
      }
    }
    for (let e = Math.floor(rnd() * 4); e > 0; e--) after[Math.floor(rnd() * after.length)] = 0x00ff00;
    const weak: RowHash = (px, s, n) => (px[s]! & 0xffffff) ^ (px[s + n - 1]! & 0xff);
    const r = run(before, after, w, h, { minRows: 1, rowHash: k % 2 ? weak : undefined });
    assertExact(before, after, w, h, r, `case ${k} (${w}x${h}, dy ${dy})`);
  }
});

test('scroll: forced hash collisions are rejected by the pixel check', () => {
  const W = 320, H = 240, rnd = lcg(21);
  const before = textRows(W, H, rnd);
  // Every new row collides with the old row 5 below it under a hash of one pixel, but the rows differ.
  const after = textRows(W, H, lcg(22));
  const firstOnly: RowHash = (px, s) => px[s]! & 0xffffff;
  const sx0 = W >> 2;
  for (let y = 0; y < H - 5; y++) {
    after[y * W + sx0] = before[(y + 5) * W + sx0]!;
    after[y * W + sx0 + 7] = 0x0f0f0f; // never in the old picture
  }
  const r = run(before, after, W, H, { rowHash: firstOnly, minRows: 1 });
  assert.equal(r.move, null, `no move from colliding hashes: ${JSON.stringify(r.move)}`);
  assertExact(before, after, W, H, r, 'collisions');
  // A hash that says every row is the same gives no votes: no move, still exact.
  const shifted = scrolled(before, W, H, -10, rnd);
  const flat = run(before, shifted, W, H, { rowHash: () => 0 });
  assert.equal(flat.move, null);
  assertExact(before, shifted, W, H, flat, 'constant hash');
  // With a real hash the same shift is found.
  assert.equal(run(before, shifted, W, H)?.move?.dy, -10);
});

test('scroll: works on boxes inside larger frames (offset and stride)', () => {
  const FW = 500, FH = 300, bx = 37, by = 21, W = 300, H = 200, rnd = lcg(31);
  const frame = new Uint32Array(FW * FH).fill(0x445566);
  const boxBefore = textRows(W, H, rnd);
  for (let y = 0; y < H; y++) frame.set(boxBefore.subarray(y * W, y * W + W), (by + y) * FW + bx);
  const boxAfter = scrolled(boxBefore, W, H, -32, rnd);
  const read = new Uint32Array(10 + W * H);
  read.set(boxAfter, 10);
  const r = findScroll(view(frame, FW, by * FW + bx), view(read, W, 10), W, H);
  assert.equal(r.move?.dy, -32);
  assertExact(boxBefore, boxAfter, W, H, r, 'offset box');
});

test('scroll: boxes that do not fit their arrays are refused', () => {
  const px = new Uint32Array(100);
  const bad = (a: PixelView, b: PixelView, w: number, h: number) =>
    assert.throws(() => findScroll(a, b, w, h), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.BAD_ARGUMENT);
  bad(view(px, 10), view(px, 10), 10, 11);
  bad(view(px, 9), view(px, 10), 10, 10);
  bad(view(px, 10, 1), view(px, 10), 10, 10);
  bad(view(px, 10, -1), view(px, 10), 10, 2);
  bad(view(px, 10), view(px, 10.5), 10, 2);
  assert.deepEqual(findScroll(view(px, 10), view(px, 10), 0, 5), { move: null, changed: [] });
});

test('scroll: an 800x480 terminal scroll is searched quickly', (t) => {
  const W = 800, H = 480, rnd = lcg(1);
  const before = textRows(W, H, rnd);
  const after = scrolled(before, W, H, -16, rnd);
  const other = textRows(W, H, lcg(2));
  for (let i = 0; i < 5; i++) { run(before, after, W, H); run(before, other, W, H); }
  const n = 20;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) run(before, after, W, H);
  const hit = (performance.now() - t0) / n;
  t0 = performance.now();
  for (let i = 0; i < n; i++) run(before, other, W, H);
  const miss = (performance.now() - t0) / n;
  t.diagnostic(`800x480: ${hit.toFixed(2)} ms with a scroll, ${miss.toFixed(2)} ms without`);
  // Generous bound (shared CI machines): the point is milliseconds, not tens of them.
  assert.ok(hit < 25 && miss < 25, `search took ${hit.toFixed(1)} / ${miss.toFixed(1)} ms`);
});

test('searchBox: the frame holds the new pixels when the move is reported; move then damage bring a viewer up to date', () => {
  const FW = 400, FH = 300, box = { x: 30, y: 20, width: 320, height: 240 }, rnd = lcg(61);
  const frame = { width: FW, height: FH, stride: FW, pixels: new Uint32Array(FW * FH).fill(0x222222) };
  const oldBox = textRows(box.width, box.height, rnd);
  for (let y = 0; y < box.height; y++) frame.pixels.set(oldBox.subarray(y * box.width, (y + 1) * box.width), (box.y + y) * FW + box.x);
  const newBox = scrolled(oldBox, box.width, box.height, -32, rnd);
  const expected = frame.pixels.slice();
  for (let y = 0; y < box.height; y++) expected.set(newBox.subarray(y * box.width, (y + 1) * box.width), (box.y + y) * FW + box.x);
  const viewer = frame.pixels.slice(); // what a viewer shows before
  const calls: string[] = [];
  const stats = newScrollStats();
  const changed = searchBox(frame, box, { pixels: newBox, offset: 0, stride: box.width }, {
    move: (src, dx, dy) => {
      calls.push(`move ${src.x},${src.y} ${src.width}x${src.height} -> ${dx},${dy}`);
      // The server may encode from the frame right away: it must already be current.
      assert.deepEqual(frame.pixels, expected, 'the frame is written before the move is reported');
      const copy = viewer.slice();
      for (let y = 0; y < src.height; y++) viewer.set(copy.subarray((src.y + y) * FW + src.x, (src.y + y) * FW + src.x + src.width), (dy + y) * FW + dx);
    },
    damage: (rects) => {
      calls.push(`damage ${rects.length}`);
      for (const r of rects) for (let y = r.y; y < r.y + r.height; y++) viewer.set(frame.pixels.subarray(y * FW + r.x, y * FW + r.x + r.width), y * FW + r.x);
    },
  }, undefined, stats);
  assert.deepEqual(calls, [`move ${box.x},${box.y + 32} ${box.width}x${box.height - 32} -> ${box.x},${box.y}`, 'damage 1']);
  assert.deepEqual(viewer, expected, 'the viewer shows the new frame');
  assert.ok(changed.every((r) => r.x >= box.x && r.y >= box.y && r.x + r.width <= box.x + box.width && r.y + r.height <= box.y + box.height));
  assert.deepEqual([stats.searched, stats.moves, stats.movedPixels], [1, 1, box.width * (box.height - 32)]);
  assert.throws(() => searchBox(frame, box, { pixels: newBox, offset: 1, stride: box.width }, { move: () => {}, damage: () => {} }, undefined, stats),
    (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.BAD_ARGUMENT);
});

test('FreshRects: contained rectangles are skipped once; damage that overlaps drops them', () => {
  const f = new FreshRects(3);
  const r = (x: number, y: number, width: number, height: number): SourceRect => ({ x, y, width, height });
  f.add([r(0, 0, 100, 20), r(0, 100, 100, 20)]);
  f.invalidate([r(50, 110, 5, 5)]);
  const covered = f.take();
  assert.equal(covered(r(10, 5, 50, 10)), true, 'inside a fresh rectangle');
  assert.equal(covered(r(90, 5, 20, 10)), false, 'sticks out');
  assert.equal(covered(r(10, 105, 10, 10)), false, 'invalidated by later damage');
  assert.equal(f.take()(r(10, 5, 50, 10)), false, 'used by one capture only');
  f.add([r(0, 0, 1, 1), r(1, 0, 1, 1), r(2, 0, 1, 1), r(3, 0, 1, 1)]);
  assert.equal(f.take()(r(3, 0, 1, 1)), false, 'bounded');
  f.add([r(0, 0, 10, 10)]);
  f.clear();
  assert.equal(f.take()(r(0, 0, 1, 1)), false);
});

test('pickBoxes: large rectangles (clipped to the frame, within the budget) are searched, the rest is not', () => {
  const frame = { width: 1000, height: 800 };
  const { big, rest } = pickBoxes([
    { x: 0, y: 0, width: 100, height: 100 }, // too small
    { x: -50, y: 700, width: 600, height: 200 }, // clipped to 550x100
    { x: 0, y: 0, width: 4000, height: 10 }, // too flat
    { x: 0, y: 0, width: 1000, height: 800 }, // over the budget left
  ], frame, { minPixels: 20000, minHeight: 24, maxPixels: 600_000 });
  assert.deepEqual(big, [{ x: 0, y: 700, width: 550, height: 100 }]);
  assert.equal(rest.length, 3);
});

test('searchBox: a box of one colour is reported whole (one fill, as drawn), the frame gets it, nothing moves', () => {
  const FW = 200, FH = 120, box = { x: 21, y: 13, width: 101, height: 57 };
  const frame = { width: FW, height: FH, stride: FW, pixels: textRows(FW, FH, lcg(5)) };
  // Part of the box already had the colour: still the whole box, not the pixels that changed.
  for (let y = 20; y < 40; y++) frame.pixels.fill(0xcc0000, y * FW + 30, y * FW + 90);
  const read = new Uint32Array(box.width * box.height).fill(0xcc0000);
  read[7] = 0xff000000 | 0xcc0000; // another pad byte: the same colour
  const calls: string[] = [];
  const stats = newScrollStats();
  const changed = searchBox(frame, box, view(read, box.width), {
    move: () => calls.push('move'), damage: (rects) => calls.push(`damage ${JSON.stringify(rects)}`),
  }, undefined, stats);
  assert.deepEqual(changed, [box]);
  assert.deepEqual(calls, [`damage ${JSON.stringify([box])}`]);
  for (let y = 0; y < FH; y++) for (let x = 0; x < FW; x++) {
    const inBox = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
    if (inBox) assert.equal(frame.pixels[y * FW + x]! & 0xffffff, 0xcc0000);
  }
  assert.deepEqual([stats.searched, stats.moves, stats.changedPixels], [1, 0, box.width * box.height]);
  // One pixel off: a normal search (that pixel's neighbourhood is what changed, plus the rest).
  read[500] = 0xcc0001;
  const frame2 = { width: FW, height: FH, stride: FW, pixels: textRows(FW, FH, lcg(5)) };
  const changed2 = searchBox(frame2, box, view(read, box.width), { move: () => {}, damage: () => {} }, undefined, newScrollStats());
  assert.ok(changed2.length >= 1 && changed2.every((r) => r.x >= box.x && r.y >= box.y && r.x + r.width <= box.x + box.width && r.y + r.height <= box.y + box.height));
});


test('searchBox: one colour is told right for packed and padded rows, pad bytes anywhere, and a last odd pixel', () => {
  const FW = 160, FH = 90, box = { x: 9, y: 7, width: 61, height: 33 };
  // (searchBox notes a box it found to be one colour.)
  const isFill = (read: Uint32Array, stride: number, offset = 0) => {
    const frame = { width: FW, height: FH, stride: FW, pixels: textRows(FW, FH, lcg(8)) };
    const notes = new SolidNotes();
    searchBox(frame, box, view(read, stride, offset), { move: () => {}, damage: () => {} }, undefined, newScrollStats(), undefined, notes);
    return notes.size === 1;
  };
  for (const [stride, offset] of [[box.width, 0], [box.width + 1, 0], [box.width + 7, 3]] as const) {
    const read = new Uint32Array(offset + stride * box.height).fill(0x123456);
    // Words past each row's end are not the box's: another colour there changes nothing.
    for (let y = 0; y < box.height; y++) for (let x = box.width; x < stride; x++) read[offset + y * stride + x] = 0xabcdef;
    assert.equal(isFill(read, stride, offset), true, `stride ${stride}: one colour`);
    read[offset + 5 * stride + 9] = 0xff123456; // a pad byte: the same colour
    assert.equal(isFill(read, stride, offset), true, `stride ${stride}: a pad byte`);
    read[offset + 5 * stride + 9] = 0x123456;
    read[offset + (box.height - 1) * stride + box.width - 1] = 0x123457; // the very last pixel
    assert.equal(isFill(read, stride, offset), false, `stride ${stride}: the last pixel differs`);
    read[offset + (box.height - 1) * stride + box.width - 1] = 0x123456;
    read[offset + box.width - 1] = 0x003456; // the first row's last pixel
    assert.equal(isFill(read, stride, offset), false, `stride ${stride}: the first row differs`);
  }
});
test('findScroll: pad bytes that differ, odd offsets and strides (word pairs that do not line up) change nothing', () => {
  const rnd = lcg(77);
  for (let round = 0; round < 24; round++) {
    const w = 60 + Math.floor(rnd() * 90), h = 40 + Math.floor(rnd() * 60);
    const before = textRows(w, h, rnd);
    const after = scrolled(before, w, h, -(3 + Math.floor(rnd() * 12)), rnd);
    const want = run(before, after, w, h);
    // The same pictures at odd places in bigger buffers, with random pad bytes on both sides.
    const pad = (px: Uint32Array, off: number, stride: number) => {
      const out = new Uint32Array(off + stride * h + 7);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[off + y * stride + x] = (px[y * w + x]! | (Math.floor(rnd() * 256) << 24)) >>> 0;
      return out;
    };
    const bo = round % 3, ao = (round >> 1) % 3, bs = w + (round % 2), as = w + 1 + (round % 3);
    const got = findScroll(view(pad(before, bo, bs), bs, bo), view(pad(after, ao, as), as, ao), w, h);
    assert.deepEqual(got, want, `round ${round}`);
    assertExact(before, after, w, h, got, `round ${round}`);
  }
});

test('findScroll: rows whose bytes match whole and rows that match in RGB only (pad bytes differ) give the same result, mixed in one box', () => {
  const rnd = lcg(91);
  for (let round = 0; round < 24; round++) {
    const w = 64 + Math.floor(rnd() * 90), h = 40 + Math.floor(rnd() * 60);
    const before = textRows(w, h, rnd);
    const dy = round % 2 ? -(3 + Math.floor(rnd() * 12)) : 2 + Math.floor(rnd() * 9);
    const after = scrolled(before, w, h, dy, rnd);
    // A side column that changed on some rows (the whole-row check fails there, the middle matches).
    for (let y = 0; y < h; y += 5) after[y * w + w - 1] = 0x00ff00;
    const want = run(before, after, w, h);
    // Pad bytes on a random half of the rows of one side or the other: those rows differ in bytes.
    const padded = (px: Uint32Array) => {
      const out = px.slice();
      for (let y = 0; y < h; y++) if (rnd() < 0.5) for (let x = 0; x < w; x++) out[y * w + x] = (out[y * w + x]! | ((1 + Math.floor(rnd() * 255)) << 24)) >>> 0;
      return out;
    };
    const got = findScroll(view(padded(before), w), view(padded(after), w), w, h);
    assert.deepEqual(got, want, `round ${round}`);
    assert.ok(got.move, `round ${round}: the scroll is found`);
    assertExact(before, after, w, h, got, `round ${round}`);
  }
});

test('RowHashCache: a search that starts from the hashes the last one left finds the same; stale or wrong hashes never make a wrong move', () => {
  const FW = 320, FH = 200, box = { x: 10, y: 8, width: 300, height: 176 }, rnd = lcg(13);
  const frame = { width: FW, height: FH, stride: FW, pixels: new Uint32Array(FW * FH).fill(0x333333) };
  let cur = textRows(box.width, box.height, rnd);
  for (let y = 0; y < box.height; y++) frame.pixels.set(cur.subarray(y * box.width, (y + 1) * box.width), (box.y + y) * FW + box.x);
  const cache = new RowHashCache();
  const plain = { ...frame, pixels: frame.pixels.slice() };
  const sink = { move: () => {}, damage: () => {} };
  for (let step = 0; step < 6; step++) {
    const next = scrolled(cur, box.width, box.height, -16, rnd);
    const withCache = searchBox(frame, box, view(next, box.width), sink, undefined, newScrollStats(), cache);
    const without = searchBox(plain, box, view(next, box.width), sink, undefined, newScrollStats());
    assert.deepEqual(withCache, without, `step ${step}`);
    assert.ok(cache.get(box), 'the new hashes are kept');
    cur = next;
  }
  cache.invalidate({ x: 100, y: 100, width: 1, height: 1 });
  assert.equal(cache.get(box), undefined, 'a write inside the box drops them');
  // Wrong hashes for the old box: whatever they propose, the pixels decide.
  const next = scrolled(cur, box.width, box.height, -16, rnd);
  const liar = new Int32Array(box.height).map((_, i) => (i * 7919) | 0);
  const r = findScroll(view(frame.pixels, FW, box.y * FW + box.x), view(next, box.width), box.width, box.height, { hashes: { before: liar } });
  assertExact(cur, next, box.width, box.height, r, 'with wrong cached hashes');
});
