/**
 * Text (DRAW_TEXT): renders a SPICE string of raster glyphs (1, 4 or 8 bits
 * per pixel) into an 8-bit coverage mask, as the reference canvas
 * (canvas_base.c) builds its string mask:
 *
 * - glyph i covers [render_pos + glyph_origin, + (width, height)); the mask is
 *   the bounding box of all glyph boxes (empty glyphs included);
 * - rows are stored bottom-up: the first row in the data is the glyph's
 *   bottom row. RASTER_TOP_DOWN is not honoured, as the reference never
 *   implemented it (and the Windows QXL driver, the one sender of text,
 *   writes rows bottom-up);
 * - each row is padded to a whole byte; A1 pixels are most significant bit
 *   first (coverage 0 or 255), A4 pixels high nibble first, scaled by 16
 *   (0x0 -> 0, 0xf -> 240, as the reference does: not 255);
 * - overlapping glyphs combine by OR (A1) or maximum (A4, A8), with one
 *   reference quirk kept for pixel-exactness: for the second pixel of an A4
 *   byte whose first nibble is non-zero, the reference's max() compares
 *   against the unmasked shifted byte and so stores that pixel's value even
 *   when a glyph drawn earlier left a larger one there;
 * - when several depth flags are set, A1 wins over A4 over A8; with none the
 *   reference draws no text, and an empty mask is returned.
 *
 * The reference's A8 path (marked untested there) reads the rows shifted by
 * one, starting past the glyph data; this renders A8 bottom-up like A1/A4.
 */
import type { Infer } from '../protocol/wire/types.js';
import type { SpiceString, RasterGlyphA1 } from '../protocol/schema/structs.js';
import { StringFlags } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { DEFAULT_MAX_PIXELS, type DecodeLimits } from '../codecs/types.js';

export type GlyphString = Infer<typeof SpiceString>;

/** An 8-bit coverage mask (0 = transparent, 255 = opaque) placed at (x, y). */
export interface GlyphMask {
  x: number;
  y: number;
  width: number;
  height: number;
  /** width*height bytes, row-major, top-down. */
  coverage: Uint8Array;
}

/** A1, A4 and A8 glyphs share one layout. */
type Glyph = Infer<typeof RasterGlyphA1>;

/** Renders every glyph of `str` at its render position; returns the mask covering them all. */
export function renderGlyphs(str: GlyphString, limits: DecodeLimits = {}): GlyphMask {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  let bpp: number;
  let glyphs: Glyph[] | undefined;
  if (str.flags & StringFlags.RASTER_A1) {
    bpp = 1;
    glyphs = str.glyphs_a1;
  } else if (str.flags & StringFlags.RASTER_A4) {
    bpp = 4;
    glyphs = str.glyphs_a4;
  } else if (str.flags & StringFlags.RASTER_A8) {
    bpp = 8;
    glyphs = str.glyphs_a8;
  } else {
    return emptyMask();
  }
  if (!glyphs || glyphs.length !== str.length) {
    throw new SpiceError(ErrorCode.INCONSISTENT, `DRAW_TEXT: string has ${glyphs?.length ?? 0} of ${str.length} glyphs`);
  }
  if (glyphs.length === 0) return emptyMask();

  // bounding box of all glyph boxes
  let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
  for (const g of glyphs) {
    const gl = g.render_pos.x + g.glyph_origin.x;
    const gt = g.render_pos.y + g.glyph_origin.y;
    if (gl < left) left = gl;
    if (gt < top) top = gt;
    if (gl + g.width > right) right = gl + g.width;
    if (gt + g.height > bottom) bottom = gt + g.height;
    const need = Math.ceil((g.width * bpp) / 8) * g.height;
    if (g.data.length < need) {
      throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `DRAW_TEXT: glyph of ${g.width}x${g.height} has ${g.data.length} of ${need} bytes`);
    }
  }
  const width = right - left;
  const height = bottom - top;
  if (width * height > maxPixels) {
    throw new SpiceError(ErrorCode.LIMIT, `DRAW_TEXT: text mask of ${width}x${height} is over ${maxPixels} pixels`);
  }
  const coverage = new Uint8Array(width * height);
  for (const g of glyphs) {
    const x0 = g.render_pos.x + g.glyph_origin.x - left;
    const y0 = g.render_pos.y + g.glyph_origin.y - top;
    if (bpp === 1) putA1(g, coverage, width, x0, y0);
    else if (bpp === 4) putA4(g, coverage, width, x0, y0);
    else putA8(g, coverage, width, x0, y0);
  }
  return { x: left, y: top, width, height, coverage };
}

function emptyMask(): GlyphMask {
  return { x: 0, y: 0, width: 0, height: 0, coverage: new Uint8Array(0) };
}

/** Byte offset of the stored row that lands on glyph row `row` (rows are stored bottom-up). */
function srcRow(g: Glyph, stride: number, row: number): number {
  return (g.height - 1 - row) * stride;
}

function putA1(g: Glyph, dst: Uint8Array, dstW: number, x0: number, y0: number): void {
  const stride = (g.width + 7) >> 3;
  const data = g.data;
  for (let row = 0; row < g.height; row++) {
    const s = srcRow(g, stride, row);
    const d = (y0 + row) * dstW + x0;
    for (let i = 0; i < g.width; i++) {
      if (data[s + (i >> 3)]! & (0x80 >> (i & 7))) dst[d + i] = 255;
    }
  }
}

function putA4(g: Glyph, dst: Uint8Array, dstW: number, x0: number, y0: number): void {
  const stride = (g.width + 1) >> 1;
  const data = g.data;
  const w = g.width;
  for (let row = 0; row < g.height; row++) {
    const s = srcRow(g, stride, row);
    const d = (y0 + row) * dstW + x0;
    for (let i = 0; i < w; i += 2) {
      const b = data[s + (i >> 1)]!;
      const hi = b & 0xf0;
      if (hi > dst[d + i]!) dst[d + i] = hi;
      if (i + 1 < w) {
        const lo = (b << 4) & 0xf0;
        // quirk: with a non-zero first nibble the reference always overwrites
        if (hi !== 0 || lo > dst[d + i + 1]!) dst[d + i + 1] = lo;
      }
    }
  }
}

function putA8(g: Glyph, dst: Uint8Array, dstW: number, x0: number, y0: number): void {
  const w = g.width;
  const data = g.data;
  for (let row = 0; row < g.height; row++) {
    const s = srcRow(g, w, row);
    const d = (y0 + row) * dstW + x0;
    for (let i = 0; i < w; i++) {
      const v = data[s + i]!;
      if (v > dst[d + i]!) dst[d + i] = v;
    }
  }
}
