/**
 * Writing a screenshot file, the format chosen by the extension. PPM is
 * written by image-pnm.ts; the PNG encoder (and node:zlib under it) is loaded
 * only for .png names, so a PPM run starts without them. Node-only.
 */
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { encodePpm } from './image-pnm.js';
import type { RgbaImage } from './image-common.js';

/** Writes `img` to `path`, format chosen by the extension: .png, or .ppm / .pnm (binary PPM). */
export async function writeImageFile(path: string, img: RgbaImage): Promise<void> {
  const ext = extname(path).toLowerCase();
  let bytes: Uint8Array;
  if (ext === '.png') bytes = (await import('./image-png-encode.js')).encodePng(img);
  else if (ext === '.ppm' || ext === '.pnm') bytes = encodePpm(img);
  else {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `cannot tell the image format of '${path}': use a .png, .ppm or .pnm file name`);
  }
  // One synchronous write: the CLI has nothing else to do meanwhile.
  writeFileSync(path, bytes);
}
