/**
 * DRAW_TEXT glyph masks (src/canvas/glyphs.ts): placement, bit and nibble
 * order, bottom-up rows, how overlapping glyphs combine, bounds, refusals;
 * and a real Windows guest's text message (eyeos vector) whose changed
 * pixels must be exactly the mask.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderGlyphs, type GlyphString, type GlyphMask } from '../../../src/canvas/glyphs.js';
import { StringFlags } from '../../../src/protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../../src/protocol/errors.js';
import { decodeMessage } from '../../../src/protocol/messages.js';
import { channels } from '../../../src/protocol/schema/channels.js';
import { pngFromDataUrl } from '../../helpers/png-decode.js';

type Glyph = NonNullable<GlyphString['glyphs_a1']>[number];

function glyph(x: number, y: number, ox: number, oy: number, w: number, h: number, data: number[]): Glyph {
  return { render_pos: { x, y }, glyph_origin: { x: ox, y: oy }, width: w, height: h, data: Uint8Array.from(data) };
}
function str(bpp: 1 | 4 | 8, glyphs: Glyph[], extraFlags = 0): GlyphString {
  const flags = (bpp === 1 ? StringFlags.RASTER_A1 : bpp === 4 ? StringFlags.RASTER_A4 : StringFlags.RASTER_A8) | extraFlags;
  const key = bpp === 1 ? 'glyphs_a1' : bpp === 4 ? 'glyphs_a4' : 'glyphs_a8';
  return { length: glyphs.length, flags, [key]: glyphs };
}
/** Mask rows as arrays, top row first. */
function rows(m: GlyphMask): number[][] {
  const r: number[][] = [];
  for (let y = 0; y < m.height; y++) r.push([...m.coverage.subarray(y * m.width, (y + 1) * m.width)]);
  return r;
}
const isCode = (code: string) => (e: unknown) => e instanceof SpiceError && e.code === code;

test('A1: most significant bit first, rows stored bottom-up, coverage 0/255', () => {
  // first stored row 0x80 = leftmost pixel of the BOTTOM row; second 0x01 = rightmost of the top row
  const m = renderGlyphs(str(1, [glyph(10, 20, 0, 0, 8, 2, [0x80, 0x01])]));
  assert.deepEqual([m.x, m.y, m.width, m.height], [10, 20, 8, 2]);
  assert.deepEqual(rows(m), [
    [0, 0, 0, 0, 0, 0, 0, 255],
    [255, 0, 0, 0, 0, 0, 0, 0],
  ]);
});

test('A1: rows padded to whole bytes, padding bits ignored', () => {
  // 10 wide -> 2 bytes a row; 0xff 0xff sets all 10 pixels, not 16
  const m = renderGlyphs(str(1, [glyph(0, 0, 0, 0, 10, 2, [0xff, 0xff, 0x40, 0x3f])]));
  assert.deepEqual(rows(m), [
    [0, 255, 0, 0, 0, 0, 0, 0, 0, 0], // stored second: 0x40 0x3f, the 6 low bits of 0x3f are padding
    [255, 255, 255, 255, 255, 255, 255, 255, 255, 255],
  ]);
});

test('A4: high nibble first, scaled by 16 (0xf -> 240), odd width uses the high nibble only', () => {
  const m = renderGlyphs(str(4, [glyph(0, 0, 0, 0, 3, 2, [0x12, 0x30, 0xf1, 0x8f])]));
  assert.deepEqual(rows(m), [
    [0xf0, 0x10, 0x80], // second stored row: 0xf1 0x8f (the low nibble f is padding)
    [0x10, 0x20, 0x30],
  ]);
});

test('A8: one byte a pixel, rows bottom-up', () => {
  const m = renderGlyphs(str(8, [glyph(0, 0, 0, 0, 2, 3, [1, 2, 3, 4, 5, 6])]));
  assert.deepEqual(rows(m), [[5, 6], [3, 4], [1, 2]]);
});

test('position is render_pos + glyph_origin; the mask is the union of the glyph boxes', () => {
  const m = renderGlyphs(str(1, [
    glyph(100, 50, 1, -9, 1, 1, [0x80]), // box (101, 41) 1x1
    glyph(106, 50, -3, 2, 2, 1, [0xc0]), // box (103, 52) 2x1
  ]));
  assert.deepEqual([m.x, m.y, m.width, m.height], [101, 41, 4, 12]);
  const r = rows(m);
  assert.equal(r[0]![0], 255);
  assert.deepEqual(r[11], [0, 0, 255, 255]);
  assert.equal(m.coverage.reduce((a, v) => a + (v ? 1 : 0), 0), 3);
});

test('negative origins and positions', () => {
  const m = renderGlyphs(str(8, [glyph(-5, -7, -2, -1, 2, 1, [9, 8])]));
  assert.deepEqual([m.x, m.y, m.width, m.height], [-7, -8, 2, 1]);
  assert.deepEqual(rows(m), [[9, 8]]);
});

test('overlapping glyphs: OR for A1, maximum for A8', () => {
  const a1 = renderGlyphs(str(1, [glyph(0, 0, 0, 0, 4, 1, [0xa0]), glyph(1, 0, 0, 0, 4, 1, [0xc0])]));
  // first: 1010 at x 0..3; second: 1100 at x 1..4
  assert.deepEqual(rows(a1), [[255, 255, 255, 0, 0]]);
  const a8 = renderGlyphs(str(8, [glyph(0, 0, 0, 0, 3, 1, [10, 200, 30]), glyph(1, 0, 0, 0, 2, 1, [100, 20])]));
  assert.deepEqual(rows(a8), [[10, 200, 30]]);
  const a8b = renderGlyphs(str(8, [glyph(0, 0, 0, 0, 3, 1, [10, 50, 30]), glyph(1, 0, 0, 0, 2, 1, [100, 20])]));
  assert.deepEqual(rows(a8b), [[10, 100, 30]]);
});

test('overlapping A4 glyphs: maximum, except the reference quirk on a byte\'s second pixel', () => {
  // first glyph leaves [0x00, 0xf0]; the second writes byte 0x00 -> max keeps both
  assert.deepEqual(rows(renderGlyphs(str(4, [glyph(0, 0, 0, 0, 2, 1, [0x0f]), glyph(0, 0, 0, 0, 2, 1, [0x00])]))), [[0x00, 0xf0]]);
  // byte 0x01 (first nibble 0): max(0xf0, 0x10) keeps 0xf0
  assert.deepEqual(rows(renderGlyphs(str(4, [glyph(0, 0, 0, 0, 2, 1, [0x0f]), glyph(0, 0, 0, 0, 2, 1, [0x01])]))), [[0x00, 0xf0]]);
  // byte 0x10 (first nibble non-zero): the second pixel is overwritten with 0
  assert.deepEqual(rows(renderGlyphs(str(4, [glyph(0, 0, 0, 0, 2, 1, [0x0f]), glyph(0, 0, 0, 0, 2, 1, [0x10])]))), [[0x10, 0x00]]);
  // and the first pixel is a plain maximum
  assert.deepEqual(rows(renderGlyphs(str(4, [glyph(0, 0, 0, 0, 2, 1, [0xf0]), glyph(0, 0, 0, 0, 2, 1, [0x10])]))), [[0xf0, 0x00]]);
});

test('empty strings, no depth flag, empty glyphs', () => {
  for (const m of [
    renderGlyphs(str(1, [])),
    renderGlyphs({ length: 0, flags: 0 }),
    renderGlyphs({ length: 1, flags: StringFlags.RASTER_TOP_DOWN }),
  ]) {
    assert.equal(m.width * m.height, 0);
    assert.equal(m.coverage.length, 0);
  }
  // a 0x0 glyph still extends the box, as in the reference
  const m = renderGlyphs(str(1, [glyph(0, 0, 0, 0, 1, 1, [0x80]), glyph(5, 3, 0, 0, 0, 0, [])]));
  assert.deepEqual([m.x, m.y, m.width, m.height], [0, 0, 5, 3]);
});

test('A1 wins over A4 over A8 when several depth flags are set; TOP_DOWN changes nothing', () => {
  const g1 = [glyph(0, 0, 0, 0, 1, 1, [0x80])];
  const g8 = [glyph(0, 0, 0, 0, 1, 1, [7])];
  const s: GlyphString = { length: 1, flags: StringFlags.RASTER_A1 | StringFlags.RASTER_A8, glyphs_a1: g1, glyphs_a8: g8 };
  assert.deepEqual(rows(renderGlyphs(s)), [[255]]);
  const up = renderGlyphs(str(8, [glyph(0, 0, 0, 0, 1, 2, [1, 2])], StringFlags.RASTER_TOP_DOWN));
  assert.deepEqual(rows(up), [[2], [1]]);
});

test('oversized masks, short glyph data and inconsistent lengths are refused', () => {
  const far = str(1, [glyph(0, 0, 0, 0, 1, 1, [0x80]), glyph(100000, 100000, 0, 0, 1, 1, [0x80])]);
  assert.throws(() => renderGlyphs(far), isCode(ErrorCode.LIMIT));
  assert.throws(() => renderGlyphs(str(8, [glyph(0, 0, 0, 0, 64, 64, new Array(64 * 64).fill(1))]), { maxPixels: 1000 }), isCode(ErrorCode.LIMIT));
  assert.equal(renderGlyphs(str(8, [glyph(0, 0, 0, 0, 64, 64, new Array(64 * 64).fill(1))]), { maxPixels: 4096 }).coverage.length, 4096);
  assert.throws(() => renderGlyphs(str(4, [glyph(0, 0, 0, 0, 3, 2, [0x11, 0x22, 0x33])])), isCode(ErrorCode.CORRUPT_IMAGE));
  assert.throws(() => renderGlyphs({ length: 2, flags: StringFlags.RASTER_A1, glyphs_a1: [glyph(0, 0, 0, 0, 1, 1, [0])] }), isCode(ErrorCode.INCONSISTENT));
  assert.throws(() => renderGlyphs({ length: 1, flags: StringFlags.RASTER_A4 }), isCode(ErrorCode.INCONSISTENT));
});

test('real text from a Windows guest (eyeos DRAW_TEXT vector): changed pixels are exactly the mask', (t) => {
  const dir = process.env.SPICE_EYEOS_VECTORS ?? join(process.cwd(), '..', 'shared', 'vectors', 'eyeos-display');
  const file = join(dir, 'SPICE_MSG_DISPLAY_DRAW_TEXT_login_page.json');
  if (!existsSync(file)) {
    if (process.env.SPICE_INTEROP === 'required') assert.fail(`eyeos vector missing: ${file}`);
    t.skip(`no eyeos DRAW_TEXT vector at ${file} (set SPICE_EYEOS_VECTORS)`);
    return;
  }
  const v = JSON.parse(readFileSync(file, 'utf8')) as { object: string; origin: string; expected: string };
  const o = JSON.parse(v.object) as { header: { type: number; size: number }; body: { q: Record<string, number> } };
  const body = Uint8Array.from({ length: o.header.size }, (_, i) => o.body.q[String(i)] ?? 0);
  const msg = decodeMessage(channels.display, 'server', o.header.type, body) as unknown as {
    body: { base: { clip: { type: number } }; data: { str: GlyphString; fore_brush: { type: number; color?: number }; back_area: { left: number; right: number } } };
  };
  const { data, base } = msg.body;
  // the vector is the simple case: opaque solid brush, no clip, no background
  assert.equal(data.str.flags & StringFlags.RASTER_A1, StringFlags.RASTER_A1);
  assert.equal(base.clip.type, 0);
  assert.equal(data.back_area.right - data.back_area.left, 0);
  const color = data.fore_brush.color!;
  const mask = renderGlyphs(data.str);
  const before = pngFromDataUrl(v.origin), after = pngFromDataUrl(v.expected);
  let covered = 0;
  for (let y = 0; y < after.height; y++) {
    for (let x = 0; x < after.width; x++) {
      const i = (y * after.width + x) * 4;
      const mx = x - mask.x, my = y - mask.y;
      const cov = mx >= 0 && my >= 0 && mx < mask.width && my < mask.height ? mask.coverage[my * mask.width + mx]! : 0;
      const px = [after.rgba[i], after.rgba[i + 1], after.rgba[i + 2]];
      if (cov) {
        covered++;
        assert.deepEqual(px, [(color >> 16) & 255, (color >> 8) & 255, color & 255], `text pixel ${x},${y}`);
      } else {
        assert.deepEqual(px, [before.rgba[i], before.rgba[i + 1], before.rgba[i + 2]], `untouched pixel ${x},${y}`);
      }
    }
  }
  assert.ok(covered > 50, `only ${covered} text pixels`);
});
