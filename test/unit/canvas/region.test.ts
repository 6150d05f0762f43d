import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Region } from '../../../src/canvas/region.js';

const N = 24;

/** The region as a set of pixels "x,y" within [-2, N+2). */
function pixels(r: Region): Set<string> {
  const s = new Set<string>();
  r.forEachRect((x1, y1, x2, y2) => {
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) s.add(`${x},${y}`);
  });
  return s;
}

function rectSet(rects: Array<[number, number, number, number]>): Set<string> {
  const s = new Set<string>();
  for (const [x1, y1, x2, y2] of rects) for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) s.add(`${x},${y}`);
  return s;
}

let seed = 7;
const rnd = (n: number): number => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed % n; };
const randRect = (): [number, number, number, number] => {
  const x = rnd(N) - 2, y = rnd(N) - 2;
  return [x, y, x + rnd(10), y + rnd(10)];
};

test('region set operations agree with pixel sets', () => {
  for (let k = 0; k < 200; k++) {
    const ra = Array.from({ length: 1 + rnd(4) }, randRect), rb = Array.from({ length: 1 + rnd(4) }, randRect);
    const a = Region.fromRects(ra), b = Region.fromRects(rb);
    const A = rectSet(ra), B = rectSet(rb);
    assert.deepEqual(pixels(a), A);
    assert.deepEqual(pixels(a.intersect(b)), new Set([...A].filter((p) => B.has(p))));
    assert.deepEqual(pixels(a.union(b)), new Set([...A, ...B]));
    assert.deepEqual(pixels(a.subtract(b)), new Set([...A].filter((p) => !B.has(p))));
    // Rectangles never overlap, and bands are y-sorted.
    let count = 0;
    a.forEachRect((x1, y1, x2, y2) => { count += (x2 - x1) * (y2 - y1); });
    assert.equal(count, A.size);
    for (let i = 1; i < a.bands.length; i++) assert.ok(a.bands[i]!.y1 >= a.bands[i - 1]!.y2);
  }
});

test('degenerate rectangles are empty; translate and extents', () => {
  assert.ok(Region.rect(5, 5, 5, 9).isEmpty());
  assert.ok(Region.rect(5, 9, 8, 3).isEmpty());
  const r = Region.fromRects([[0, 0, 2, 2], [4, 1, 6, 3]]).translate(10, 20);
  assert.deepEqual(r.extents(), [10, 20, 16, 23]);
  assert.ok(r.contains(11, 21) && r.contains(15, 22) && !r.contains(12, 21) && !r.contains(11, 22));
  assert.deepEqual(r.rowSpans(21), [10, 12, 14, 16]);
  assert.equal(r.rowSpans(23), undefined);
});

test('fromBits builds the set bits at an offset, merging equal rows', () => {
  const rows = ['0110', '0110', '1001'];
  const r = Region.fromBits(4, 3, 10, 5, (x, y) => rows[y]![x] === '1');
  assert.deepEqual(pixels(r), new Set(['11,5', '12,5', '11,6', '12,6', '10,7', '13,7']));
  assert.equal(r.bands.length, 2);
});

test('many clip rectangles: union stays correct and fast', () => {
  const rects: Array<[number, number, number, number]> = [];
  for (let i = 0; i < 20000; i++) rects.push([(i * 7) % 500, (i * 13) % 400, (i * 7) % 500 + 3, (i * 13) % 400 + 2]);
  const t0 = Date.now();
  const r = Region.fromRects(rects);
  assert.ok(Date.now() - t0 < 5000, 'union of 20000 rectangles took too long');
  for (const [x1, y1] of rects.slice(0, 200)) assert.ok(r.contains(x1, y1) && r.contains(x1 + 2, y1 + 1));
  assert.ok(!r.contains(-1, 0));
});
