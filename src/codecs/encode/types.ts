/**
 * What every image encoder reads: a rectangle of a frame buffer of 0xAARRGGBB
 * words (the pixel convention of src/codecs/types.ts), rows top-down.
 * Encoders read `pixels` in place where the format allows (full-width rectangles); LZ and
 * LZ4 copy narrower rectangles row by row, and GLZ keeps a copy because the viewer's
 * dictionary refers back to it.
 */

export interface EncodeSource {
  /** 0xAARRGGBB words; alpha is read only by formats that carry it. */
  pixels: Uint32Array;
  /** Words per row of `pixels`. */
  stride: number;
  /** The rectangle to encode, inside the buffer. */
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Checks that the rectangle lies inside the buffer (encoders call it first). */
export function checkSource(s: EncodeSource): void {
  if (!(s.width > 0 && s.height > 0 && s.x >= 0 && s.y >= 0 && s.x + s.width <= s.stride
    && (s.y + s.height - 1) * s.stride + s.x + s.width <= s.pixels.length)) {
    throw new RangeError(`encode rectangle ${s.width}x${s.height}+${s.x}+${s.y} is outside the buffer`);
  }
}
