/**
 * Reading and writing screenshot files: PNG (every colour type, bit depth and Adam7
 * interlacing on input; 8-bit RGB or RGBA on output) and netpbm (PPM/PGM, binary and plain).
 * Node-only. The formats live in image-png-encode.ts, image-png-decode.ts and image-pnm.ts.
 *
 * Pixels follow src/codecs/types.ts: 0xAARRGGBB words, rows top-down.
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { encodePng } from './image-png-encode.js';
import { encodePpm } from './image-pnm.js';
import type { RgbaImage } from './image-common.js';

export type { RgbaImage, ImageDecodeOptions } from './image-common.js';
export { encodePng, type PngEncodeOptions, type PngFilter } from './image-png-encode.js';
export { decodePng } from './image-png-decode.js';
export { encodePpm, decodePnm } from './image-pnm.js';

/** Writes `img` to `path`, format chosen by the extension: .png, or .ppm / .pnm (binary PPM). */
export async function writeImageFile(path: string, img: RgbaImage): Promise<void> {
  const ext = extname(path).toLowerCase();
  let bytes: Uint8Array;
  if (ext === '.png') bytes = encodePng(img);
  else if (ext === '.ppm' || ext === '.pnm') bytes = encodePpm(img);
  else {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `cannot tell the image format of '${path}': use a .png, .ppm or .pnm file name`);
  }
  await writeFile(path, bytes);
}
