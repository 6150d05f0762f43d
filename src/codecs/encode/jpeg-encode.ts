/**
 * Baseline JPEG (JFIF) encoder for SPICE JPEG images, written to produce what
 * spice-server's server/jpeg-encoder.c gets from libjpeg: RGB input,
 * jpeg_set_defaults (YCbCr, 2x2 chroma subsampling, accurate integer DCT, the
 * Annex K Huffman tables, no restart markers), jpeg_set_quality(quality, TRUE),
 * default quality 85 (spice-server's dcc.cpp).
 *
 * Every stage does libjpeg's arithmetic: its fixed-point RGB -> YCbCr, 2x2 box
 * downsampling with its alternating 1,2 rounding bias, edge replication to
 * whole blocks, the integer DCT and quantiser (jpeg-encode-fdct.ts), the
 * "dummy" blocks that fill a partial MCU, and the same marker layout; so for
 * the same pixels the file is the one `cjpeg -quality Q` writes.
 */
import { checkSource, type EncodeSource } from './types.js';
import { AC_CHROMA, AC_LUMA, DC_CHROMA, DC_LUMA, ZIGZAG_ORDER, huffmanCodes, quantTable, type HuffmanSpec } from './jpeg-encode-tables.js';
import { fdctQuantize, quantDivisors, type QuantDivisors } from './jpeg-encode-fdct.js';

export interface JpegEncodeOptions {
  /** 1..100 (rounded to an integer, as libjpeg takes it); default 85 (spice-server's). */
  quality?: number;
}

export const DEFAULT_JPEG_QUALITY = 85;

/** JPEG's own size limit: dimensions are 16-bit. */
const MAX_DIMENSION = 65535;

// libjpeg's RGB -> YCbCr (jccolor.c): 16-bit fixed point, Y rounded half up,
// Cb/Cr with a rounding term one short of a half so 255 never becomes 256.
const FIX16 = (x: number): number => Math.floor(x * 65536 + 0.5);
const Y_R = FIX16(0.299);
const Y_G = FIX16(0.587);
const Y_B = FIX16(0.114);
const CB_R = FIX16(0.16874);
const CB_G = FIX16(0.33126);
const C_HALF = FIX16(0.5);
const CR_G = FIX16(0.41869);
const CR_B = FIX16(0.08131);
const Y_ROUND = 1 << 15;
const C_OFFSET = (128 << 16) + (1 << 15) - 1;

/** Bytes one block can take at most: DC 11+11 bits, 63 AC of 16+10 bits, all doubled by 0xFF stuffing. */
const MAX_BLOCK_BYTES = 2 * Math.ceil((22 + 63 * 26) / 8);

/** Natural index -> zigzag position. */
const UNZIGZAG = new Uint8Array(64);
for (let k = 0; k < 64; k++) UNZIGZAG[ZIGZAG_ORDER[k]] = k;

const DC_L = huffmanCodes(DC_LUMA);
const AC_L = huffmanCodes(AC_LUMA);
const DC_C = huffmanCodes(DC_CHROMA);
const AC_C = huffmanCodes(AC_CHROMA);

/**
 * Encodes baseline JPEGs, keeping its sample planes, output buffer and
 * quantisation tables between images (not reentrant).
 */
export class JpegEncoder {
  readonly quality: number;
  private readonly qLuma: Uint8Array;
  private readonly qChroma: Uint8Array;
  /** 8 * quantiser by natural index: what the DCT's outputs are divided by. */
  private readonly divLuma: QuantDivisors;
  private readonly divChroma: QuantDivisors;
  private readonly header: { before: Uint8Array; after: Uint8Array };
  private readonly ws = new Int32Array(64);
  private readonly coefs = new Int32Array(64);
  /** Bit writer: [0] pending bits (right-aligned), [1] their count. */
  private readonly bits = new Int32Array(2);
  private yPlane = new Uint8Array(0);
  private cbPlane = new Uint8Array(0);
  private crPlane = new Uint8Array(0);
  private out = new Uint8Array(0);

  constructor(opts: JpegEncodeOptions = {}) {
    const q = opts.quality ?? DEFAULT_JPEG_QUALITY;
    if (!(q >= 1 && q <= 100)) throw new RangeError(`JPEG quality must be 1..100, got ${q}`);
    this.quality = Math.round(q);
    this.qLuma = quantTable(false, this.quality);
    this.qChroma = quantTable(true, this.quality);
    this.divLuma = quantDivisors(this.qLuma);
    this.divChroma = quantDivisors(this.qChroma);
    this.header = tablesHeader(this.qLuma, this.qChroma);
  }

  encode(src: EncodeSource): Uint8Array {
    checkSource(src);
    const { width, height } = src;
    if (width > MAX_DIMENSION || height > MAX_DIMENSION) {
      throw new RangeError(`JPEG cannot hold a ${width}x${height} image (dimensions are 16-bit)`);
    }
    const mcusX = Math.ceil(width / 16);
    const mcusY = Math.ceil(height / 16);
    // Y is padded to whole blocks, the chroma planes' source to whole MCUs (libjpeg's widths)
    const yBlocksX = Math.ceil(width / 8);
    const yBlocksY = Math.ceil(height / 8);
    const yStride = mcusX * 16;
    const cStride = mcusX * 8;
    if (this.yPlane.length < yStride * 16) this.yPlane = new Uint8Array(yStride * 16);
    if (this.cbPlane.length < cStride * 8) {
      this.cbPlane = new Uint8Array(cStride * 8);
      this.crPlane = new Uint8Array(cStride * 8);
    }
    const head = this.header;
    this.reserve(head.before.length + SOF0_LENGTH + head.after.length + mcusX * 6 * MAX_BLOCK_BYTES, 0);
    let op = writeHeader(this.out, head, width, height);
    this.bits[0] = 0;
    this.bits[1] = 0;
    let dcY = 0;
    let dcCb = 0;
    let dcCr = 0;
    const yPlane = this.yPlane;
    const cbPlane = this.cbPlane;
    const crPlane = this.crPlane;
    for (let my = 0; my < mcusY; my++) {
      this.convertRows(src, my * 16, yStride, cStride);
      // room for a whole MCU row before writing it: no checks in the block loop
      this.reserve(op + mcusX * 6 * MAX_BLOCK_BYTES + 16, op);
      const out = this.out;
      for (let mx = 0; mx < mcusX; mx++) {
        for (let b = 0; b < 4; b++) {
          const by = my * 2 + (b >> 1);
          const bx = mx * 2 + (b & 1);
          if (bx >= yBlocksX || by >= yBlocksY) {
            // libjpeg's dummy block: AC zero, DC copied from the block before, so a DC difference of 0
            op = this.dummyBlock(out, op);
            continue;
          }
          op = this.block(yPlane, (b >> 1) * 8 * yStride + bx * 8, yStride, this.divLuma, DC_L, AC_L, dcY, out, op);
          dcY = this.coefs[0];
        }
        op = this.block(cbPlane, mx * 8, cStride, this.divChroma, DC_C, AC_C, dcCb, out, op);
        dcCb = this.coefs[0];
        op = this.block(crPlane, mx * 8, cStride, this.divChroma, DC_C, AC_C, dcCr, out, op);
        dcCr = this.coefs[0];
      }
    }
    // pad the last byte with 1 bits, then EOI
    const n = this.bits[1];
    if (n > 0) op = putBits(this.out, op, this.bits, this.bits[0], n, (1 << (8 - n)) - 1, 8 - n);
    this.reserve(op + 2, op);
    this.out[op++] = 0xff;
    this.out[op++] = 0xd9;
    return this.out.slice(0, op);
  }

  /** Grows the output buffer to `size` bytes, keeping its first `keep`. */
  private reserve(size: number, keep: number): void {
    if (this.out.length >= size) return;
    const next = new Uint8Array(Math.max(size, this.out.length * 2));
    next.set(this.out.subarray(0, keep));
    this.out = next;
  }

  /**
   * Colour-converts the 16 rows of one MCU row starting at image row `y0`
   * into the Y plane (full resolution) and the Cb/Cr planes (2x2 averaged),
   * replicating the last column and row past the image's edges as libjpeg
   * does: full-resolution rows for Y and for the chroma averages' input, then
   * the last averaged chroma row.
   */
  private convertRows(src: EncodeSource, y0: number, yStride: number, cStride: number): void {
    const { pixels, stride, width, height } = src;
    const yPlane = this.yPlane;
    const cbPlane = this.cbPlane;
    const crPlane = this.crPlane;
    const pairs = yStride >> 1;
    // pixel pairs wholly inside the image, then the right edge (clamped to the last column)
    const fullPairs = width >> 1;
    for (let k = 0; k < 8; k++) {
      const r0 = y0 + 2 * k;
      const yo0 = 2 * k * yStride;
      const yo1 = yo0 + yStride;
      const co = k * cStride;
      if (r0 >= height) {
        // below the image: the last Y row and the last chroma row again
        yPlane.copyWithin(yo0, yo0 - yStride, yo0);
        yPlane.copyWithin(yo1, yo0 - yStride, yo0);
        cbPlane.copyWithin(co, co - cStride, co);
        crPlane.copyWithin(co, co - cStride, co);
        continue;
      }
      const s0 = (src.y + r0) * stride + src.x;
      const s1 = r0 + 1 < height ? s0 + stride : s0;
      const last = width - 1;
      for (let j = 0; j < pairs; j++) {
        let xa: number;
        let xb: number;
        if (j < fullPairs) {
          xa = 2 * j;
          xb = xa + 1;
        } else {
          xa = Math.min(2 * j, last);
          xb = Math.min(2 * j + 1, last);
        }
        const p00 = pixels[s0 + xa];
        const p01 = pixels[s0 + xb];
        const p10 = pixels[s1 + xa];
        const p11 = pixels[s1 + xb];
        let r = (p00 >>> 16) & 255;
        let g = (p00 >>> 8) & 255;
        let b = p00 & 255;
        yPlane[yo0 + 2 * j] = (Y_R * r + Y_G * g + Y_B * b + Y_ROUND) >> 16;
        let cb = (C_HALF * b - CB_R * r - CB_G * g + C_OFFSET) >> 16;
        let cr = (C_HALF * r - CR_G * g - CR_B * b + C_OFFSET) >> 16;
        r = (p01 >>> 16) & 255;
        g = (p01 >>> 8) & 255;
        b = p01 & 255;
        yPlane[yo0 + 2 * j + 1] = (Y_R * r + Y_G * g + Y_B * b + Y_ROUND) >> 16;
        cb += (C_HALF * b - CB_R * r - CB_G * g + C_OFFSET) >> 16;
        cr += (C_HALF * r - CR_G * g - CR_B * b + C_OFFSET) >> 16;
        r = (p10 >>> 16) & 255;
        g = (p10 >>> 8) & 255;
        b = p10 & 255;
        yPlane[yo1 + 2 * j] = (Y_R * r + Y_G * g + Y_B * b + Y_ROUND) >> 16;
        cb += (C_HALF * b - CB_R * r - CB_G * g + C_OFFSET) >> 16;
        cr += (C_HALF * r - CR_G * g - CR_B * b + C_OFFSET) >> 16;
        r = (p11 >>> 16) & 255;
        g = (p11 >>> 8) & 255;
        b = p11 & 255;
        yPlane[yo1 + 2 * j + 1] = (Y_R * r + Y_G * g + Y_B * b + Y_ROUND) >> 16;
        cb += (C_HALF * b - CB_R * r - CB_G * g + C_OFFSET) >> 16;
        cr += (C_HALF * r - CR_G * g - CR_B * b + C_OFFSET) >> 16;
        // libjpeg's h2v2 rounding: bias 1 on even output columns, 2 on odd ones
        const bias = 1 + (j & 1);
        cbPlane[co + j] = (cb + bias) >> 2;
        crPlane[co + j] = (cr + bias) >> 2;
      }
    }
  }

  /**
   * DCT, quantisation and Huffman coding of the block at plane[pos]; its DC
   * is left in this.coefs[0]. The bit writer's state is kept in locals here
   * (the hot path) and put back in this.bits at the end.
   */
  private block(plane: Uint8Array, pos: number, stride: number, divisors: QuantDivisors, dcCodes: Int32Array, acCodes: Int32Array,
    prevDc: number, out: Uint8Array, op: number): number {
    const coefs = this.coefs;
    fdctQuantize(plane, pos, stride, this.ws, divisors, UNZIGZAG, coefs);
    // Pending bits: `acc` holds them right-aligned (higher bits are stale), `cnt` < 8 of them between
    // symbols, so code + extra bits of up to 24 fit in 32. Whole bytes go out, 0xFF followed by 0x00.
    const bits = this.bits;
    let acc = bits[0];
    let cnt = bits[1];
    // DC: the difference's size category, then its low bits (negative values one's complement)
    const diff = coefs[0] - prevDc;
    let mag = diff < 0 ? -diff : diff;
    let size = mag === 0 ? 0 : 32 - Math.clz32(mag);
    let code = dcCodes[size];
    let len = code & 31;
    acc = (acc << (len + size)) | ((code >>> 5) << size) | ((diff < 0 ? diff - 1 : diff) & ((1 << size) - 1));
    cnt += len + size;
    while (cnt >= 8) {
      cnt -= 8;
      const byte = (acc >>> cnt) & 255;
      out[op++] = byte;
      if (byte === 255) out[op++] = 0;
    }
    // AC: (zero run, size) symbols and their bits, 16-zero runs as ZRL, EOB if zeros end the block
    let run = 0;
    for (let k = 1; k < 64; k++) {
      const v = coefs[k];
      if (v === 0) {
        run++;
        continue;
      }
      while (run > 15) {
        code = acCodes[0xf0];
        op = putBits(out, op, bits, acc, cnt, code >>> 5, code & 31);
        acc = bits[0];
        cnt = bits[1];
        run -= 16;
      }
      mag = v < 0 ? -v : v;
      size = 32 - Math.clz32(mag);
      code = acCodes[(run << 4) | size];
      len = code & 31;
      const extra = (v < 0 ? v - 1 : v) & ((1 << size) - 1);
      if (len + size <= 24) {
        acc = (acc << (len + size)) | ((code >>> 5) << size) | extra;
        cnt += len + size;
      } else {
        // a 16-bit code with 9 or 10 extra bits: in two steps
        op = putBits(out, op, bits, acc, cnt, code >>> 5, len);
        acc = (bits[0] << size) | extra;
        cnt = bits[1] + size;
      }
      while (cnt >= 8) {
        cnt -= 8;
        const byte = (acc >>> cnt) & 255;
        out[op++] = byte;
        if (byte === 255) out[op++] = 0;
      }
      run = 0;
    }
    if (run > 0) {
      code = acCodes[0];
      return putBits(out, op, bits, acc, cnt, code >>> 5, code & 31);
    }
    bits[0] = acc;
    bits[1] = cnt;
    return op;
  }

  /** A luma block of zeros whose DC equals the previous one: DC category 0, then EOB. */
  private dummyBlock(out: Uint8Array, op: number): number {
    const dc = DC_L[0];
    const eob = AC_L[0];
    op = putBits(out, op, this.bits, this.bits[0], this.bits[1], dc >>> 5, dc & 31);
    return putBits(out, op, this.bits, this.bits[0], this.bits[1], eob >>> 5, eob & 31);
  }
}

/**
 * Appends `n` (<= 24) bits to the `count` (< 8) pending ones in `acc`, writing
 * whole bytes (each 0xFF followed by a stuffed 0x00); the pending bits left
 * go to bits[0] (masked) and their count to bits[1].
 */
function putBits(out: Uint8Array, op: number, bits: Int32Array, acc: number, count: number, value: number, n: number): number {
  acc = (acc << n) | value;
  count += n;
  while (count >= 8) {
    count -= 8;
    const byte = (acc >>> count) & 255;
    out[op++] = byte;
    if (byte === 255) out[op++] = 0;
  }
  bits[0] = acc & ((1 << count) - 1);
  bits[1] = count;
  return op;
}

/** The marker segments before SOF0 (SOI, JFIF APP0, DQT x2) and after it (DHT x4, SOS), in libjpeg's order. */
function tablesHeader(qLuma: Uint8Array, qChroma: Uint8Array): { before: Uint8Array; after: Uint8Array } {
  const b: number[] = [0xff, 0xd8];
  // APP0 JFIF 1.01, no units, 1:1 pixel aspect, no thumbnail (libjpeg's defaults)
  b.push(0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0);
  for (const [id, q] of [[0, qLuma], [1, qChroma]] as const) {
    b.push(0xff, 0xdb, 0, 67, id);
    for (let k = 0; k < 64; k++) b.push(q[ZIGZAG_ORDER[k]]);
  }
  const a: number[] = [];
  const dht = (cls: number, id: number, spec: HuffmanSpec): void => {
    a.push(0xff, 0xc4, 0, 3 + 16 + spec.symbols.length, (cls << 4) | id, ...spec.counts, ...spec.symbols);
  };
  dht(0, 0, DC_LUMA);
  dht(1, 0, AC_LUMA);
  dht(0, 1, DC_CHROMA);
  dht(1, 1, AC_CHROMA);
  // SOS: 3 components (Y: tables 0/0, Cb and Cr: 1/1), spectral 0..63, no approximation
  a.push(0xff, 0xda, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0);
  return { before: Uint8Array.from(b), after: Uint8Array.from(a) };
}

const SOF0_LENGTH = 19;

/** Writes the header for a width x height image at out[0]; returns its length. */
function writeHeader(out: Uint8Array, head: { before: Uint8Array; after: Uint8Array }, width: number, height: number): number {
  out.set(head.before, 0);
  let op = head.before.length;
  // SOF0: 8-bit samples, 3 components: Y (id 1) sampled 2x2 with table 0, Cb and Cr (2, 3) 1x1 with table 1
  out.set([0xff, 0xc0, 0, 17, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1], op);
  op += SOF0_LENGTH;
  out.set(head.after, op);
  return op + head.after.length;
}

let lastEncoder: JpegEncoder | undefined;

/** Encodes `src` (RGB; alpha ignored) as a baseline JFIF JPEG (reusing one encoder while the quality stays the same). */
export function encodeJpeg(src: EncodeSource, opts?: JpegEncodeOptions): Uint8Array {
  const q = opts?.quality ?? DEFAULT_JPEG_QUALITY;
  if (lastEncoder?.quality !== Math.round(q)) lastEncoder = new JpegEncoder({ quality: q });
  return lastEncoder.encode(src);
}
