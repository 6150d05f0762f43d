/**
 * What the image-file modules share: the image type, errors and checks.
 * PNG's own helpers (CRC-32, Paeth) are in image-png-common.ts.
 */
import { ErrorCode, SpiceError } from '../protocol/errors.js';

export interface RgbaImage {
  width: number;
  height: number;
  /** 0xAARRGGBB words, top-down, `width` per row. */
  pixels: Uint32Array;
}

export interface ImageDecodeOptions {
  /** Largest width*height accepted. Default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
}

export function corrupt(msg: string): SpiceError {
  return new SpiceError(ErrorCode.CORRUPT_IMAGE, msg);
}

export function checkImage(img: RgbaImage): void {
  const { width, height, pixels } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `image size ${width}x${height} is not a positive integer size`);
  }
  if (width > 0x7fffffff || height > 0x7fffffff) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `image size ${width}x${height} is too large for PNG`);
  if (pixels.length < width * height) {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `image has ${pixels.length} pixels, ${width}x${height} needs ${width * height}`);
  }
}
