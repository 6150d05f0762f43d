/**
 * PNG reader: every colour type and bit depth, Adam7 interlacing, PLTE + tRNS, CRCs checked,
 * critical chunks enforced; output is 8-bit 0xAARRGGBB words. Node-only (node:zlib).
 */
import { inflateSync } from 'node:zlib';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { DEFAULT_MAX_PIXELS } from '../codecs/types.js';
import { corrupt, type ImageDecodeOptions, type RgbaImage } from './image-common.js';
import { crc32, paeth, PNG_SIGNATURE } from './image-png-common.js';

const ADAM7: readonly (readonly [number, number, number, number])[] = [
  // x0, y0, dx, dy
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];

const VALID_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16],
};
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const COLOUR_NAMES: Record<number, string> = { 0: 'grey', 2: 'RGB', 3: 'palette', 4: 'grey+alpha', 6: 'RGBA' };

interface PngHeader {
  width: number; height: number; depth: number; colour: number; interlace: number;
}

function passSize(h: PngHeader, pass: number): [number, number] {
  if (h.interlace === 0) return pass === 0 ? [h.width, h.height] : [0, 0];
  const [x0, y0, dx, dy] = ADAM7[pass]!;
  return [Math.ceil(Math.max(0, h.width - x0) / dx), Math.ceil(Math.max(0, h.height - y0) / dy)];
}

function rowBytes(h: PngHeader, w: number): number {
  return Math.ceil((w * CHANNELS[h.colour]! * h.depth) / 8);
}

/** Undoes the row filters of one pass in place; `data[start..]` holds rows of 1 + rb bytes. */
function unfilter(data: Uint8Array, start: number, rows: number, rb: number, bpp: number): void {
  const stride = rb + 1;
  for (let y = 0; y < rows; y++) {
    const o = start + y * stride + 1;
    const ft = data[o - 1]!;
    const up = o - stride; // previous row's first byte (only used when y > 0)
    switch (ft) {
      case 0: break;
      case 1:
        for (let i = bpp; i < rb; i++) data[o + i] = data[o + i]! + data[o + i - bpp]!;
        break;
      case 2:
        if (y > 0) for (let i = 0; i < rb; i++) data[o + i] = data[o + i]! + data[up + i]!;
        break;
      case 3:
        for (let i = 0; i < rb; i++) {
          const left = i >= bpp ? data[o + i - bpp]! : 0;
          const above = y > 0 ? data[up + i]! : 0;
          data[o + i] = data[o + i]! + ((left + above) >> 1);
        }
        break;
      case 4:
        for (let i = 0; i < rb; i++) {
          const left = i >= bpp ? data[o + i - bpp]! : 0;
          const above = y > 0 ? data[up + i]! : 0;
          const ul = y > 0 && i >= bpp ? data[up + i - bpp]! : 0;
          data[o + i] = data[o + i]! + paeth(left, above, ul);
        }
        break;
      default:
        throw corrupt(`PNG row ${y} has unknown filter type ${ft}`);
    }
  }
}

/** Decodes a PNG of any standard colour type, bit depth and interlacing to 8-bit RGBA words. */
export function decodePng(data: Uint8Array, opts: ImageDecodeOptions = {}): RgbaImage {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (data.length < 8 || PNG_SIGNATURE.some((b, i) => data[i] !== b)) throw corrupt('not a PNG file (bad signature)');
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let hdr: PngHeader | undefined;
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  const idats: Uint8Array[] = [];
  let idatLen = 0;
  let ended = false;
  let lastWasIdat = false;
  let idatDone = false;
  let o = 8;
  while (o < data.length) {
    if (o + 12 > data.length) throw corrupt(`PNG truncated: chunk header at byte ${o} is cut short`);
    const len = dv.getUint32(o);
    const type = String.fromCharCode(data[o + 4]!, data[o + 5]!, data[o + 6]!, data[o + 7]!);
    if (!/^[A-Za-z]{4}$/.test(type)) throw corrupt(`PNG chunk at byte ${o} has an invalid type`);
    if (len > 0x7fffffff || o + 12 + len > data.length) throw corrupt(`PNG truncated: chunk ${type} at byte ${o} claims ${len} bytes, file has ${data.length - o - 12}`);
    const body = data.subarray(o + 8, o + 8 + len);
    const want = dv.getUint32(o + 8 + len);
    const got = crc32(data, o + 4, o + 8 + len);
    if (want !== got) throw corrupt(`PNG chunk ${type} at byte ${o} has a bad CRC (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`);
    o += 12 + len;
    if (!hdr && type !== 'IHDR') throw corrupt(`PNG starts with chunk ${type}, IHDR must come first`);
    if (type === 'IDAT' && idatDone) throw corrupt('PNG has IDAT chunks that are not consecutive');
    if (type !== 'IDAT' && lastWasIdat) idatDone = true;
    lastWasIdat = type === 'IDAT';
    switch (type) {
      case 'IHDR': {
        if (hdr) throw corrupt('PNG has more than one IHDR');
        if (len !== 13) throw corrupt(`PNG IHDR is ${len} bytes, must be 13`);
        const bv = new DataView(body.buffer, body.byteOffset, 13);
        hdr = { width: bv.getUint32(0), height: bv.getUint32(4), depth: body[8]!, colour: body[9]!, interlace: body[12]! };
        if (hdr.width === 0 || hdr.height === 0 || hdr.width > 0x7fffffff || hdr.height > 0x7fffffff) throw corrupt(`PNG size ${hdr.width}x${hdr.height} is invalid`);
        const depths = VALID_DEPTHS[hdr.colour];
        if (!depths) throw corrupt(`PNG colour type ${hdr.colour} is invalid`);
        if (!depths.includes(hdr.depth)) throw corrupt(`PNG bit depth ${hdr.depth} is invalid for colour type ${hdr.colour} (${COLOUR_NAMES[hdr.colour]})`);
        if (body[10] !== 0) throw corrupt(`PNG compression method ${body[10]} is unknown`);
        if (body[11] !== 0) throw corrupt(`PNG filter method ${body[11]} is unknown`);
        if (hdr.interlace > 1) throw corrupt(`PNG interlace method ${hdr.interlace} is unknown`);
        if (hdr.width * hdr.height > maxPixels) {
          throw new SpiceError(ErrorCode.LIMIT, `PNG is ${hdr.width}x${hdr.height}, more than the limit of ${maxPixels} pixels`);
        }
        break;
      }
      case 'PLTE':
        if (len % 3 !== 0 || len === 0 || len > 768) throw corrupt(`PNG PLTE is ${len} bytes, must be a multiple of 3 up to 768`);
        if (idats.length) throw corrupt('PNG PLTE comes after IDAT');
        palette = body;
        break;
      case 'tRNS':
        if (idats.length) throw corrupt('PNG tRNS comes after IDAT');
        trns = body;
        break;
      case 'IDAT':
        idats.push(body);
        idatLen += len;
        break;
      case 'IEND':
        ended = true;
        break;
      default:
        // Bit 5 of the first letter clear = critical: we must understand it to show the image.
        if ((type.charCodeAt(0) & 0x20) === 0) throw corrupt(`PNG has unknown critical chunk ${type}`);
    }
    if (ended) break;
  }
  if (!hdr) throw corrupt('PNG has no IHDR');
  if (!ended) throw corrupt('PNG truncated: no IEND chunk');
  if (idats.length === 0) throw corrupt('PNG has no IDAT chunk');
  if (hdr.colour === 3 && !palette) throw corrupt('palette PNG has no PLTE chunk');

  // Exact size of the filtered data, so the inflater can stop a zip bomb early.
  const passes: { w: number; h: number; rb: number; start: number }[] = [];
  let expected = 0;
  for (let p = 0; p < (hdr.interlace ? 7 : 1); p++) {
    const [w, h] = passSize(hdr, p);
    if (w === 0 || h === 0) continue;
    const rb = rowBytes(hdr, w);
    passes.push({ w, h, rb, start: expected });
    expected += (rb + 1) * h;
  }
  const compressed = idats.length === 1 ? idats[0]! : concat(idats, idatLen);
  let raw: Uint8Array;
  try {
    raw = inflateSync(compressed, { maxOutputLength: Math.max(expected, 1) });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw corrupt(`PNG image data is longer than the ${expected} bytes its ${hdr.width}x${hdr.height} header needs`);
    throw corrupt(`PNG image data does not inflate: ${(e as Error).message}`);
  }
  if (raw.length < expected) throw corrupt(`PNG image data is ${raw.length} bytes, its ${hdr.width}x${hdr.height} header needs ${expected}`);

  const bpp = Math.max(1, (CHANNELS[hdr.colour]! * hdr.depth) >> 3);
  const pixels = new Uint32Array(hdr.width * hdr.height);
  const lut = buildPaletteLut(hdr, palette, trns);
  for (let p = 0, i = 0; p < (hdr.interlace ? 7 : 1); p++) {
    const [w, h] = passSize(hdr, p);
    if (w === 0 || h === 0) continue;
    const ps = passes[i++]!;
    unfilter(raw, ps.start, ps.h, ps.rb, bpp);
    const [x0, y0, dx, dy] = hdr.interlace ? ADAM7[p]! : [0, 0, 1, 1];
    convertPass(hdr, raw, ps.start, ps.w, ps.h, ps.rb, lut, trns, pixels, x0, y0, dx, dy);
  }
  return { width: hdr.width, height: hdr.height, pixels };
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Palette (colour type 3) as ARGB words, with tRNS alpha; undefined for other types. */
function buildPaletteLut(h: PngHeader, palette: Uint8Array | undefined, trns: Uint8Array | undefined): Uint32Array | undefined {
  if (h.colour !== 3 || !palette) return undefined;
  const n = palette.length / 3;
  if (trns && trns.length > n) throw corrupt(`PNG tRNS has ${trns.length} entries, the palette only ${n}`);
  const lut = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const a = trns && i < trns.length ? trns[i]! : 255;
    lut[i] = ((a << 24) | (palette[3 * i]! << 16) | (palette[3 * i + 1]! << 8) | palette[3 * i + 2]!) >>> 0;
  }
  return lut;
}

/** 16-bit sample to 8 bits, rounded (v / 257). */
function s16(hi: number, lo: number): number {
  return (((hi << 8) | lo) + 128) / 257 | 0;
}

function convertPass(
  h: PngHeader, raw: Uint8Array, start: number, w: number, rows: number, rb: number,
  lut: Uint32Array | undefined, trns: Uint8Array | undefined, px: Uint32Array,
  x0: number, y0: number, dx: number, dy: number,
): void {
  const W = h.width;
  const d = h.depth;
  // tRNS for grey / RGB: one colour (compared at full sample depth) is transparent.
  let tGrey = -1, tR = -1, tG = -1, tB = -1;
  if (trns && h.colour === 0) {
    if (trns.length < 2) throw corrupt('PNG tRNS for a grey image is shorter than 2 bytes');
    tGrey = (trns[0]! << 8) | trns[1]!;
  } else if (trns && h.colour === 2) {
    if (trns.length < 6) throw corrupt('PNG tRNS for an RGB image is shorter than 6 bytes');
    tR = (trns[0]! << 8) | trns[1]!; tG = (trns[2]! << 8) | trns[3]!; tB = (trns[4]! << 8) | trns[5]!;
  }
  for (let y = 0; y < rows; y++) {
    const o = start + y * (rb + 1) + 1;
    let di = (y0 + y * dy) * W + x0;
    switch (h.colour) {
      case 0:
      case 3: {
        if (d === 16) {
          for (let x = 0; x < w; x++, di += dx) {
            const v = (raw[o + 2 * x]! << 8) | raw[o + 2 * x + 1]!;
            const g = s16(raw[o + 2 * x]!, raw[o + 2 * x + 1]!);
            px[di] = ((v === tGrey ? 0 : 0xff000000) | (g << 16) | (g << 8) | g) >>> 0;
          }
        } else {
          const mask = (1 << d) - 1;
          const scale = 255 / mask;
          for (let x = 0; x < w; x++, di += dx) {
            const bit = x * d;
            const v = (raw[o + (bit >> 3)]! >> (8 - d - (bit & 7))) & mask;
            if (lut) {
              if (v >= lut.length) throw corrupt(`PNG palette index ${v} is beyond the ${lut.length}-entry palette`);
              px[di] = lut[v]!;
            } else {
              const g = v * scale;
              px[di] = ((v === tGrey ? 0 : 0xff000000) | (g << 16) | (g << 8) | g) >>> 0;
            }
          }
        }
        break;
      }
      case 2:
        if (d === 8) {
          for (let x = 0, s = o; x < w; x++, di += dx, s += 3) {
            const r = raw[s]!, g = raw[s + 1]!, b = raw[s + 2]!;
            const a = r === tR && g === tG && b === tB ? 0 : 0xff000000;
            px[di] = (a | (r << 16) | (g << 8) | b) >>> 0;
          }
        } else {
          for (let x = 0, s = o; x < w; x++, di += dx, s += 6) {
            const r = (raw[s]! << 8) | raw[s + 1]!, g = (raw[s + 2]! << 8) | raw[s + 3]!, b = (raw[s + 4]! << 8) | raw[s + 5]!;
            const a = r === tR && g === tG && b === tB ? 0 : 0xff000000;
            px[di] = (a | (s16(raw[s]!, raw[s + 1]!) << 16) | (s16(raw[s + 2]!, raw[s + 3]!) << 8) | s16(raw[s + 4]!, raw[s + 5]!)) >>> 0;
          }
        }
        break;
      case 4:
        if (d === 8) {
          for (let x = 0, s = o; x < w; x++, di += dx, s += 2) {
            const g = raw[s]!;
            px[di] = ((raw[s + 1]! << 24) | (g << 16) | (g << 8) | g) >>> 0;
          }
        } else {
          for (let x = 0, s = o; x < w; x++, di += dx, s += 4) {
            const g = s16(raw[s]!, raw[s + 1]!);
            px[di] = ((s16(raw[s + 2]!, raw[s + 3]!) << 24) | (g << 16) | (g << 8) | g) >>> 0;
          }
        }
        break;
      case 6:
        if (d === 8) {
          for (let x = 0, s = o; x < w; x++, di += dx, s += 4) {
            px[di] = ((raw[s + 3]! << 24) | (raw[s]! << 16) | (raw[s + 1]! << 8) | raw[s + 2]!) >>> 0;
          }
        } else {
          for (let x = 0, s = o; x < w; x++, di += dx, s += 8) {
            px[di] = ((s16(raw[s + 6]!, raw[s + 7]!) << 24) | (s16(raw[s]!, raw[s + 1]!) << 16)
              | (s16(raw[s + 2]!, raw[s + 3]!) << 8) | s16(raw[s + 4]!, raw[s + 5]!)) >>> 0;
          }
        }
        break;
    }
  }
}
