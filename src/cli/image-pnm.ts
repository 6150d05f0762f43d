/**
 * Netpbm images: binary PPM (P6) out; P6, P5, P3 and P2 in, any maxval, comments.
 * (`import ... ppm:-` and QEMU's screendump write P6 with maxval 255.)
 */
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { DEFAULT_MAX_PIXELS } from '../codecs/types.js';
import { checkImage, corrupt, type ImageDecodeOptions, type RgbaImage } from './image-common.js';

/** Encodes an image as binary PPM (P6, maxval 255); alpha is dropped. */
export function encodePpm(img: RgbaImage): Uint8Array {
  checkImage(img);
  const { width: w, height: h, pixels: px } = img;
  const header = `P6\n${w} ${h}\n255\n`;
  const out = new Uint8Array(header.length + w * h * 3);
  for (let i = 0; i < header.length; i++) out[i] = header.charCodeAt(i);
  let o = header.length;
  const n = w * h;
  for (let i = 0; i < n; i++) {
    const p = px[i]!;
    out[o] = p >>> 16; out[o + 1] = p >>> 8; out[o + 2] = p;
    o += 3;
  }
  return out;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

/** Reads one header token: skips whitespace and '#' comments, returns the unsigned integer. */
function pnmInt(data: Uint8Array, pos: { o: number }, what: string): number {
  let o = pos.o;
  for (;;) {
    while (o < data.length && isSpace(data[o]!)) o++;
    if (o < data.length && data[o] === 0x23) {
      while (o < data.length && data[o] !== 0x0a && data[o] !== 0x0d) o++;
      continue;
    }
    break;
  }
  if (o >= data.length) throw corrupt(`PNM truncated: ${what} missing`);
  let v = 0, digits = 0;
  while (o < data.length && data[o]! >= 0x30 && data[o]! <= 0x39) {
    v = v * 10 + (data[o]! - 0x30);
    digits++; o++;
    if (v > 0xffffffff) throw corrupt(`PNM ${what} is too large`);
  }
  if (digits === 0) throw corrupt(`PNM ${what} is not a number (byte 0x${data[o]!.toString(16)} at ${o})`);
  pos.o = o;
  return v;
}

/**
 * Decodes a netpbm image: P6 (binary RGB), P5 (binary grey), P3 / P2 (plain text),
 * any maxval up to 65535 (scaled to 8 bits). Only the first image of a stream is read.
 */
export function decodePnm(data: Uint8Array, opts: ImageDecodeOptions = {}): RgbaImage {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (data.length < 2 || data[0] !== 0x50) throw corrupt('not a PNM file (does not start with P)');
  const kind = data[1]! - 0x30;
  if (kind !== 2 && kind !== 3 && kind !== 5 && kind !== 6) {
    throw corrupt(`PNM type P${String.fromCharCode(data[1]!)} is not supported (P2, P3, P5 and P6 are)`);
  }
  const pos = { o: 2 };
  const width = pnmInt(data, pos, 'width');
  const height = pnmInt(data, pos, 'height');
  const maxval = pnmInt(data, pos, 'maxval');
  if (width === 0 || height === 0) throw corrupt(`PNM size ${width}x${height} is invalid`);
  if (maxval === 0 || maxval > 65535) throw corrupt(`PNM maxval ${maxval} is not 1..65535`);
  if (width * height > maxPixels) throw new SpiceError(ErrorCode.LIMIT, `PNM is ${width}x${height}, more than the limit of ${maxPixels} pixels`);
  const channels = kind === 3 || kind === 6 ? 3 : 1;
  const n = width * height;
  // Check there is data for every sample before allocating (a plain sample takes at least one byte).
  const minBytes = n * channels * (kind === 5 || kind === 6 ? (maxval > 255 ? 2 : 1) : 1);
  if (data.length - pos.o < minBytes) {
    throw corrupt(`PNM truncated: raster is ${Math.max(0, data.length - pos.o - 1)} bytes, ${width}x${height} needs ${minBytes}`);
  }
  const px = new Uint32Array(n);
  // Scale table: sample value -> 8 bits, rounded.
  const scale = new Uint8Array(maxval + 1);
  for (let v = 0; v <= maxval; v++) scale[v] = Math.round((v * 255) / maxval);

  if (kind === 5 || kind === 6) {
    // Exactly one whitespace byte separates the header from the raster.
    if (pos.o >= data.length || !isSpace(data[pos.o]!)) throw corrupt('PNM header is not followed by whitespace before the raster');
    let o = pos.o + 1;
    const bps = maxval > 255 ? 2 : 1;
    const need = n * channels * bps;
    if (data.length - o < need) throw corrupt(`PNM truncated: raster is ${data.length - o} bytes, ${width}x${height} needs ${need}`);
    if (bps === 1) {
      if (channels === 3) {
        for (let i = 0; i < n; i++, o += 3) {
          const r = data[o]!, g = data[o + 1]!, b = data[o + 2]!;
          if (r > maxval || g > maxval || b > maxval) throw corrupt(`PNM sample at pixel ${i} is over maxval ${maxval}`);
          px[i] = (0xff000000 | (scale[r]! << 16) | (scale[g]! << 8) | scale[b]!) >>> 0;
        }
      } else {
        for (let i = 0; i < n; i++, o++) {
          const v = data[o]!;
          if (v > maxval) throw corrupt(`PNM sample at pixel ${i} is over maxval ${maxval}`);
          const g = scale[v]!;
          px[i] = (0xff000000 | (g << 16) | (g << 8) | g) >>> 0;
        }
      }
    } else {
      const s = new Array<number>(3);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < channels; c++, o += 2) {
          const v = (data[o]! << 8) | data[o + 1]!;
          if (v > maxval) throw corrupt(`PNM sample at pixel ${i} is over maxval ${maxval}`);
          s[c] = scale[v]!;
        }
        const r = s[0]!, g = channels === 3 ? s[1]! : r, b = channels === 3 ? s[2]! : r;
        px[i] = (0xff000000 | (r << 16) | (g << 8) | b) >>> 0;
      }
    }
  } else {
    const s = new Array<number>(3);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < channels; c++) {
        const v = pnmInt(data, pos, `sample ${c} of pixel ${i}`);
        if (v > maxval) throw corrupt(`PNM sample at pixel ${i} is ${v}, over maxval ${maxval}`);
        s[c] = scale[v]!;
      }
      const r = s[0]!, g = channels === 3 ? s[1]! : r, b = channels === 3 ? s[2]! : r;
      px[i] = (0xff000000 | (r << 16) | (g << 8) | b) >>> 0;
    }
  }
  return { width, height, pixels: px };
}
