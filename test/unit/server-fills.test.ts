/**
 * Solid parts of damaged rectangles sent as fills (src/server/display/solid-split.ts) and
 * the damage list they come from (damage.ts): whatever the picture, the fills (layered in
 * their order) plus the rest sent from the frame give back the frame exactly; fills are
 * found where drawings left them; the damage list stays disjoint and covers every
 * damaged pixel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SolidSplitter, type SolidPart } from '../../src/server/display/solid-split.js';
import { coverSameColour, layerFills } from '../../src/server/display/fill-layers.js';
import { Damage, subtractAll, type Box } from '../../src/server/display/damage.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
}

const W = 320, H = 240;

function fillRect(px: Uint32Array, x: number, y: number, w: number, h: number, c: number): void {
  for (let r = y; r < y + h; r++) px.fill(c, r * W + x, r * W + x + w);
}

/** A picture like the bench's: noise (a photo), text-like cells, and overlapping solid rectangles. */
function picture(seed: number): Uint32Array {
  const r = lcg(seed);
  const px = new Uint32Array(W * H);
  for (let i = 0; i < px.length; i++) px[i] = 0xff000000 | Math.floor(r() * 0xffffff);
  for (let k = 0; k < 60; k++) {
    const x = Math.floor(r() * (W - 8)), y = Math.floor(r() * (H - 16));
    for (let j = 0; j < 128; j++) px[(y + (j >> 3)) * W + x + (j & 7)] = r() < 0.4 ? 0xffd0d0d0 : 0xff101820;
  }
  const colors = [0xffeeeeee, 0xff3465a4, 0xfff5f5f0, 0xff2e3436];
  for (let k = 0; k < 8; k++) {
    const w = 8 + Math.floor(r() * 200), h = 4 + Math.floor(r() * 150);
    fillRect(px, Math.floor(r() * (W - w)), Math.floor(r() * (H - h)), w, h, colors[k % colors.length]!);
  }
  return px;
}

const inBox = (b: Box, x: number, y: number) => x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1;

/** Paints fills in order then the rest from the frame onto a blank canvas; returns it. */
function rebuild(frame: Uint32Array, box: Box, fills: readonly SolidPart[], rest: readonly Box[]): Int32Array {
  const out = new Int32Array(W * H).fill(-1);
  for (const f of fills) for (let y = f.y0; y < f.y1; y++) for (let x = f.x0; x < f.x1; x++) out[y * W + x] = f.color;
  for (const r of rest) for (let y = r.y0; y < r.y1; y++) for (let x = r.x0; x < r.x1; x++) out[y * W + x] = frame[y * W + x]! & 0xffffff;
  for (const b of [...fills, ...rest]) {
    assert.ok(b.x0 >= box.x0 && b.y0 >= box.y0 && b.x1 <= box.x1 && b.y1 <= box.y1 && b.x0 < b.x1 && b.y0 < b.y1, `part ${JSON.stringify(b)} outside the box`);
  }
  return out;
}

test('fills plus the rest rebuild every box exactly, on many pictures', () => {
  const sp = new SolidSplitter();
  const r = lcg(99);
  let split = 0, fills = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const px = picture(seed);
    for (let n = 0; n < 8; n++) {
      const x0 = Math.floor(r() * W / 2), y0 = Math.floor(r() * H / 2);
      const box = { x0, y0, x1: x0 + 1 + Math.floor(r() * (W - x0)), y1: y0 + 1 + Math.floor(r() * (H - y0)) };
      const res = sp.split(px, W, box);
      if (!res) continue;
      split++;
      fills += res.fills.length;
      // The rest is disjoint (fills may overlap: a later one covers part of an earlier, and the rest comes last).
      for (let i = 0; i < res.rest.length; i++) {
        for (const b of res.rest.slice(i + 1)) {
          const a = res.rest[i]!;
          assert.ok(a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0, 'parts overlap');
        }
      }
      const out = rebuild(px, box, res.fills, res.rest);
      for (let y = box.y0; y < box.y1; y++) {
        for (let x = box.x0; x < box.x1; x++) assert.equal(out[y * W + x], px[y * W + x]! & 0xffffff, `pixel ${x},${y} of ${JSON.stringify(box)}`);
      }
      for (let i = 0; i < out.length; i++) if (!inBox(box, i % W, Math.floor(i / W))) assert.equal(out[i], -1);
    }
  }
  assert.ok(split > 50 && fills > split, `${split} boxes split into ${fills} fills`);
});

test('a rectangle drawn and partly covered by another goes as two fills, the covered one first', () => {
  const px = new Uint32Array(W * H);
  const r = lcg(5);
  for (let i = 0; i < px.length; i++) px[i] = Math.floor(r() * 0xffffff); // noise around
  fillRect(px, 40, 30, 200, 150, 0x3465a4); // A
  fillRect(px, 100, 80, 180, 60, 0xcc0000); // B, over A's middle and past its right edge
  const box = { x0: 40, y0: 30, x1: 280, y1: 180 };
  const res = new SolidSplitter().split(px, W, box)!;
  const layered = res.fills;
  assert.deepEqual(layered.map((f) => [f.x0, f.y0, f.x1, f.y1, f.color]), [[40, 30, 240, 180, 0x3465a4], [100, 80, 280, 140, 0xcc0000]]);
  // the noise right of A, above and below B, is the rest
  const out = rebuild(px, box, layered, res.rest);
  for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) assert.equal(out[y * W + x], px[y * W + x]! & 0xffffff);
});

test('two fills side by side in one band, and a box of one colour', () => {
  const px = new Uint32Array(W * H).fill(0x202830);
  fillRect(px, 0, 0, 100, 64, 0xeeeeee);
  fillRect(px, 100, 0, 120, 64, 0x4e9a06);
  const res = new SolidSplitter().split(px, W, { x0: 0, y0: 0, x1: 220, y1: 64 })!;
  assert.deepEqual(res.fills.map((f) => [f.x0, f.x1, f.color]).sort((a, b) => a[0]! - b[0]!), [[0, 100, 0xeeeeee], [100, 220, 0x4e9a06]]);
  assert.deepEqual(res.rest, []);
  fillRect(px, 0, 64, 200, 100, 0x123456);
  const one = new SolidSplitter().split(px, W, { x0: 10, y0: 70, x1: 190, y1: 160 })!;
  assert.deepEqual(one, { fills: [{ x0: 10, y0: 70, x1: 190, y1: 160, color: 0x123456 }], rest: [] });
});

test('one fill inside noise: the fill and the pieces around it; a splitter reused keeps nothing of earlier calls', () => {
  const px = picture(7);
  const r = lcg(8);
  for (let i = 0; i < px.length; i++) px[i] = Math.floor(r() * 0xffffff);
  fillRect(px, 60, 40, 120, 90, 0x3465a4);
  fillRect(px, 200, 150, 100, 80, 0xcc0000);
  const sp = new SolidSplitter();
  const box = { x0: 40, y0: 20, x1: 200, y1: 150 };
  // Two boxes with a fill each (layered together), then one (no layering), then none.
  const two = sp.plan(px, W, [box, { x0: 200, y0: 150, x1: 300, y1: 230 }]);
  const twoCopy = JSON.parse(JSON.stringify(two));
  const one = sp.plan(px, W, [box]);
  assert.deepEqual(one.fills, [{ x0: 60, y0: 40, x1: 180, y1: 130, color: 0x3465a4 }]);
  const out = rebuild(px, box, one.fills, one.rest);
  for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) assert.equal(out[y * W + x], px[y * W + x]! & 0xffffff);
  const rest = one.rest.reduce((a, b) => a + (b.x1 - b.x0) * (b.y1 - b.y0), 0);
  assert.equal(rest, 160 * 130 - 120 * 90, 'the rest is disjoint and covers exactly what the fill does not');
  const none = sp.plan(px, W, [{ x0: 0, y0: 0, x1: 40, y1: 20 }]);
  assert.deepEqual(none, { fills: [], rest: [{ x0: 0, y0: 0, x1: 40, y1: 20 }] });
  assert.deepEqual(JSON.parse(JSON.stringify(two)), twoCopy, 'an earlier plan is not changed by later calls');
  assert.equal(two.fills.length, 2);
  // A single candidate too small to go alone is left in the rest, whole.
  const small = sp.plan(px, W, [{ x0: 60, y0: 40, x1: 100, y1: 60 }]);
  assert.deepEqual(small, { fills: [], rest: [{ x0: 60, y0: 40, x1: 100, y1: 60 }] });
});

test('alpha is ignored: one RGB colour with mixed alpha bytes is one fill, whatever the colour', () => {
  for (const rgb of [0x000000, 0xf5f5f0, 0xfce94f, 0x3465a4, 0xffffff]) {
    const px = new Uint32Array(W * H).fill(0x808080);
    const r = lcg(rgb);
    for (let y = 20; y < 120; y++) for (let x = 31; x < 251; x++) px[y * W + x] = ((Math.floor(r() * 4) * 0x55) << 24 | rgb) >>> 0;
    px[100 * W + 200] = 0xff000000 | (rgb ^ 1); // one pixel off by one bit
    const res = new SolidSplitter().split(px, W, { x0: 31, y0: 20, x1: 251, y1: 120 })!;
    const out = rebuild(px, { x0: 31, y0: 20, x1: 251, y1: 120 }, res.fills, res.rest);
    for (let y = 20; y < 120; y++) for (let x = 31; x < 251; x++) assert.equal(out[y * W + x], px[y * W + x]! & 0xffffff);
    assert.ok(res.fills.length <= 4 && res.fills.every((f) => f.color === rgb), JSON.stringify(res.fills));
    const covered = res.fills.reduce((a, f) => a + (f.x1 - f.x0) * (f.y1 - f.y0), 0);
    assert.ok(covered > 0.9 * 220 * 100, `fills cover ${covered} pixels`);
  }
});

test('noise, text and small boxes are left whole', () => {
  const px = picture(3);
  const sp = new SolidSplitter();
  const r = lcg(4);
  for (let i = 0; i < px.length; i++) px[i] = Math.floor(r() * 0xffffff);
  assert.equal(sp.split(px, W, { x0: 0, y0: 0, x1: W, y1: H }), undefined);
  fillRect(px, 0, 0, 40, 40, 0x123456);
  assert.equal(sp.split(px, W, { x0: 0, y0: 0, x1: 40, y1: 40 }), undefined, 'below minArea');
  assert.equal(sp.split(px, W, { x0: 0, y0: 0, x1: W + 1, y1: 10 }), undefined, 'outside the frame');
});

test('layerFills keeps the picture when fills of several colours interleave', () => {
  // Random disjoint exact fills on a grid: whatever is merged, painting in order gives the truth.
  const r = lcg(77);
  for (let round = 0; round < 200; round++) {
    const cell = 8, n = 6;
    const truth = new Int32Array(n * n).map(() => Math.floor(r() * 3));
    const fills: SolidPart[] = [];
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
      if (r() < 0.2) { truth[y * n + x] = -1; continue; } // not a fill: sent as an image
      fills.push({ x0: x * cell, y0: y * cell, x1: x * cell + cell, y1: y * cell + cell, color: truth[y * n + x]! });
    }
    const out = new Int32Array(n * n).fill(-1);
    for (const f of layerFills(fills).fills) {
      for (let y = f.y0 / cell; y < f.y1 / cell; y++) for (let x = f.x0 / cell; x < f.x1 / cell; x++) out[y * n + x] = f.color;
    }
    assert.deepEqual([...out], [...truth], `round ${round}`);
  }
});

test('the damage list stays disjoint, covers every damaged pixel and merges neighbours', () => {
  const r = lcg(11);
  const bounds = { x0: 0, y0: 0, x1: W, y1: H };
  for (let round = 0; round < 100; round++) {
    const d = new Damage(round % 2 ? 8 : 48);
    const hit = new Uint8Array(W * H);
    for (let k = 0; k < 30; k++) {
      const w = 1 + Math.floor(r() * 120), h = 1 + Math.floor(r() * 90);
      const b = { x0: Math.floor(r() * W) - 20, y0: Math.floor(r() * H) - 20, x1: 0, y1: 0 };
      b.x1 = b.x0 + w; b.y1 = b.y0 + h;
      d.add(b, bounds);
      for (let y = Math.max(0, b.y0); y < Math.min(H, b.y1); y++) for (let x = Math.max(0, b.x0); x < Math.min(W, b.x1); x++) hit[y * W + x] = 1;
    }
    const boxes = d.take();
    assert.ok(boxes.length <= (round % 2 ? 8 : 48));
    const cover = new Uint8Array(W * H);
    for (const b of boxes) {
      for (let y = b.y0; y < b.y1; y++) for (let x = b.x0; x < b.x1; x++) {
        assert.equal(cover[y * W + x], 0, `pixel ${x},${y} in two boxes`);
        cover[y * W + x] = 1;
      }
    }
    for (let i = 0; i < hit.length; i++) if (hit[i]) assert.equal(cover[i], 1, `damaged pixel ${i % W},${Math.floor(i / W)} lost`);
  }
  const d = new Damage();
  for (let x = 0; x < 80; x += 8) d.add({ x0: x, y0: 0, x1: x + 8, y1: 16 }, bounds); // a word typed
  assert.deepEqual(d.take(), [{ x0: 0, y0: 0, x1: 80, y1: 16 }]);
  d.add({ x0: 0, y0: 0, x1: 100, y1: 100 }, bounds);
  d.add({ x0: 102, y0: 0, x1: 202, y1: 100 }, bounds); // 2 columns apart: 200 pixels of slack
  assert.equal(d.count, 1);
  d.add({ x0: 0, y0: 110, x1: 100, y1: 210 }, bounds); // 10 rows apart: too much of what was not drawn
  assert.equal(d.count, 2);
});

/** The y-x banded rectangles of a union of rectangles (as XFixesFetchRegion returns them). */
function yxBands(rects: readonly Box[]): Box[] {
  const ys = [...new Set(rects.flatMap((q) => [q.y0, q.y1]))].sort((p, q) => p - q);
  const out: Box[] = [];
  for (let i = 0; i + 1 < ys.length; i++) {
    const y0 = ys[i]!, y1 = ys[i + 1]!;
    const spans = rects.filter((q) => q.y0 <= y0 && q.y1 >= y1).map((q) => [q.x0, q.x1] as [number, number]).sort((p, q) => p[0] - q[0]);
    let cur: [number, number] | undefined;
    for (const sp of spans) {
      if (cur && sp[0] <= cur[1]) cur[1] = Math.max(cur[1], sp[1]);
      else { if (cur) out.push({ x0: cur[0], y0, x1: cur[1], y1 }); cur = [...sp]; }
    }
    if (cur) out.push({ x0: cur[0], y0, x1: cur[1], y1 });
  }
  return out;
}

test('one colour drawn as two overlapping rectangles (an L, a cross) goes as two fills, not its bands', () => {
  for (const [a, b] of [
    [[40, 20, 200, 60], [120, 20, 80, 160]], // T: a bar and a stem through it
    [[20, 30, 150, 40], [120, 30, 60, 150]], // L
    [[10, 80, 260, 40], [100, 10, 50, 200]], // cross
    [[20, 10, 150, 70], [90, 40, 130, 180]], // overlapping corners: neither bounding box is all red
    [[90, 10, 150, 70], [20, 40, 130, 180]],
  ] as const) {
    const px = new Uint32Array(W * H).fill(0x202830);
    fillRect(px, a[0], a[1], a[2], a[3], 0xcc0000);
    fillRect(px, b[0], b[1], b[2], b[3], 0xcc0000);
    // The union as an X damage region reports it: y-x bands (rows cut at every edge, spans joined).
    const boxes = [
      { x0: a[0], y0: a[1], x1: a[0] + a[2], y1: a[1] + a[3] },
      { x0: b[0], y0: b[1], x1: b[0] + b[2], y1: b[1] + b[3] },
    ];
    const bands = yxBands(boxes);
    const res = new SolidSplitter().plan(px, W, bands);
    assert.equal(res.fills.length, 2, JSON.stringify(res.fills));
    assert.deepEqual(res.rest, []);
    const out = new Int32Array(W * H).fill(-1);
    for (const f of res.fills) for (let y = f.y0; y < f.y1; y++) for (let x = f.x0; x < f.x1; x++) out[y * W + x] = f.color;
    for (let i = 0; i < px.length; i++) assert.equal(out[i], bands.some((q) => inBox(q, i % W, Math.floor(i / W))) ? 0xcc0000 : -1);
  }
});

test('coverSameColour: the same pixels in the same colours, never more rectangles (random unions)', () => {
  const r = lcg(31);
  let fewer = 0;
  for (let round = 0; round < 300; round++) {
    const n = 2 + Math.floor(r() * 3);
    const rects: Box[] = [];
    for (let k = 0; k < n; k++) {
      const x0 = Math.floor(r() * 40), y0 = Math.floor(r() * 40);
      rects.push({ x0, y0, x1: x0 + 1 + Math.floor(r() * 30), y1: y0 + 1 + Math.floor(r() * 30) });
    }
    // Disjoint pieces of the union, two colours (even/odd rectangles), as the splitter finds them.
    const pieces: SolidPart[] = [];
    const seen: Box[] = [];
    rects.forEach((q, k) => {
      for (const p of subtractAll(q, seen)) pieces.push({ ...p, color: k % 2 ? 0x111111 : 0x222222 });
      seen.push(q);
    });
    const paint = (fs: readonly SolidPart[]) => {
      const out = new Int32Array(80 * 80).fill(-1);
      for (const f of fs) for (let y = f.y0; y < f.y1; y++) for (let x = f.x0; x < f.x1; x++) out[y * 80 + x] = f.color;
      return out;
    };
    const got = coverSameColour(pieces);
    assert.ok(got.length <= pieces.length);
    if (got.length < pieces.length) fewer++;
    assert.deepEqual([...paint(got)], [...paint(pieces)], `round ${round}`);
  }
  assert.ok(fewer > 50, `${fewer} rounds needed fewer rectangles`);
});

test('a narrow strip of the background colour beside a covering fill is painted by the background, not sent as an image', () => {
  const px = new Uint32Array(W * H);
  const r = lcg(8);
  for (let i = 0; i < px.length; i++) px[i] = Math.floor(r() * 0xffffff);
  fillRect(px, 60, 40, 200, 160, 0x3465a4); // the background rectangle
  fillRect(px, 66, 90, 150, 80, 0x75507b); // over it, 6 px from its left edge (too narrow for a run)
  const box = { x0: 60, y0: 40, x1: 260, y1: 200 };
  const res = new SolidSplitter().split(px, W, box)!;
  assert.deepEqual(res.fills.map((f) => [f.x0, f.y0, f.x1, f.y1, f.color]), [[60, 40, 260, 200, 0x3465a4], [66, 90, 216, 170, 0x75507b]]);
  assert.deepEqual(res.rest, []);
});

test('beyond: fills may paint pixels outside the damage that have their colour already, never others', () => {
  // A C of one colour as damage bands; the open middle-left already has that colour.
  const px = new Uint32Array(W * H).fill(0x202830);
  fillRect(px, 40, 20, 200, 140, 0xcc0000);
  const bands = [{ x0: 40, y0: 20, x1: 240, y1: 50 }, { x0: 180, y0: 50, x1: 240, y1: 130 }, { x0: 40, y0: 130, x1: 240, y1: 160 }];
  const inside = new SolidSplitter().plan(px, W, bands);
  assert.equal(inside.fills.length, 3, 'within the damage: three fills');
  const beyond = new SolidSplitter().plan(px, W, bands, undefined, true);
  assert.deepEqual(beyond.fills, [{ x0: 40, y0: 20, x1: 240, y1: 160, color: 0xcc0000 }]);
  assert.deepEqual(beyond.rest, []);
  // The middle-left of another colour: nothing is painted there.
  fillRect(px, 60, 60, 20, 20, 0x3465a4);
  const other = new SolidSplitter().plan(px, W, bands, undefined, true);
  assert.ok(other.fills.length >= 2, JSON.stringify(other.fills));
  for (const f of other.fills) assert.ok(f.x1 <= 60 || f.x0 >= 80 || f.y1 <= 60 || f.y0 >= 80, `a fill over the other colour: ${JSON.stringify(f)}`);
  // Random pictures and damage: every pixel a fill or the rest paints gets the frame's
  // colour, and every damaged pixel is painted.
  for (let seed = 1; seed <= 40; seed++) {
    const p = picture(seed), r = lcg(seed * 7919);
    const boxes: Box[] = [];
    const d = new Damage();
    for (let k = 0; k < 6; k++) {
      const w = 16 + Math.floor(r() * 200), h = 8 + Math.floor(r() * 120);
      const x = Math.floor(r() * (W - w)), y = Math.floor(r() * (H - h));
      d.add({ x0: x, y0: y, x1: x + w, y1: y + h }, { x0: 0, y0: 0, x1: W, y1: H });
    }
    for (const b of d.take()) boxes.push(b);
    const res = new SolidSplitter().plan(p, W, boxes, undefined, true);
    const out = new Int32Array(W * H).fill(-1);
    for (const f of res.fills) for (let y = f.y0; y < f.y1; y++) for (let x = f.x0; x < f.x1; x++) out[y * W + x] = f.color;
    for (const q of res.rest) for (let y = q.y0; y < q.y1; y++) for (let x = q.x0; x < q.x1; x++) out[y * W + x] = p[y * W + x]! & 0xffffff;
    for (let i = 0; i < out.length; i++) {
      const damaged = boxes.some((b) => inBox(b, i % W, Math.floor(i / W)));
      if (damaged) assert.notEqual(out[i], -1, `seed ${seed}: damaged pixel ${i % W},${Math.floor(i / W)} not painted`);
      if (out[i] !== -1) assert.equal(out[i], p[i]! & 0xffffff, `seed ${seed}: pixel ${i % W},${Math.floor(i / W)} painted wrong`);
    }
  }
});
