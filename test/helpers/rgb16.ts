/**
 * How spice-gtk's LZ and GLZ decoders widen an RGB16 (x555) pixel to
 * 8 bits per channel, spelt as the byte arithmetic they use (the expected
 * values of the decoder tests).
 */
export function spiceRgb16(v: number): number {
  const hi = (v >>> 8) & 255;
  const lo = v & 255;
  let g = (((hi << 6) | (lo >>> 2)) & ~7) & 255;
  g |= g >>> 5;
  const r = (((hi << 1) & ~7) | ((hi >>> 4) & 7)) & 255;
  const b = ((lo << 3) | ((lo >>> 2) & 7)) & 255;
  return ((r << 16) | (g << 8) | b) >>> 0;
}
