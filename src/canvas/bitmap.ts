/**
 * Uncompressed SPICE bitmaps (image type BITMAP) to canvas images, and 1-bit
 * bitmaps to masks, with the reference client's rules:
 *
 * - rows are bottom-up unless TOP_DOWN; `stride` bytes per row;
 * - 32BIT is B,G,R,X (X kept raw), RGBA is B,G,R,A (premultiplied),
 *   24BIT is B,G,R (X = 0), 16BIT is x1r5g5b5, 8BIT_A is alpha only;
 * - palette formats go through the palette, whose entries are taken as
 *   pixels of the destination surface's format (32-bit words as they are on a
 *   32-bit surface, x1r5g5b5 values on a 16_555 one);
 * - 1BIT_BE and 4BIT_BE put the first pixel in the high bits. The reference
 *   aborts on 1BIT_LE/4BIT_LE bitmaps; here they are decoded with the first
 *   pixel in the low bits (the order the reference uses for 1BIT_LE masks);
 * - a palette index past the palette's end reads 0 (the reference reads
 *   uninitialized memory).
 */
import { BitmapFmt } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { expand555 } from './pixfmt.js';
import type { CanvasImage, ImageFormat } from './types.js';

const BITS_PER_PIXEL: Record<number, number> = {
  [BitmapFmt['1BIT_LE']]: 1, [BitmapFmt['1BIT_BE']]: 1, [BitmapFmt['4BIT_LE']]: 4, [BitmapFmt['4BIT_BE']]: 4,
  [BitmapFmt['8BIT']]: 8, [BitmapFmt['16BIT']]: 16, [BitmapFmt['24BIT']]: 24, [BitmapFmt['32BIT']]: 32,
  [BitmapFmt.RGBA]: 32, [BitmapFmt['8BIT_A']]: 8,
};

export interface BitmapInput {
  format: number;
  flags: number;
  x: number;
  y: number;
  stride: number;
  data: Uint8Array;
}

export function isPaletteFormat(fmt: number): boolean {
  return fmt >= BitmapFmt['1BIT_LE'] && fmt <= BitmapFmt['8BIT'];
}

function checkBitmap(bm: BitmapInput, maxPixels: number): number {
  const bpp = BITS_PER_PIXEL[bm.format];
  if (bpp === undefined) throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `bitmap: unknown format ${bm.format}`);
  if (bm.x * bm.y > maxPixels) throw new SpiceError(ErrorCode.LIMIT, `bitmap: ${bm.x}x${bm.y} is over the limit of ${maxPixels} pixels`);
  const rowBytes = Math.ceil((bm.x * bpp) / 8);
  if (bm.y > 0 && bm.stride < rowBytes) {
    throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `bitmap: stride ${bm.stride} is less than ${rowBytes} bytes for ${bm.x} pixels`);
  }
  if (bm.data.length < bm.stride * bm.y) {
    throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `bitmap: ${bm.data.length} bytes for ${bm.y} rows of ${bm.stride}`);
  }
  return bpp;
}

/**
 * Decodes a bitmap into its native canvas format. `palette` (entries as sent)
 * is needed for palette formats; `paletteTarget` is the format of the surface
 * the reference would expand the palette for ('xrgb' on 32-bit surfaces,
 * 'rgb555' on 16_555 ones).
 */
export function bitmapToImage(bm: BitmapInput, palette: Uint32Array | null, paletteTarget: ImageFormat, maxPixels: number): CanvasImage {
  checkBitmap(bm, maxPixels);
  const w = bm.x, h = bm.y, d = bm.data, stride = bm.stride;
  const out = new Uint32Array(w * h);
  const topDown = (bm.flags & 4) !== 0;
  let format: ImageFormat;
  let ents: Uint32Array | null = null;
  if (isPaletteFormat(bm.format)) {
    if (!palette) throw new SpiceError(ErrorCode.CORRUPT_IMAGE, 'bitmap: palette format without a palette');
    if (paletteTarget === 'xrgb' || paletteTarget === 'argb') {
      format = 'xrgb';
      ents = palette;
    } else if (paletteTarget === 'rgb555') {
      format = 'rgb555';
      ents = palette.map((v) => expand555(v & 0xffff));
    } else {
      throw new SpiceError(ErrorCode.UNSUPPORTED, `bitmap: palette bitmaps cannot be drawn on a ${paletteTarget} surface`);
    }
  } else {
    format = bm.format === BitmapFmt.RGBA ? 'argb' : bm.format === BitmapFmt['16BIT'] ? 'rgb555'
      : bm.format === BitmapFmt['8BIT_A'] ? 'a8' : 'xrgb';
  }
  const ent = (i: number): number => (ents && i < ents.length ? ents[i]! >>> 0 : 0);
  const outBytes = new Uint8Array(out.buffer);
  for (let row = 0; row < h; row++) {
    const s = row * stride;
    const o = (topDown ? row : h - 1 - row) * w;
    switch (bm.format) {
      case BitmapFmt['32BIT']: case BitmapFmt.RGBA:
        // B,G,R,X bytes are the words' little-endian layout (the hosts JavaScript runs on).
        outBytes.set(d.subarray(s, s + w * 4), o * 4);
        break;
      case BitmapFmt['24BIT']:
        for (let x = 0, i = s; x < w; x++, i += 3) out[o + x] = d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16);
        break;
      case BitmapFmt['16BIT']:
        for (let x = 0, i = s; x < w; x++, i += 2) out[o + x] = expand555(d[i]! | (d[i + 1]! << 8));
        break;
      case BitmapFmt['8BIT_A']:
        for (let x = 0; x < w; x++) out[o + x] = (d[s + x]! << 24) >>> 0;
        break;
      case BitmapFmt['8BIT']:
        for (let x = 0; x < w; x++) out[o + x] = ent(d[s + x]!);
        break;
      case BitmapFmt['4BIT_BE']:
        for (let x = 0; x < w; x++) { const b = d[s + (x >> 1)]!; out[o + x] = ent(x & 1 ? b & 15 : b >> 4); }
        break;
      case BitmapFmt['4BIT_LE']:
        for (let x = 0; x < w; x++) { const b = d[s + (x >> 1)]!; out[o + x] = ent(x & 1 ? b >> 4 : b & 15); }
        break;
      case BitmapFmt['1BIT_BE']: {
        const fg = ent(1), bg = ent(0);
        for (let x = 0; x < w; x++) out[o + x] = (d[s + (x >> 3)]! & (0x80 >> (x & 7))) ? fg : bg;
        break;
      }
      case BitmapFmt['1BIT_LE']: {
        const fg = ent(1), bg = ent(0);
        for (let x = 0; x < w; x++) out[o + x] = (d[s + (x >> 3)]! & (1 << (x & 7))) ? fg : bg;
        break;
      }
    }
  }
  return { width: w, height: h, pixels: out, format };
}

/**
 * A 1-bit bitmap as a mask image ('a1'); `invert` flips every bit. 1BIT_LE
 * has its first pixel in bit 0 (pixman's a1 order on little-endian hosts),
 * 1BIT_BE in bit 7. Other formats are an error, as in the reference.
 */
export function bitmapToMask(bm: BitmapInput, invert: boolean, maxPixels: number): CanvasImage {
  if (bm.format !== BitmapFmt['1BIT_LE'] && bm.format !== BitmapFmt['1BIT_BE']) {
    throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `mask: bitmap format ${bm.format} is not a 1-bit format`);
  }
  checkBitmap(bm, maxPixels);
  const w = bm.x, h = bm.y, d = bm.data, stride = bm.stride;
  const out = new Uint32Array(w * h);
  const topDown = (bm.flags & 4) !== 0;
  const be = bm.format === BitmapFmt['1BIT_BE'];
  for (let row = 0; row < h; row++) {
    const s = row * stride;
    const o = (topDown ? row : h - 1 - row) * w;
    for (let x = 0; x < w; x++) {
      const byte = d[s + (x >> 3)]!;
      const bit = be ? byte & (0x80 >> (x & 7)) : byte & (1 << (x & 7));
      out[o + x] = (bit !== 0) !== invert ? 0xff000000 : 0;
    }
  }
  return { width: w, height: h, pixels: out, format: 'a1' };
}
