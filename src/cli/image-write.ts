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

/** The encoder for `path`'s extension: .png, or .ppm / .pnm (binary PPM); PNG's is loaded here. */
export async function imageEncoder(path: string): Promise<(img: RgbaImage) => Uint8Array> {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') {
    const { encodePng } = await import('./image-png-encode.js');
    return (img) => encodePng(img);
  }
  if (ext === '.ppm' || ext === '.pnm') return encodePpm;
  throw new SpiceError(ErrorCode.BAD_ARGUMENT, `cannot tell the image format of '${path}': use a .png, .ppm or .pnm file name`);
}

/** Writes `img` to `path`, format chosen by the extension: .png, or .ppm / .pnm (binary PPM). */
export async function writeImageFile(path: string, img: RgbaImage): Promise<void> {
  const encode = await imageEncoder(path);
  // One synchronous write: the CLI has nothing else to do meanwhile.
  writeFileSync(path, encode(img));
}
