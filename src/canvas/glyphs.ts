/**
 * Text (DRAW_TEXT): renders a SPICE string of raster glyphs (1, 4 or 8 bits
 * per pixel) into an 8-bit coverage mask.
 * (Interface placeholder; the implementation replaces the body.)
 */
import type { Infer } from '../protocol/wire/types.js';
import type { SpiceString } from '../protocol/schema/structs.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';

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

/** Renders every glyph of `str` at its render position; returns the mask covering them all. */
export function renderGlyphs(str: GlyphString): GlyphMask {
  void str;
  throw new SpiceError(ErrorCode.UNSUPPORTED, 'DRAW_TEXT glyph rendering is not implemented yet');
}
