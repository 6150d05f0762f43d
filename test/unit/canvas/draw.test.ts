/**
 * Draw operations, byte-exact, on small surfaces. Expected values are worked
 * out from the reference semantics (comments give the arithmetic).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisplayCanvas, SURFACE_FMT, type Rect } from '../../../src/canvas/index.js';
import { ErrorCode, SpiceError } from '../../../src/protocol/errors.js';
import {
  R, base, cacheRef, canvasWith, maskBitmap, noMask, pattern, px, rgb32Image, setPx, solid, surfaceRef,
} from '../../helpers/canvas-msg.js';

const OP_PUT = 8, OP_AND = 32, OP_XOR = 64, INVERS_BRUSH = 2;
const CACHE_ME = 1;

const fill = (box: Rect, brush: unknown, rop = OP_PUT, o: { clip?: Rect[]; mask?: unknown; surface?: number } = {}) => ({
  name: 'draw_fill', body: { base: base(box, o), data: { brush, rop_descriptor: rop, mask: o.mask ?? noMask } },
});

const copy = (box: Rect, img: unknown, area: Rect, o: { rop?: number; scale?: number; clip?: Rect[]; mask?: unknown; surface?: number; name?: string } = {}) => ({
  name: o.name ?? 'draw_copy',
  body: { base: base(box, o), data: { src_bitmap: img, src_area: area, rop_descriptor: o.rop ?? OP_PUT, scale_mode: o.scale ?? 1, mask: o.mask ?? noMask } },
});

const errCode = (fn: () => unknown): string => {
  try { fn(); } catch (e) { return e instanceof SpiceError ? e.code : `other: ${String(e)}`; }
  return 'none';
};

test('solid fill: box clipped to the surface, clip rectangles', () => {
  const c = canvasWith(4, 3);
  c.apply(fill(R(2, 1, 9, 9), solid(0x00112233)));
  assert.deepEqual(px(c), [0, 0, 0, 0, 0, 0, 0x112233, 0x112233, 0, 0, 0x112233, 0x112233]);
  const d = canvasWith(4, 2);
  d.apply(fill(R(0, 0, 4, 2), solid(7), OP_PUT, { clip: [R(0, 0, 1, 1), R(3, 1, 4, 2), R(0, 0, 2, 1)] }));
  assert.deepEqual(px(d), [7, 7, 0, 0, 0, 0, 0, 7]);
});

test('fill with ROPs, including the brush inversion flag', () => {
  const c = canvasWith(2, 1);
  setPx(c, [0x00123456, 0xff00ff00]);
  c.apply(fill(R(0, 0, 2, 1), solid(0x00ff00ff), OP_XOR));
  assert.deepEqual(px(c), [0x00123456 ^ 0x00ff00ff, (0xff00ff00 ^ 0x00ff00ff) >>> 0]);
  setPx(c, [0x00f0f0f0, 0x000f0f0f]);
  c.apply(fill(R(0, 0, 2, 1), solid(0x00ff0000), OP_AND | INVERS_BRUSH));
  // ~brush & dest
  assert.deepEqual(px(c), [0x0000f0f0, 0x00000f0f]);
  // BRUSH NONE with a ROP still applies it (here: invert the destination).
  c.apply(fill(R(0, 0, 1, 1), { type: 0 }, 512));
  assert.deepEqual(px(c), [0xffff0f0f, 0x00000f0f]);
});

test('pattern brush tiles from its position', () => {
  const c = canvasWith(4, 2);
  const tile = rgb32Image(2, 2, [0xa, 0xb, 0xc, 0xd]);
  c.apply(fill(R(0, 0, 4, 2), pattern(tile, 1, 0)));
  // pixel (x, y) = tile((x - 1) mod 2, y mod 2)
  assert.deepEqual(px(c), [0xb, 0xa, 0xb, 0xa, 0xd, 0xc, 0xd, 0xc]);
  const s = canvasWith(3, 1);
  s.apply(fill(R(0, 0, 3, 1), pattern(tile, 0, 1), OP_XOR));
  assert.deepEqual(px(s), [0xc, 0xd, 0xc]);
});

test('QMask: set bits draw, INVERS flips them, outside the mask nothing is drawn', () => {
  const m = maskBitmap(['10', '01']);
  const c = canvasWith(4, 2);
  c.apply(fill(R(0, 0, 4, 2), solid(1), OP_PUT, { mask: { flags: 0, pos: { x: 0, y: 0 }, bitmap: m } }));
  assert.deepEqual(px(c), [1, 0, 0, 0, 0, 1, 0, 0]);
  const inv = canvasWith(4, 2);
  inv.apply(fill(R(0, 0, 4, 2), solid(1), OP_PUT, { mask: { flags: 1, pos: { x: 0, y: 0 }, bitmap: m } }));
  assert.deepEqual(px(inv), [0, 1, 0, 0, 1, 0, 0, 0]);
  // pos selects which mask pixel lands on the box corner: mask (1, 0) -> (1, 0) of a box at (1, 0).
  const off = canvasWith(4, 2);
  off.apply(fill(R(1, 0, 4, 2), solid(1), OP_PUT, { mask: { flags: 0, pos: { x: 1, y: 0 }, bitmap: maskBitmap(['01', '10']) } }));
  // mask (x, y) -> dest (x - 1 + 1, y): (1,0) -> (1,0); (0,1) -> (0,1) which is left of the box.
  assert.deepEqual(px(off), [0, 1, 0, 0, 0, 0, 0, 0]);
});

test('QMask: a cached mask is stored uninverted; masks from an A1 surface', () => {
  const c = canvasWith(2, 1);
  c.apply(fill(R(0, 0, 2, 1), solid(1), OP_PUT, { mask: { flags: 1, pos: { x: 0, y: 0 }, bitmap: maskBitmap(['10'], { id: 4n, flags: CACHE_ME }) } }));
  assert.deepEqual(px(c), [0, 1]);
  c.apply(fill(R(0, 0, 2, 1), solid(2), OP_PUT, { mask: { flags: 0, pos: { x: 0, y: 0 }, bitmap: cacheRef(4n) } }));
  assert.deepEqual(px(c), [2, 1]);
  c.apply({ name: 'surface_create', body: { surface_id: 3, width: 2, height: 1, format: SURFACE_FMT.A1, flags: 0 } });
  setPx(c, [0, 0xff000000], 3);
  c.apply(fill(R(0, 0, 2, 1), solid(9), OP_PUT, { mask: { flags: 0, pos: { x: 0, y: 0 }, bitmap: surfaceRef(3) } }));
  assert.deepEqual(px(c), [2, 9]);
});

test('draw_copy: source offset, clipping to the source, ROPs', () => {
  const img = rgb32Image(2, 2, [0x11, 0x22, 0x33, 0x44]);
  const c = canvasWith(3, 3);
  // src_area starts at (1, 0) and runs past the image: only source pixels that exist are copied.
  c.apply(copy(R(0, 0, 2, 2), img, R(1, 0, 3, 2)));
  assert.deepEqual(px(c), [0x22, 0, 0, 0x44, 0, 0, 0, 0, 0]);
  setPx(c, [0xf0, 0xf0, 0, 0xf0, 0xf0, 0, 0, 0, 0]);
  c.apply(copy(R(0, 0, 2, 2), img, R(0, 0, 2, 2), { rop: OP_XOR }));
  assert.deepEqual(px(c), [0xf0 ^ 0x11, 0xf0 ^ 0x22, 0, 0xf0 ^ 0x33, 0xf0 ^ 0x44, 0, 0, 0, 0]);
  // DRAW_BLEND is the same operation.
  c.apply(copy(R(1, 1, 3, 3), img, R(0, 0, 2, 2), { name: 'draw_blend' }));
  assert.deepEqual(px(c).slice(4), [0x11, 0x22, 0, 0x33, 0x44]);
});

test('draw_copy from a surface, including a surface onto itself', () => {
  const c = canvasWith(4, 1);
  setPx(c, [1, 2, 3, 4]);
  // Shift right by one within the same surface: reads happen before writes.
  c.apply(copy(R(1, 0, 4, 1), surfaceRef(0), R(0, 0, 3, 1)));
  assert.deepEqual(px(c), [1, 1, 2, 3]);
  c.apply({ name: 'surface_create', body: { surface_id: 5, width: 2, height: 1, format: SURFACE_FMT.XRGB, flags: 0 } });
  setPx(c, [0x77, 0x88], 5);
  c.apply(copy(R(0, 0, 2, 1), surfaceRef(5), R(0, 0, 2, 1)));
  assert.deepEqual(px(c), [0x77, 0x88, 2, 3]);
  assert.equal(errCode(() => c.apply(copy(R(0, 0, 1, 1), surfaceRef(6), R(0, 0, 1, 1)))), ErrorCode.INCONSISTENT);
});

test('copy_bits moves the region as if read first, clipped to the source', () => {
  const c = canvasWith(3, 3);
  setPx(c, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Scroll up by one: box rows 0..1 take rows 1..2.
  c.apply({ name: 'copy_bits', body: { base: base(R(0, 0, 3, 2)), src_pos: { x: 0, y: 1 } } });
  assert.deepEqual(px(c), [4, 5, 6, 7, 8, 9, 7, 8, 9]);
  setPx(c, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Down-right by one with a clip.
  c.apply({ name: 'copy_bits', body: { base: base(R(1, 1, 3, 3), { clip: [R(1, 1, 3, 2), R(2, 2, 3, 3)] }), src_pos: { x: 0, y: 0 } } });
  assert.deepEqual(px(c), [1, 2, 3, 4, 1, 2, 7, 8, 5]);
  setPx(c, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Source partly left of the surface: those destination pixels stay.
  c.apply({ name: 'copy_bits', body: { base: base(R(0, 0, 2, 1)), src_pos: { x: -1, y: 1 } } });
  assert.deepEqual(px(c), [1, 4, 3, 4, 5, 6, 7, 8, 9]);
});

test('blackness, whiteness and invers, with a mask', () => {
  const c = canvasWith(3, 1);
  setPx(c, [0x00123456, 0x00123456, 0x00123456]);
  const m = { flags: 0, pos: { x: 0, y: 0 }, bitmap: maskBitmap(['101']) };
  c.apply({ name: 'draw_invers', body: { base: base(R(0, 0, 3, 1)), data: { mask: m } } });
  assert.deepEqual(px(c), [0xffedcba9, 0x00123456, 0xffedcba9]);
  c.apply({ name: 'draw_whiteness', body: { base: base(R(1, 0, 2, 1)), data: { mask: noMask } } });
  assert.deepEqual(px(c), [0xffedcba9, 0xffffffff, 0xffedcba9]);
  c.apply({ name: 'draw_blackness', body: { base: base(R(0, 0, 2, 1)), data: { mask: noMask } } });
  assert.deepEqual(px(c), [0, 0, 0xffedcba9]);
});

test('draw_opaque: the image, then the brush with the ROP (image as destination)', () => {
  const c = canvasWith(2, 1);
  const img = rgb32Image(2, 1, [0x00ff00ff, 0x00f0f0f0]);
  c.apply({ name: 'draw_opaque', body: { base: base(R(0, 0, 2, 1)), data: {
    src_bitmap: img, src_area: R(0, 0, 2, 1), brush: solid(0x000f0ff0), rop_descriptor: OP_AND, scale_mode: 1, mask: noMask } } });
  assert.deepEqual(px(c), [0x000f00f0, 0x000000f0]);
});

test('draw_transparent skips the key colour (RGB only)', () => {
  const c = canvasWith(3, 1);
  setPx(c, [1, 1, 1]);
  const img = rgb32Image(3, 1, [0xaa00ff00, 0x00123456, 0x0000ff00]);
  c.apply({ name: 'draw_transparent', body: { base: base(R(0, 0, 3, 1)), data: { src_bitmap: img, src_area: R(0, 0, 3, 1), src_color: 0, true_color: 0x1100ff00 } } });
  assert.deepEqual(px(c), [1, 0x00123456, 1]);
});

test('draw_alpha_blend: constant alpha OVER, X byte cleared on xRGB', () => {
  const blend = (alpha: number, flags: number, img: unknown, box = R(0, 0, 1, 1), area = R(0, 0, 1, 1)) => ({
    name: 'draw_alpha_blend', body: { base: base(box), data: { alpha_flags: flags, alpha, src_bitmap: img, src_area: area } },
  });
  const c = canvasWith(1, 1, 0x000000ff);
  c.apply(blend(128, 0, rgb32Image(1, 1, [0x00ff0000])));
  // src = FFFF0000 * 128/255 = 80800000; dest (opaque blue) * (255-128)/255: b = 127; a = 128 + 127 = 255.
  // Then the first pixel has X = FF, so the box's X bytes are cleared.
  assert.deepEqual(px(c), [0x0080007f]);
  const d = canvasWith(1, 1, 0x000000ff);
  d.apply(blend(128, 1, rgb32Image(1, 1, [0x00ff0000])));
  // DEST_HAS_ALPHA: the X byte (0) is the destination alpha and is kept as the result's.
  assert.deepEqual(px(d), [0x8080007f]);
  const e = canvasWith(1, 1, 0x00ffffff);
  e.apply(blend(0, 0, rgb32Image(1, 1, [0])));
  assert.deepEqual(px(e), [0x00ffffff], 'alpha 0 draws nothing');
  // A surface source with SRC_SURFACE_HAS_ALPHA reads its X byte as (premultiplied) alpha.
  const f = canvasWith(1, 1, 0x00000000);
  f.apply({ name: 'surface_create', body: { surface_id: 2, width: 1, height: 1, format: SURFACE_FMT.XRGB, flags: 0 } });
  setPx(f, [0x40400000], 2);
  f.apply(blend(255, 2, surfaceRef(2)));
  // over black opaque: r = 0x40 + 0 ; alpha 0x40 + 255*(191/255) = 0xff -> cleared.
  assert.deepEqual(px(f), [0x00400000]);
});

test('scaled copy, nearest: pixel centres sampled with pixman rounding', () => {
  const c = canvasWith(4, 1);
  c.apply(copy(R(0, 0, 4, 1), rgb32Image(2, 1, [0x00aa0000, 0x0000bb00]), R(0, 0, 2, 1)));
  // scale 0.5: centres 0.25, 0.75, 1.25, 1.75 -> 0, 0, 1, 1 (words copied raw)
  assert.deepEqual(px(c), [0x00aa0000, 0x00aa0000, 0x0000bb00, 0x0000bb00]);
  const d = canvasWith(2, 1);
  d.apply(copy(R(0, 0, 2, 1), rgb32Image(4, 1, [1, 2, 3, 4]), R(0, 0, 4, 1)));
  // scale 2: centres 1.0, 3.0 -> floor(x - 1/65536) = 0, 2
  assert.deepEqual(px(d), [1, 3]);
  // With a ROP the scaled image is ROP-combined.
  const e = canvasWith(4, 1, 0x000000ff);
  e.apply(copy(R(0, 0, 4, 1), rgb32Image(2, 1, [0x00aa0000, 0x0000bb00]), R(0, 0, 2, 1), { rop: OP_XOR }));
  assert.deepEqual(px(e), [0x00aa00ff, 0x00aa00ff, 0x0000bbff, 0x0000bbff]);
});

test('scaled copy, interpolated: pixman bilinear with 7-bit weights and a transparent outside', () => {
  const c = canvasWith(4, 1);
  c.apply(copy(R(0, 0, 4, 1), rgb32Image(2, 1, [0x00000000, 0x000000ff]), R(0, 0, 2, 1), { scale: 0 }));
  // Sample x (centre) 0.25 -> left neighbour -1 (outside: 0) weight 64/256, pixel 0 weight 192/256:
  //   alpha = 255 * 192/256 = 191.25 -> 191, blue 0.
  // 0.75 -> pixels 0/1 with weights 192/64: blue = 255 * 64/256 = 63; 1.25 -> 64/192: blue 191;
  // 1.75 -> pixel 1 (192/256) and outside: alpha 191, blue 191.
  assert.deepEqual(px(c), [0xbf000000, 0xff00003f, 0xff0000bf, 0xbf0000bf]);
});

test('draw_rop3 with a colour and with a pattern', () => {
  const c = canvasWith(2, 1);
  setPx(c, [0x00ff00ff, 0x00aaaaaa]);
  const src = rgb32Image(2, 1, [0x000f0f0f, 0x00f0f0f0]);
  const rop3 = (code: number, brush: unknown) => ({ name: 'draw_rop3', body: { base: base(R(0, 0, 2, 1)), data: {
    src_bitmap: src, src_area: R(0, 0, 2, 1), brush, rop3: code, scale_mode: 1, mask: noMask } } });
  c.apply(rop3(0x5a, solid(0x00ffff00))); // P ^ D
  assert.deepEqual(px(c), [0x0000ffff, 0x005555aa]);
  c.apply(rop3(0xb8, pattern(rgb32Image(1, 1, [0x00123456])))); // S ? D : P
  assert.deepEqual(px(c), [((0x000f0f0f & 0x0000ffff) | (~0x000f0f0f & 0x00123456)) >>> 0, ((0x00f0f0f0 & 0x005555aa) | (~0x00f0f0f0 & 0x00123456)) >>> 0]);
  // A source smaller than the box is an error.
  assert.equal(errCode(() => c.apply({ name: 'draw_rop3', body: { base: base(R(0, 0, 2, 1)), data: {
    src_bitmap: rgb32Image(1, 1, [0]), src_area: R(0, 0, 2, 1), brush: solid(0), rop3: 0xcc, scale_mode: 1, mask: noMask } } })), ErrorCode.INCONSISTENT);
});

const composite = (flags: number, src: unknown, o: { mask?: unknown; box?: Rect; so?: [number, number]; mo?: [number, number]; st?: unknown } = {}) => ({
  name: 'draw_composite', body: { base: base(o.box ?? R(0, 0, 1, 1)), data: {
    flags, src_bitmap: src, mask_bitmap: o.mask, src_transform: o.st, src_origin: { x: o.so?.[0] ?? 0, y: o.so?.[1] ?? 0 },
    mask_origin: { x: o.mo?.[0] ?? 0, y: o.mo?.[1] ?? 0 } } },
});

test('draw_composite: OVER with a premultiplied source, ADD, masks and repeat', () => {
  const argb = (w: number, h: number, fill: number) => {
    const c = canvasWith(w, h, fill, SURFACE_FMT.ARGB);
    return c;
  };
  const c = argb(1, 1, 0xff0000ff);
  const src = { descriptor: { id: 0n, type: 0, flags: 0, width: 1, height: 1 }, bitmap: { format: 9, flags: 4, x: 1, y: 1, stride: 4, palette: null, data: Uint8Array.of(0, 0, 0x80, 0x80) } };
  c.apply(composite(3, src));
  // 80800000 OVER ff0000ff: b = 255*127/255 = 127, a = 128 + 127 = 255.
  assert.deepEqual(px(c), [0xff80007f]);
  const a = argb(2, 1, 0x10101010);
  a.apply(composite(0x0c, rgb32Image(1, 1, [0x00f0f0f0]), { box: R(0, 0, 2, 1) }));
  // ADD, source xRGB read as opaque, saturating; second pixel samples outside the source (transparent): unchanged.
  assert.deepEqual(px(a), [0xffffffff, 0x10101010]);
  const r = argb(3, 1, 0);
  r.apply(composite(1 | (1 << 14), rgb32Image(2, 1, [0x00000001, 0x00000002]), { box: R(0, 0, 3, 1), so: [1, 0] }));
  // SRC with NORMAL repeat from x = 1: 2, 1, 2 (x8r8g8b8 read opaque into ARGB).
  assert.deepEqual(px(r), [0xff000002, 0xff000001, 0xff000002]);
  // A8 surface as the mask: SRC IN mask.
  const m = argb(1, 1, 0);
  m.apply({ name: 'surface_create', body: { surface_id: 1, width: 1, height: 1, format: SURFACE_FMT.A8, flags: 0 } });
  setPx(m, [0x80000000], 1);
  m.apply(composite(1 | (1 << 19), rgb32Image(1, 1, [0x00ff0000]), { mask: surfaceRef(1) }));
  // ffff0000 * 128/255 = 80800000
  assert.deepEqual(px(m), [0x80800000]);
  // Component alpha: each channel by its own mask channel.
  m.apply({ name: 'surface_create', body: { surface_id: 2, width: 1, height: 1, format: SURFACE_FMT.ARGB, flags: 0 } });
  setPx(m, [0xff80ff00], 2);
  m.apply(composite(1 | (1 << 19) | (1 << 18), rgb32Image(1, 1, [0x00ffffff]), { mask: surfaceRef(2) }));
  assert.deepEqual(px(m), [0xff80ff00]);
});

test('draw_composite: a float operator (SATURATE) and a source transform', () => {
  const c = canvasWith(1, 1, 0x80000000, SURFACE_FMT.ARGB);
  c.apply(composite(0x0d, rgb32Image(1, 1, [0x000000ff])));
  // SATURATE: s * min(1, (1 - da)/sa) + d: da = 128/255, sa = 1 -> blue 255*(127/255) -> 127.49.. truncated
  // by pixman's float_to_unorm to 127; alpha 1 -> 255.
  assert.deepEqual(px(c), [0xff00007f]);
  const t = canvasWith(2, 1, 0, SURFACE_FMT.ARGB);
  // Transform x' = x + 1 (t02 = 1.0): dest 0 samples source 1, dest 1 samples source 2 (outside: 0).
  t.apply(composite(1 | (1 << 20), rgb32Image(2, 1, [0x00000011, 0x00000022]), { box: R(0, 0, 2, 1), st: { t00: 65536, t01: 0, t02: 65536, t10: 0, t11: 65536, t12: 0 } }));
  assert.deepEqual(px(t), [0xff000022, 0]);
  assert.equal(errCode(() => t.apply(composite(0x0e, rgb32Image(1, 1, [0])))), ErrorCode.INCONSISTENT);
});

test('draw_text: fore brush through the glyph coverage, back area, refused modes', () => {
  // One A1 glyph 2x2 at (1, 0): rows are stored bottom-up, MSB first. Top row "11", bottom row "10".
  const str = { length: 1, flags: 1, glyphs_a1: [{ render_pos: { x: 1, y: 2 }, glyph_origin: { x: 0, y: -2 }, width: 2, height: 2, data: Uint8Array.of(0x80, 0xc0) }] };
  const text = (foreMode: number, back: Rect, box = R(0, 0, 4, 2)) => ({ name: 'draw_text', body: { base: base(box), data: {
    str, back_area: back, fore_brush: solid(0x00ff0000), back_brush: solid(0x000000ff), fore_mode: foreMode, back_mode: OP_PUT } } });
  const c = canvasWith(4, 2, 0x00010101);
  c.apply(text(OP_PUT, R(0, 0, 0, 0)));
  // Covered pixels get the opaque brush; the first mask pixel has X = FF, so the mask box's X bytes are cleared.
  assert.deepEqual(px(c), [0x00010101, 0x00ff0000, 0x00ff0000, 0x00010101, 0x00010101, 0x00ff0000, 0x00010101, 0x00010101]);
  const b = canvasWith(4, 2, 0);
  b.apply(text(OP_PUT, R(0, 0, 4, 1)));
  assert.deepEqual(px(b), [0xff, 0x00ff0000, 0x00ff0000, 0xff, 0, 0x00ff0000, 0, 0]);
  const refused = canvasWith(4, 2, 0);
  refused.apply(text(OP_XOR, R(0, 0, 4, 1)));
  assert.deepEqual(px(refused), new Array(8).fill(0));
});

test('draw_stroke: spans clipped to box and clip, drawn with the fore ROP', () => {
  const c = canvasWith(6, 3);
  const path = { num_segments: 1, segments: [{ flags: 1 | 2, count: 2, points: [{ x: 0, y: 16 }, { x: 5 * 16, y: 16 }] }] };
  const stroke = (box: Rect, clip?: Rect[]) => ({ name: 'draw_stroke', body: { base: base(box, { clip }), data: {
    path, attr: { flags: 0 }, brush: solid(0x0f), fore_mode: OP_XOR, back_mode: OP_PUT } } });
  c.apply(stroke(R(0, 0, 6, 3)));
  // Cosmetic line, last point excluded: (0..4, 1).
  assert.deepEqual(px(c), [0, 0, 0, 0, 0, 0, 0xf, 0xf, 0xf, 0xf, 0xf, 0, 0, 0, 0, 0, 0, 0]);
  c.apply(stroke(R(0, 0, 6, 3), [R(2, 0, 4, 3)]));
  assert.deepEqual(px(c).slice(6, 12), [0xf, 0xf, 0, 0, 0xf, 0]);
});

test('16-bit and A8 surfaces keep their precision', () => {
  const c = canvasWith(3, 1, 0, SURFACE_FMT.RGB555);
  c.apply(fill(R(0, 0, 1, 1), solid(0x7c00)));
  assert.deepEqual(px(c), [0xffff0000, 0, 0]);
  // An xRGB image is truncated to 5 bits per channel on the way in.
  c.apply(copy(R(0, 0, 3, 1), rgb32Image(3, 1, [0x00ffffff, 0x00070707, 0x00080808]), R(0, 0, 3, 1)));
  assert.deepEqual(px(c), [0xffffffff, 0xff000000, 0xff080808]);
  // XOR with a 16-bit colour stays a 16-bit value.
  c.apply(fill(R(0, 0, 3, 1), solid(0x0421), OP_XOR));
  // 0x7fff ^ 0x0421 = 0x7bde -> r 30, g 30, b 30 -> f7; 0 ^ 0x0421 -> 08; 0x0421 ^ 0x0421 -> 0.
  assert.deepEqual(px(c), [0xfff7f7f7, 0xff080808, 0xff000000]);
  const a = canvasWith(2, 1, 0, SURFACE_FMT.A8);
  a.apply(fill(R(0, 0, 2, 1), solid(0x1280)));
  assert.deepEqual(px(a), [0x80000000, 0x80000000]);
});

test('surfaces: create, destroy, primary reuse, reset, errors', () => {
  const events: string[] = [];
  const c = new DisplayCanvas({
    onInvalidate: (id, r) => events.push(`inv ${id} ${r.left},${r.top},${r.right},${r.bottom}`),
    onSurfaceCreated: (s) => events.push(`create ${s.id}`),
    onSurfaceDestroyed: (id) => events.push(`destroy ${id}`),
    maxSurfacePixels: 100,
  });
  c.apply({ name: 'surface_create', body: { surface_id: 0, width: 4, height: 2, format: 32, flags: 1 } });
  c.apply(fill(R(-1, 1, 2, 9), solid(5)));
  assert.deepEqual(events, ['create 0', 'inv 0 0,0,4,2', 'inv 0 0,1,2,2']);
  // Same-size primary: kept with its content.
  c.apply({ name: 'surface_create', body: { surface_id: 0, width: 4, height: 2, format: 32, flags: 1 } });
  assert.equal(c.surface(0).pixels[4], 5);
  c.apply({ name: 'reset', body: {} });
  assert.equal(c.surface(0).pixels[4], 0);
  c.apply({ name: 'surface_create', body: { surface_id: 7, width: 2, height: 2, format: 96, flags: 0 } });
  events.length = 0;
  c.apply(fill(R(0, 0, 2, 2), solid(1), OP_PUT, { surface: 7 }));
  assert.deepEqual(events, [], 'off-screen surfaces report no damage');
  c.apply({ name: 'surface_destroy', body: { surface_id: 7 } });
  assert.equal(errCode(() => c.apply(fill(R(0, 0, 1, 1), solid(1), OP_PUT, { surface: 7 }))), ErrorCode.INCONSISTENT);
  assert.equal(errCode(() => c.apply({ name: 'surface_create', body: { surface_id: 8, width: 20, height: 20, format: 32, flags: 0 } })), ErrorCode.LIMIT);
  assert.equal(errCode(() => c.apply({ name: 'surface_create', body: { surface_id: 8, width: 2, height: 2, format: 33, flags: 0 } })), ErrorCode.INCONSISTENT);
});

test('stream frames: nearest scaling, bottom-up frames, clip rectangles', () => {
  const c = canvasWith(4, 2);
  const frame = { width: 2, height: 2, pixels: Uint32Array.of(0xff000001, 0xff000002, 0xff000003, 0xff000004), format: 'xrgb' as const };
  c.drawStreamFrame(0, frame, 2, 1, R(0, 0, 4, 1), null, true);
  assert.deepEqual(px(c).slice(0, 4), [0xff000001, 0xff000001, 0xff000002, 0xff000002]);
  c.drawStreamFrame(0, frame, 2, 2, R(0, 0, 2, 2), { type: 1, rects: { num_rects: 1, rects: [R(0, 1, 2, 2)] } }, false);
  // Bottom-up: the frame's first row is the bottom one; only row 1 is inside the clip.
  assert.deepEqual(px(c).slice(4, 6), [0xff000001, 0xff000002]);
  assert.deepEqual(px(c).slice(0, 2), [0xff000001, 0xff000001]);
  assert.equal(errCode(() => c.drawStreamFrame(0, frame, 3, 1, R(0, 0, 1, 1), null, true)), ErrorCode.INCONSISTENT);
});

test('draw_composite: separable blend modes, a disjoint operator and component alpha', () => {
  const argbImg = (word: number) => ({ descriptor: { id: 0n, type: 0, flags: 0, width: 1, height: 1 },
    bitmap: { format: 9, flags: 4, x: 1, y: 1, stride: 4, palette: null, data: Uint8Array.of(word & 255, (word >>> 8) & 255, (word >>> 16) & 255, word >>> 24) } });
  const run = (flags: number, src: unknown, dest: number, o: { mask?: unknown; setup?: (c: DisplayCanvas) => void } = {}) => {
    const c = canvasWith(1, 1, dest, SURFACE_FMT.ARGB);
    o.setup?.(c);
    c.apply(composite(flags, src, { mask: o.mask }));
    return px(c)[0];
  };
  // MULTIPLY, both opaque: channel products d*s/255 with pixman rounding: 40*80 -> 20, 80*80 -> 40, c0*80 -> 60.
  assert.equal(run(0x30, argbImg(0xff808080), 0xff4080c0), 0xff204060);
  // SCREEN: s + d - s*d: (0x80, 0x40) -> 160 = a0, (0x80, 0x80) -> c0, (0x80, 0xc0) -> e0.
  assert.equal(run(0x31, argbImg(0xff808080), 0xff4080c0), 0xffa0c0e0);
  // DISJOINT_OVER (float): s + d * min(1, (1 - sa) / da) = OVER here: red 0x80, blue 255 * 127/255 -> 127.
  assert.equal(run(0x13, argbImg(0x80800000), 0xff0000ff), 0xff80007f);
  // Component-alpha OVER: white through mask (80, ff, 80, 00) over opaque black -> (ff, ff, 80, 00).
  assert.equal(run(3 | (1 << 19) | (1 << 18), rgb32Image(1, 1, [0x00ffffff]), 0xff000000, {
    mask: surfaceRef(1),
    setup: (c) => {
      c.apply({ name: 'surface_create', body: { surface_id: 1, width: 1, height: 1, format: SURFACE_FMT.ARGB, flags: 0 } });
      setPx(c, [0x80ff8000], 1);
    },
  }), 0xffff8000);
});

test('16_565 surfaces: six green bits; transparent keys compare 16-bit values', () => {
  const c = canvasWith(3, 1, 0, SURFACE_FMT.RGB565);
  c.apply(fill(R(0, 0, 1, 1), solid(0xf800)));
  c.apply(fill(R(1, 0, 2, 1), solid(0x07e0)));
  c.apply(fill(R(2, 0, 3, 1), solid(0x0020)));
  // g = 1 of 6 bits -> 1 << 2 | 1 >> 4 = 4
  assert.deepEqual(px(c), [0xffff0000, 0xff00ff00, 0xff000400]);
  const t = canvasWith(2, 1, 0, SURFACE_FMT.RGB555);
  setPx(t, [0xff080808, 0xff080808]);
  // Key 0x00ff0000 is 0x7c00 in x1r5g5b5; an image pixel 0x00f80000 packs to the same value and is skipped.
  t.apply({ name: 'draw_transparent', body: { base: base(R(0, 0, 2, 1)), data: {
    src_bitmap: rgb32Image(2, 1, [0x00f80000, 0x000000ff]), src_area: R(0, 0, 2, 1), src_color: 0, true_color: 0x00ff0000 } } });
  assert.deepEqual(px(t), [0xff080808, 0xff0000ff]);
});

test('draw_alpha_blend scaled (always nearest) and INVAL_LIST with an unknown resource type', () => {
  const c = canvasWith(2, 1, 0);
  c.apply({ name: 'draw_alpha_blend', body: { base: base(R(0, 0, 2, 1)), data: { alpha_flags: 0, alpha: 255,
    src_bitmap: rgb32Image(1, 1, [0x00123456]), src_area: R(0, 0, 1, 1) } } });
  assert.deepEqual(px(c), [0x00123456, 0x00123456]);
  assert.equal(errCode(() => c.apply({ name: 'inval_list', body: { count: 1, resources: [{ type: 2, id: 1n }] } })), ErrorCode.INCONSISTENT);
});
