/**
 * DEFLATE decoder (RFC 1951) and its zlib framing (RFC 1950), in plain
 * TypeScript for the browser and Node alike, and the ZLIB_GLZ_RGB image type
 * built on it (spice-server wraps a GLZ stream in zlib's deflateInit framing:
 * 2-byte header, raw deflate, Adler-32).
 *
 * Huffman codes are decoded through a 10-bit first-level table with
 * second-level tables for longer codes. Each table entry is
 * (symbol << 8) | code length, or, for a link to a second-level table,
 * (table offset << 8) | 0x80 | bits indexed there.
 */
import { SpiceError, ErrorCode } from '../protocol/errors.js';
import type { GlzDictionary, GlzDecodedImage } from './glz.js';

/** Default ceiling on inflated bytes when the caller gives none. */
export const DEFAULT_MAX_INFLATE = 256 * 1024 * 1024;

function corrupt(message: string): never {
  throw new SpiceError(ErrorCode.CORRUPT_IMAGE, message);
}

const ROOT_BITS = 10;
const LINK = 0x80;

// Base values and extra bits for length symbols 257..285 and distance symbols 0..29, computed.
const LEN_BASE = new Uint16Array(29);
const LEN_EXTRA = new Uint8Array(29);
const DIST_BASE = new Uint32Array(30);
const DIST_EXTRA = new Uint8Array(30);
{
  let base = 3;
  for (let i = 0; i < 28; i++) {
    const extra = i < 8 ? 0 : (i >> 2) - 1;
    LEN_BASE[i] = base;
    LEN_EXTRA[i] = extra;
    base += 1 << extra;
  }
  LEN_BASE[28] = 258;
  LEN_EXTRA[28] = 0;
  base = 1;
  for (let i = 0; i < 30; i++) {
    const extra = i < 4 ? 0 : (i >> 1) - 1;
    DIST_BASE[i] = base;
    DIST_EXTRA[i] = extra;
    base += 1 << extra;
  }
}
/** Order in which code-length code lengths are sent. */
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A Huffman decoding table (see the file header for the entry layout) and its first-level width. */
interface Huffman {
  t: Int32Array;
  root: number;
}

/** Bytes with their bit order reversed. */
const REV8 = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let r = 0;
  for (let b = 0; b < 8; b++) r |= ((i >> b) & 1) << (7 - b);
  REV8[i] = r;
}
/** The low `len` bits of `code`, reversed (len <= 16). */
const reverseBits = (code: number, len: number): number => ((REV8[code & 255] << 8) | REV8[(code >> 8) & 255]) >> (16 - len);

// Scratch space for building tables, reused across calls (decoding is synchronous).
const COUNT = new Uint16Array(16);
const NEXT = new Uint16Array(16);
const REV = new Uint16Array(320);
const SUB = new Int32Array(1 << ROOT_BITS);
/** Largest table: a full first level plus one 32-entry second level per first-level entry. */
const MAX_TABLE = (1 << ROOT_BITS) * (1 + (1 << (15 - ROOT_BITS)));
/** Tables of dynamic blocks (literal/length, distance, code-length), allocated on first use. */
let scratchTables: Int32Array[] | undefined;
function dynamicScratch(): Int32Array[] {
  return (scratchTables ??= [new Int32Array(MAX_TABLE), new Int32Array(MAX_TABLE), new Int32Array(1 << 7)]);
}

/**
 * Builds a table for code lengths `lens` (canonical codes, RFC 1951 3.2.2),
 * into `into` when given (reused storage) or a new array.
 * Over-subscribed sets are rejected; incomplete ones leave empty entries
 * (length 0), which the decoder rejects when met, so the one-code distance
 * trees that deflate allows still work.
 */
function buildTable(lens: Uint8Array, what: string, into?: Int32Array): Huffman {
  const n = lens.length;
  const count = COUNT.fill(0);
  let maxLen = 0;
  for (let i = 0; i < n; i++) {
    count[lens[i]]++;
    if (lens[i] > maxLen) maxLen = lens[i];
  }
  count[0] = 0;
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = (left << 1) - count[len];
    if (left < 0) corrupt(`inflate: ${what} code is over-subscribed`);
  }
  const next = NEXT;
  for (let len = 1, code = 0; len <= 15; len++) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
  }
  // reversed codes, as the bit reader sees them (least significant bit first)
  const rev = REV;
  for (let sym = 0; sym < n; sym++) if (lens[sym]) rev[sym] = reverseBits(next[lens[sym]]++, lens[sym]);

  const root = Math.min(ROOT_BITS, Math.max(maxLen, 1));
  const rootSize = 1 << root;
  const rootMask = rootSize - 1;
  const subBits = maxLen > root ? maxLen - root : 0;
  // one second-level table per first-level prefix shared by longer codes
  let size = rootSize;
  if (subBits) {
    SUB.fill(-1, 0, rootSize);
    for (let sym = 0; sym < n; sym++) {
      if (lens[sym] > root && SUB[rev[sym] & rootMask] < 0) {
        SUB[rev[sym] & rootMask] = size;
        size += 1 << subBits;
      }
    }
  }
  const t = into ? into.fill(0, 0, size) : new Int32Array(size);
  if (subBits) for (let p = 0; p < rootSize; p++) if (SUB[p] >= 0) t[p] = (SUB[p] << 8) | LINK | subBits;
  for (let sym = 0; sym < n; sym++) {
    const len = lens[sym];
    if (!len) continue;
    const entry = (sym << 8) | len;
    const r = rev[sym];
    if (len <= root) {
      for (let i = r; i < rootSize; i += 1 << len) t[i] = entry;
    } else {
      const base = SUB[r & rootMask];
      for (let i = r >> root; i < 1 << subBits; i += 1 << (len - root)) t[base + i] = entry;
    }
  }
  return { t, root };
}

let fixed: [Huffman, Huffman] | undefined;
function fixedTables(): [Huffman, Huffman] {
  if (!fixed) {
    const l = new Uint8Array(288);
    l.fill(8, 0, 144);
    l.fill(9, 144, 256);
    l.fill(7, 256, 280);
    l.fill(8, 280, 288);
    fixed = [buildTable(l, 'literal/length'), buildTable(new Uint8Array(30).fill(5), 'distance')];
  }
  return fixed;
}

/**
 * Decoder state. The symbol loop copies it into locals (V8 keeps those in
 * registers; variables shared with closures would live on the heap).
 *
 * Bit reader: up to 27 bits in bitBuf, least significant first (so it stays
 * a small positive integer and signed shifts are safe). Past the end
 * of the input it feeds zero bytes (so refills need no test), and the checks
 * fail as soon as any of those bits has been consumed.
 */
interface State {
  data: Uint8Array;
  inLen: number;
  pos: number;
  bitBuf: number;
  bitCnt: number;
  out: Uint8Array;
  op: number;
  expectedSize: number | undefined;
  maxSize: number;
}

function truncated(): never {
  corrupt('inflate: deflate data ends early');
}

function bits(s: State, n: number): number {
  while (s.bitCnt < n) {
    if (s.pos < s.inLen) s.bitBuf |= s.data[s.pos] << s.bitCnt;
    s.pos++;
    s.bitCnt += 8;
  }
  const v = s.bitBuf & ((1 << n) - 1);
  s.bitBuf >>= n;
  s.bitCnt -= n;
  if (s.pos > s.inLen && (s.pos - s.inLen) * 8 > s.bitCnt) truncated();
  return v;
}

function decodeSym(s: State, h: Huffman): number {
  while (s.bitCnt < 15) {
    if (s.pos < s.inLen) s.bitBuf |= s.data[s.pos] << s.bitCnt;
    s.pos++;
    s.bitCnt += 8;
  }
  const t = h.t;
  let e = t[s.bitBuf & ((1 << h.root) - 1)];
  if (e & LINK) e = t[(e >> 8) + ((s.bitBuf >> h.root) & ((1 << (e & 15)) - 1))];
  const len = e & 15;
  if (len === 0) corrupt('inflate: invalid Huffman code');
  s.bitBuf >>= len;
  s.bitCnt -= len;
  if (s.pos > s.inLen && (s.pos - s.inLen) * 8 > s.bitCnt) truncated();
  return e >> 8;
}

/** Makes room for `need` output bytes (s.op bytes are kept). */
function grow(s: State, need: number): void {
  if (s.expectedSize !== undefined) corrupt(`inflate: output exceeds the expected ${s.expectedSize} bytes`);
  if (need > s.maxSize) corrupt(`inflate: output exceeds the ${s.maxSize}-byte limit`);
  let cap = s.out.length * 2;
  while (cap < need) cap *= 2;
  if (cap > s.maxSize) cap = s.maxSize;
  const bigger = new Uint8Array(cap);
  bigger.set(s.out.subarray(0, s.op));
  s.out = bigger;
}

/** Reads the code lengths of a dynamic block and builds its two tables. */
function dynamicTables(s: State): [Huffman, Huffman] {
  const hlit = bits(s, 5) + 257;
  const hdist = bits(s, 5) + 1;
  const hclen = bits(s, 4) + 4;
  if (hlit > 286 || hdist > 30) corrupt('inflate: too many length or distance codes');
  const clLens = new Uint8Array(19);
  for (let i = 0; i < hclen; i++) clLens[CL_ORDER[i]] = bits(s, 3);
  const scratch = dynamicScratch();
  const cl = buildTable(clLens, 'code-length', scratch[2]);
  const total = hlit + hdist;
  const lens = new Uint8Array(total);
  for (let i = 0; i < total;) {
    const sym = decodeSym(s, cl);
    if (sym < 16) {
      lens[i++] = sym;
      continue;
    }
    let rep: number;
    let val = 0;
    if (sym === 16) {
      if (i === 0) corrupt('inflate: repeat of a code length with none before it');
      val = lens[i - 1];
      rep = 3 + bits(s, 2);
    } else if (sym === 17) {
      rep = 3 + bits(s, 3);
    } else {
      rep = 11 + bits(s, 7);
    }
    if (i + rep > total) corrupt('inflate: code lengths overflow their table');
    lens.fill(val, i, i + rep);
    i += rep;
  }
  if (lens[256] === 0) corrupt('inflate: block has no end-of-block code');
  return [buildTable(lens.subarray(0, hlit), 'literal/length', scratch[0]), buildTable(lens.subarray(hlit), 'distance', scratch[1])];
}

/** Decodes the symbols of one Huffman block, up to its end-of-block code. */
function inflateBlock(s: State, lit: Huffman, dist: Huffman): void {
  const data = s.data;
  const inLen = s.inLen;
  let pos = s.pos;
  let bitBuf = s.bitBuf;
  let bitCnt = s.bitCnt;
  let out = s.out;
  let outCap = out.length;
  let op = s.op;
  const lt = lit.t;
  const dt = dist.t;
  const litRoot = lit.root;
  const distRoot = dist.root;
  const litMask = (1 << litRoot) - 1;
  const distMask = (1 << distRoot) - 1;
  for (;;) {
    if (bitCnt < 15) {
      // consumed bits past the end are caught here, before the next refill (and at the block's end)
      if (pos > inLen && (pos - inLen) * 8 > bitCnt) truncated();
      do {
        if (pos < inLen) bitBuf |= data[pos] << bitCnt;
        pos++;
        bitCnt += 8;
      } while (bitCnt < 15);
    }
    let e = lt[bitBuf & litMask];
    if (e & LINK) e = lt[(e >> 8) + ((bitBuf >> litRoot) & ((1 << (e & 15)) - 1))];
    const cl = e & 15;
    if (cl === 0) corrupt('inflate: invalid literal/length code');
    bitBuf >>= cl;
    bitCnt -= cl;
    const sym = e >> 8;
    if (sym < 256) {
      if (op >= outCap) {
        s.op = op;
        grow(s, op + 1);
        out = s.out;
        outCap = out.length;
      }
      out[op++] = sym;
      continue;
    }
    if (sym === 256) {
      if (pos > inLen && (pos - inLen) * 8 > bitCnt) truncated();
      break;
    }
    const li = sym - 257;
    if (li >= 29) corrupt('inflate: invalid length symbol');
    let len = LEN_BASE[li];
    let extra = LEN_EXTRA[li];
    // one refill covers the length's extra bits (<= 5) and a distance code (<= 15)
    while (bitCnt < 20) {
      if (pos < inLen) bitBuf |= data[pos] << bitCnt;
      pos++;
      bitCnt += 8;
    }
    if (extra) {
      len += bitBuf & ((1 << extra) - 1);
      bitBuf >>= extra;
      bitCnt -= extra;
    }
    e = dt[bitBuf & distMask];
    if (e & LINK) e = dt[(e >> 8) + ((bitBuf >> distRoot) & ((1 << (e & 15)) - 1))];
    const dl = e & 15;
    if (dl === 0) corrupt('inflate: invalid distance code');
    bitBuf >>= dl;
    bitCnt -= dl;
    const ds = e >> 8;
    if (ds >= 30) corrupt('inflate: invalid distance symbol');
    let d = DIST_BASE[ds];
    extra = DIST_EXTRA[ds];
    if (extra) {
      while (bitCnt < extra) {
        if (pos < inLen) bitBuf |= data[pos] << bitCnt;
        pos++;
        bitCnt += 8;
      }
      d += bitBuf & ((1 << extra) - 1);
      bitBuf >>= extra;
      bitCnt -= extra;
    }
    if (pos > inLen && (pos - inLen) * 8 > bitCnt) truncated();
    if (d > op) corrupt(`inflate: distance ${d} reaches before the start of the output`);
    if (op + len > outCap) {
      s.op = op;
      grow(s, op + len);
      out = s.out;
      outCap = out.length;
    }
    let from = op - d;
    if (d >= len && len > 16) {
      out.copyWithin(op, from, from + len);
      op += len;
    } else {
      for (const stop = op + len; op < stop;) out[op++] = out[from++];
    }
  }
  s.pos = pos;
  s.bitBuf = bitBuf;
  s.bitCnt = bitCnt;
  s.op = op;
}

/**
 * Inflates raw DEFLATE data. With `expectedSize` the output must have
 * exactly that length; otherwise it may grow up to `maxSize`.
 */
export function inflateRaw(data: Uint8Array, expectedSize?: number, maxSize?: number): Uint8Array {
  return inflateRawAt(data, 0, expectedSize, maxSize).output;
}

/** inflateRaw from `start`, also returning where the deflate data ended. */
export function inflateRawAt(data: Uint8Array, start: number, expectedSize?: number, maxSize = DEFAULT_MAX_INFLATE):
{ output: Uint8Array; end: number } {
  if (expectedSize !== undefined && (expectedSize < 0 || expectedSize > maxSize)) {
    corrupt(`inflate: expected size ${expectedSize} is over the ${maxSize}-byte limit`);
  }
  // deflate expands at most 1032:1 (258-byte matches in under 2 bits): refuse sizes the data cannot reach
  if (expectedSize !== undefined && expectedSize > (data.length - start) * 1032 + 1032) {
    corrupt(`inflate: ${data.length - start} bytes of deflate data cannot hold ${expectedSize} bytes`);
  }
  const s: State = {
    data, inLen: data.length, pos: start, bitBuf: 0, bitCnt: 0,
    out: new Uint8Array(expectedSize ?? Math.min(maxSize, Math.max(1024, data.length * 4))), op: 0,
    expectedSize, maxSize,
  };
  let final = 0;
  do {
    final = bits(s, 1);
    const type = bits(s, 2);
    if (type === 0) {
      // stored: skip to a byte boundary and give back the whole bytes still buffered
      s.pos -= s.bitCnt >>> 3;
      s.bitBuf = 0;
      s.bitCnt = 0;
      const pos = s.pos;
      if (pos + 4 > s.inLen) truncated();
      const len = data[pos] | (data[pos + 1] << 8);
      const nlen = data[pos + 2] | (data[pos + 3] << 8);
      if ((len ^ 0xffff) !== nlen) corrupt('inflate: stored block length check failed');
      if (pos + 4 + len > s.inLen) truncated();
      if (s.op + len > s.out.length) grow(s, s.op + len);
      s.out.set(data.subarray(pos + 4, pos + 4 + len), s.op);
      s.op += len;
      s.pos = pos + 4 + len;
    } else if (type === 1) {
      const [lit, dist] = fixedTables();
      inflateBlock(s, lit, dist);
    } else if (type === 2) {
      const [lit, dist] = dynamicTables(s);
      inflateBlock(s, lit, dist);
    } else {
      corrupt('inflate: invalid block type 3');
    }
  } while (!final);

  // give back the whole bytes still buffered, so `end` is just after the deflate data
  const end = s.pos - (s.bitCnt >>> 3);
  if (end > s.inLen) truncated();
  if (expectedSize !== undefined && s.op !== expectedSize) {
    corrupt(`inflate: got ${s.op} bytes, expected ${expectedSize}`);
  }
  return { output: s.op === s.out.length ? s.out : s.out.subarray(0, s.op), end };
}

/** Adler-32 of `d`, as zlib computes it. */
export function adler32(d: Uint8Array): number {
  let a = 1;
  let b = 0;
  const n = d.length;
  for (let i = 0; i < n;) {
    // 5552 bytes keep b below 2^32 before the modulo, as in zlib
    const stop = Math.min(n, i + 5552);
    for (; i < stop; i++) {
      a += d[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Inflates zlib-framed data (what spice-server's zlib encoder emits, via
 * deflateInit): checks the header (deflate, no preset dictionary) and the
 * Adler-32 trailer. Bytes after the trailer are ignored, as zlib does.
 */
export function inflateZlib(data: Uint8Array, expectedSize?: number, maxSize?: number): Uint8Array {
  if (data.length < 2) corrupt('zlib: data shorter than its 2-byte header');
  const cmf = data[0];
  const flg = data[1];
  if ((cmf & 0x0f) !== 8) corrupt(`zlib: compression method ${cmf & 0x0f} is not deflate`);
  if (cmf >>> 4 > 7) corrupt('zlib: window size over 32 KiB');
  if (((cmf << 8) | flg) % 31 !== 0) corrupt('zlib: header check failed');
  if (flg & 0x20) corrupt('zlib: preset dictionaries are not supported');
  const { output, end } = inflateRawAt(data, 2, expectedSize, maxSize);
  if (end + 4 > data.length) corrupt('zlib: data ends before its Adler-32 trailer');
  const want = ((data[end] << 24) | (data[end + 1] << 16) | (data[end + 2] << 8) | data[end + 3]) >>> 0;
  if (adler32(output) !== want) corrupt('zlib: Adler-32 mismatch');
  return output;
}

/**
 * Decodes a ZLIB_GLZ_RGB image: inflates `data` to exactly `glzSize` bytes of
 * GLZ and decodes that through the session's dictionary (a Promise when it
 * must wait for an image in flight, as GlzDictionary.decode).
 */
export function decodeZlibGlz(dict: GlzDictionary, glzSize: number, data: Uint8Array): GlzDecodedImage | Promise<GlzDecodedImage> {
  return dict.decode(inflateZlib(data, glzSize));
}
