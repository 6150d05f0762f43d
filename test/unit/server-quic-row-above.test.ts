/**
 * A QUIC image takes in the frame's row above its box when that row is one colour and the
 * box's first row is drawn rather than smooth (image-encoder.ts, quicTakesRowAbove): the
 * image then holds the grown box's pixels exactly, is smaller for a line of text, and the
 * cache keys the grown box. Other codecs, boxes at the top of the frame, rows above with
 * several colours, photo-like boxes and callers that do not ask for it (the display
 * channel asks only while no copy is queued) keep the box.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRect, quicTakesRowAbove } from '../../src/server/display/image-encoder.js';
import { PixmapCacheModel } from '../../src/server/display/image-cache.js';
import { decodeQuic } from '../../src/codecs/quic.js';
import type { SourceFrame } from '../../src/server/source.js';

const BG = 0xff1e1e1e, FG = 0xffd0d0d0;

/** A 400x40 frame of background with a line of pseudo-random glyph pixels in rows 13..22, columns 1..398. */
function textFrame(seed = 5): SourceFrame {
  const width = 400, height = 40, pixels = new Uint32Array(width * height).fill(BG);
  let s = seed;
  const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  for (let y = 13; y < 23; y++) for (let x = 1; x < 399; x++) if (x % 8 !== 0 && x % 8 !== 7 && rnd() < 0.38) pixels[y * width + x] = FG;
  // every glyph row has a pixel in column 1, so the trimmed box starts there
  for (let y = 13; y < 23; y++) pixels[y * width + 1] = FG;
  return { width, height, pixels, stride: width };
}

const GROW = { quicRowAbove: true };

const src = (f: SourceFrame, x: number, y: number, width: number, height: number) => ({ pixels: f.pixels, stride: f.stride, x, y, width, height });

test('quicTakesRowAbove: a row of one colour above a first row that differs from it', () => {
  const f = textFrame();
  assert.equal(quicTakesRowAbove(src(f, 1, 13, 398, 10)), true);
  assert.equal(quicTakesRowAbove(src(f, 1, 0, 398, 10)), false, 'no row above the frame');
  assert.equal(quicTakesRowAbove(src(f, 1, 14, 398, 9)), false, 'the row above has two colours');
  assert.equal(quicTakesRowAbove(src(f, 1, 5, 398, 18)), false, 'the first row has the row above\'s colour');
  // A smooth (photo-like) first row is better predicted from its left neighbours.
  const smooth = textFrame();
  for (let x = 0; x < smooth.width; x++) smooth.pixels[13 * smooth.stride + x] = 0xff000000 | ((40 + (x >> 1)) << 16) | ((90 + (x >> 2)) << 8) | (200 - (x >> 2));
  assert.equal(quicTakesRowAbove(src(smooth, 1, 13, 398, 10)), false, 'a smooth first row');
  // Alpha is not a colour: an above row that differs only there is still one colour.
  const g = textFrame();
  g.pixels[12 * g.stride + 7] = 0x001e1e1e;
  assert.equal(quicTakesRowAbove(src(g, 1, 13, 398, 10)), true);
});

test('encodeRect, quic: the image holds the box and the row above it, pixel for pixel, in fewer bytes', () => {
  const f = textFrame();
  const box = { x0: 1, y0: 13, x1: 399, y1: 23 };
  const e = encodeRect(f, box, 'quic', { lz4: false, glz: null }, undefined, GROW);
  assert.equal(e.kind, 'image');
  if (e.kind !== 'image') return;
  assert.equal(e.codec, 'quic');
  assert.deepEqual(e.box, { x0: 1, y0: 12, x1: 399, y1: 23 });
  const d = e.image.descriptor as { width: number; height: number };
  assert.deepEqual([d.width, d.height], [398, 11]);
  const img = decodeQuic((e.image.quic as { data: Uint8Array }).data);
  assert.deepEqual([img.width, img.height], [398, 11]);
  for (let y = 0; y < 11; y++) {
    for (let x = 0; x < 398; x++) {
      assert.equal(img.pixels[y * 398 + x]! & 0xffffff, f.pixels[(12 + y) * f.stride + 1 + x]! & 0xffffff, `pixel ${x},${y}`);
    }
  }
  // What it saves: the same box coded alone (it starts at the top of a frame of its own).
  const alone: SourceFrame = { width: 398, height: 10, stride: 398, pixels: new Uint32Array(398 * 10) };
  for (let y = 0; y < 10; y++) alone.pixels.set(f.pixels.subarray((13 + y) * f.stride + 1, (13 + y) * f.stride + 399), y * 398);
  const a = encodeRect(alone, { x0: 0, y0: 0, x1: 398, y1: 10 }, 'quic', { lz4: false, glz: null }, undefined, GROW);
  assert.ok(a.kind === 'image' && a.box === undefined);
  assert.ok(e.bytes < a.bytes, `${e.bytes} bytes with the row above, ${a.bytes} without`);
});

test('encodeRect keeps the box for other codecs, at the top of the frame, and under two-colour rows', () => {
  const f = textFrame();
  const lz = encodeRect(f, { x0: 1, y0: 13, x1: 399, y1: 23 }, 'lz', { lz4: false, glz: null }, undefined, GROW);
  assert.ok(lz.kind === 'image' && lz.codec === 'lz' && lz.box === undefined);
  const below = encodeRect(f, { x0: 1, y0: 14, x1: 399, y1: 23 }, 'quic', { lz4: false, glz: null }, undefined, GROW);
  assert.ok(below.kind === 'image' && below.codec === 'quic' && below.box === undefined);
  assert.equal((below.image.descriptor as { height: number }).height, 9);
  // A photo-like box under a row of one colour: a strip 8 rows high, QUIC on its own.
  const photo: SourceFrame = { width: 300, height: 9, stride: 300, pixels: new Uint32Array(300 * 9).fill(BG) };
  for (let y = 1; y < 9; y++) {
    for (let x = 0; x < 300; x++) {
      photo.pixels[y * 300 + x] = 0xff000000 | ((60 + ((x * 3 + y * 5) % 97)) << 16) | ((80 + ((x * 7) % 61)) << 8) | (100 + ((x + y * 11) % 83));
    }
  }
  const strip = encodeRect(photo, { x0: 0, y0: 1, x1: 300, y1: 9 }, 'quic', { lz4: false, glz: null }, undefined, GROW);
  assert.ok(strip.kind === 'image' && strip.codec === 'quic' && strip.box === undefined);
  // Not asked for (the display channel asks only while no copy is queued): the box stays.
  for (const extras of [{}, { quicRowAbove: false }]) {
    const kept = encodeRect(f, { x0: 1, y0: 13, x1: 399, y1: 23 }, 'quic', { lz4: false, glz: null }, undefined, extras);
    assert.ok(kept.kind === 'image' && kept.codec === 'quic' && kept.box === undefined);
    assert.equal((kept.image.descriptor as { height: number }).height, 10);
  }
});

test('encodeRect, quic, with a pixmap cache: the grown box is what is stored and found again', () => {
  const f = textFrame();
  let id = 100n;
  const cache = new PixmapCacheModel({ capacityPixels: 1 << 20, minPixels: 64, newId: () => id++ });
  const box = { x0: 1, y0: 13, x1: 399, y1: 23 };
  const first = encodeRect(f, box, 'quic', { lz4: false, glz: null }, undefined, { cache, quicRowAbove: true });
  const again = encodeRect(f, box, 'quic', { lz4: false, glz: null }, undefined, { cache, quicRowAbove: true });
  assert.ok(first.kind === 'image' && again.kind === 'image');
  if (first.kind !== 'image' || again.kind !== 'image') return;
  assert.equal(again.codec, 'cache');
  assert.deepEqual(again.box, { x0: 1, y0: 12, x1: 399, y1: 23 });
  const d1 = first.image.descriptor as { id: bigint; width: number; height: number };
  const d2 = again.image.descriptor as { id: bigint; width: number; height: number };
  assert.equal(d2.id, d1.id);
  assert.deepEqual([d2.width, d2.height], [398, 11]);
  // The row above changed: the grown box is another picture, no hit.
  f.pixels.fill(0xff3465a4, 12 * f.stride, 13 * f.stride);
  const third = encodeRect(f, box, 'quic', { lz4: false, glz: null }, undefined, { cache, quicRowAbove: true });
  assert.ok(third.kind === 'image' && third.codec === 'quic');
});
