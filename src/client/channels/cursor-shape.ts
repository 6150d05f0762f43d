/**
 * Cursor shapes as the cursor channel sends them, turned into ARGB images
 * (0xAARRGGBB, top-down, see src/codecs/types.ts) with a hot spot.
 *
 * Shape data after the header, by type (AND mask: 1 bit per pixel, rows
 * padded to bytes, most significant bit first):
 *   ALPHA    width*height 32-bit B,G,R,A words
 *   MONO     AND mask, then XOR mask (same layout)
 *   COLOR4   4-bit indices (2 per byte, high nibble first, rows padded to
 *            bytes), a 16-entry palette of 32-bit 0x00RRGGBB, then the AND mask
 *   COLOR8   8-bit indices, a 256-entry palette, then the AND mask
 *   COLOR16  16-bit x555 pixels, then the AND mask
 *   COLOR24  24-bit B,G,R pixels, then the AND mask
 *   COLOR32  32-bit B,G,R,X pixels, then the AND mask
 * For the mask-based types, an AND bit of 1 means "keep the screen": with a
 * colour of 0 that pixel is transparent; otherwise it is XOR with the screen
 * (the inverting parts of classic cursors). Images cannot invert what is
 * under them, so inverting pixels become a visible grey-on-dark checker,
 * readable on light and dark backgrounds alike.
 */
import { CursorType } from '../../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';

export interface CursorShape {
  width: number;
  height: number;
  hotX: number;
  hotY: number;
  /** 0xAARRGGBB, top-down, width per row. */
  pixels: Uint32Array;
  /** SPICE cursor type it came from. */
  type: number;
}

/** Largest cursor side accepted (pixels). */
export const MAX_CURSOR_SIDE = 1024;

const INVERT_LIGHT = 0xc0d0d0d0;
const INVERT_DARK = 0xc0303030;

function invertPixel(x: number, y: number): number {
  return ((x ^ y) & 1) ? INVERT_LIGHT : INVERT_DARK;
}

/** Decodes one shape; `data` is what follows the cursor header. */
export function decodeCursorShape(
  header: { type: number; width: number; height: number; hot_spot_x: number; hot_spot_y: number },
  data: Uint8Array,
  maxSide = MAX_CURSOR_SIDE,
): CursorShape {
  const { width: w, height: h, type } = header;
  if (w > maxSide || h > maxSide) {
    throw new SpiceError(ErrorCode.LIMIT, `cursor ${w}x${h} is larger than the limit (${maxSide} pixels a side)`, { channel: 'cursor' });
  }
  const n = w * h;
  const px = new Uint32Array(n);
  const maskStride = (w + 7) >> 3;
  const maskSize = maskStride * h;
  const need = (bytes: number, what: string) => {
    if (data.length < bytes) {
      throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `cursor ${w}x${h} (${what}) needs ${bytes} bytes of shape data, got ${data.length}`, { channel: 'cursor' });
    }
  };
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const andBit = (at: number, x: number, y: number) => (data[at + y * maskStride + (x >> 3)]! >> (7 - (x & 7))) & 1;
  // Pixels given as colours plus an AND mask.
  const masked = (maskAt: number, color: (i: number, x: number, y: number) => number) => {
    for (let y = 0, i = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++) {
        const c = color(i, x, y) & 0xffffff;
        if (andBit(maskAt, x, y)) px[i] = c === 0 ? 0 : invertPixel(x, y);
        else px[i] = (0xff000000 | c) >>> 0;
      }
    }
  };
  switch (type) {
    case CursorType.ALPHA:
      need(n * 4, 'alpha');
      for (let i = 0; i < n; i++) px[i] = dv.getUint32(i * 4, true);
      break;
    case CursorType.MONO: {
      need(maskSize * 2, 'mono');
      for (let y = 0, i = 0; y < h; y++) {
        for (let x = 0; x < w; x++, i++) {
          const a = andBit(0, x, y);
          const xr = andBit(maskSize, x, y);
          px[i] = a ? (xr ? invertPixel(x, y) : 0) : (xr ? 0xffffffff : 0xff000000);
        }
      }
      break;
    }
    case CursorType.COLOR4: {
      const stride = (w + 1) >> 1;
      const pal = stride * h;
      need(pal + 64 + maskSize, 'color4');
      masked(pal + 64, (_i, x, y) => {
        const b = data[y * stride + (x >> 1)]!;
        return dv.getUint32(pal + ((x & 1) ? b & 15 : b >> 4) * 4, true);
      });
      break;
    }
    case CursorType.COLOR8: {
      const pal = w * h;
      need(pal + 1024 + maskSize, 'color8');
      masked(pal + 1024, (i) => dv.getUint32(pal + data[i]! * 4, true));
      break;
    }
    case CursorType.COLOR16:
      need(n * 2 + maskSize, 'color16');
      masked(n * 2, (i) => {
        const v = dv.getUint16(i * 2, true);
        const r = (v >> 10) & 31, g = (v >> 5) & 31, b = v & 31;
        return (((r << 3) | (r >> 2)) << 16) | (((g << 3) | (g >> 2)) << 8) | ((b << 3) | (b >> 2));
      });
      break;
    case CursorType.COLOR24:
      need(n * 3 + maskSize, 'color24');
      masked(n * 3, (i) => data[i * 3]! | (data[i * 3 + 1]! << 8) | (data[i * 3 + 2]! << 16));
      break;
    case CursorType.COLOR32:
      need(n * 4 + maskSize, 'color32');
      masked(n * 4, (i) => dv.getUint32(i * 4, true));
      break;
    default:
      throw new SpiceError(ErrorCode.UNSUPPORTED, `cursor type ${type} is not a SPICE cursor type`, { channel: 'cursor' });
  }
  return {
    width: w, height: h, type, pixels: px,
    hotX: Math.min(header.hot_spot_x, w), hotY: Math.min(header.hot_spot_y, h),
  };
}
