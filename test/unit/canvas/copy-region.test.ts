/**
 * COPY_BITS on a surface (copyRegion): the in-place row move for one rectangle (scrolls) and
 * the snapshot path for other regions give what "read everything, then write" gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyRegion } from '../../../src/canvas/raster.js';
import { Region } from '../../../src/canvas/region.js';
import type { CanvasImage } from '../../../src/canvas/types.js';

const W = 61, H = 47;

function image(seed: number): CanvasImage {
  const pixels = new Uint32Array(W * H);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.imul(i + seed, 2654435761) >>> 0;
  return { width: W, height: H, pixels, format: 0 as never };
}

/** The definition: every destination pixel of the region takes the source pixel read before any write (0 outside). */
function reference(img: CanvasImage, region: Region, dx: number, dy: number): Uint32Array {
  const out = img.pixels.slice();
  region.forEachRect((x1, y1, x2, y2) => {
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) {
      const sx = x - dx, sy = y - dy;
      out[y * W + x] = sx >= 0 && sy >= 0 && sx < W && sy < H ? img.pixels[sy * W + sx]! : 0;
    }
  });
  return out;
}

test('copyRegion equals read-then-write for single rectangles in every direction, overlapping or not', () => {
  let seed = 7;
  const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  for (let i = 0; i < 400; i++) {
    const x1 = rnd(W), y1 = rnd(H), x2 = x1 + 1 + rnd(W - x1), y2 = y1 + 1 + rnd(H - y1);
    const dx = rnd(41) - 20, dy = rnd(41) - 20;
    const img = image(i);
    const region = Region.rect(x1, y1, x2, y2);
    const want = reference(img, region, dx, dy);
    copyRegion(img, region, dx, dy);
    assert.deepEqual(img.pixels, want, `rect ${x1},${y1}-${x2},${y2} moved by ${dx},${dy}`);
  }
});

test('copyRegion with several rectangles and with sources partly outside the surface', () => {
  let seed = 99;
  const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  for (let i = 0; i < 200; i++) {
    const rects: [number, number, number, number][] = [];
    for (let k = 0; k < 1 + rnd(4); k++) {
      const x1 = rnd(W), y1 = rnd(H);
      rects.push([x1, y1, x1 + 1 + rnd(W - x1), y1 + 1 + rnd(H - y1)]);
    }
    const dx = rnd(81) - 40, dy = rnd(81) - 40;
    const img = image(i + 1000);
    const region = Region.fromRects(rects);
    const want = reference(img, region, dx, dy);
    copyRegion(img, region, dx, dy);
    assert.deepEqual(img.pixels, want, `rects ${JSON.stringify(rects)} moved by ${dx},${dy}`);
  }
});
