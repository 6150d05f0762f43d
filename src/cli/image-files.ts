/**
 * Reading and writing screenshot files: PNG (every colour type, bit depth and Adam7
 * interlacing on input; 8-bit RGB or RGBA on output) and netpbm (PPM/PGM, binary and plain).
 * Node-only. The formats live in image-png-encode.ts, image-png-decode.ts and image-pnm.ts.
 *
 * Pixels follow src/codecs/types.ts: 0xAARRGGBB words, rows top-down.
 */
export type { RgbaImage, ImageDecodeOptions } from './image-common.js';
export { encodePng, type PngEncodeOptions, type PngFilter } from './image-png-encode.js';
export { decodePng } from './image-png-decode.js';
export { encodePpm, decodePnm } from './image-pnm.js';
export { writeImageFile } from './image-write.js';
