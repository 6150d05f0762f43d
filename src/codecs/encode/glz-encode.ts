/**
 * SPICE GLZ image encoder: the data of SPICE_IMAGE_TYPE_GLZ_RGB images, LZ
 * whose matches may also copy from earlier images of the client's GLZ
 * dictionary, as spice-gtk (decode-glz.c) and src/codecs/glz.ts decode them.
 *
 * Stream: 33-byte big-endian header (magic, version 1.1, one byte = type
 * RGB32/RGBA | top_down << 4, width, height, stride = width*4, image id as
 * u64, win_head_dist = id minus the oldest image still in the window), then
 * an RGB pass and, for RGBA, an alpha pass. A match names an image distance
 * (0 = this image) and a pixel offset: the distance back minus one inside
 * this image, or the position from the first pixel of the other image.
 *
 * The window: images are numbered from 0 in encode order; this image and the
 * ones still in the window hold at most `windowPixels` pixels together (the
 * size the client announced in DISPLAY_INIT), older ones are dropped, and
 * win_head_dist tells the client it may free them. The client must receive
 * every encoded image, in order (it frees by the gap-free run of ids).
 *
 * Storage and window bookkeeping are in glz-window.ts: each image is copied
 * into a ring of pixel words no longer than the window. The hash tables hold
 * ring indices; an entry is used only after its distance back is checked
 * against the kept part of the ring and its pixels compared, so stale
 * entries cost nothing but a miss.
 *
 * Matches: greedy. Candidates at each position: the previous pixel (a run),
 * the pixel one row up, the same position in the last two kept images of the
 * same shape (a region sent again), the distance of the last match, and the
 * last position with the same three-pixel hash (in this image or any kept
 * one). The alpha pass refers only to RGBA images, whose alpha the client
 * holds exactly. The candidate saving most bytes wins, is extended backwards
 * over literals, and is taken only when it costs fewer bytes than the
 * literals it replaces.
 *
 * encodeOrLz() sends small images as LZ where that is smaller (fresh content:
 * a GLZ match costs a byte more), taking them back out of the window;
 * glzToLz() rewrites a GLZ stream without cross-image matches as LZ.
 */
import { SpiceError, ErrorCode } from '../../protocol/errors.js';
import type { EncodeSource } from './types.js';
import { GlzWindow } from './glz-window.js';
import { encodeLz } from './lz-encode.js';
import {
  ALPHA_MASK, ByteSink, LZ_MAGIC, LZ_TYPE_RGB32, LZ_TYPE_RGBA, LZ_VERSION, RGB_MASK, checkEncodeSource,
  hash3, passBound, writeLength, writeLiterals, writeU32BE,
} from './lz-match.js';

/** LZ's match distances: 13 bits (distance-1 below 8191), else 16 more bits. */
const LZ_NEAR = 8191;
const LZ_FAR = LZ_NEAR + 65535;

export const GLZ_HEADER_BYTES = 33;

/** LZ_MAX_WINDOW_SIZE: the largest window the server accepts from a client (pixels). */
export const GLZ_MAX_WINDOW_PIXELS = 1 << 25;

/** Image distances are 24-bit; pixel offsets 25-bit. */
const MAX_IMAGE_DIST = 0xffffff;
/** Pixel offsets below this fit the short layout (12 bits). */
const SHORT_OFS = 4096;
/** Pixel offsets from this need the "very long" extra byte. */
const VERY_LONG_OFS = 1 << 17;

/** A candidate this long is good enough: the others are not tried. */
const GOOD_ENOUGH = 64;
/** After a match, the hash learns at most this many of its last positions. */
const INSERT_TAIL = 16;
/** How many recent images are searched for one of the same shape. */
const SAME_SHAPE_LOOK = 32;
/** refersBack(): places looked at, and pixels that must agree at one. */
const PROBES = 32;
const PROBE_PIXELS = 8;

export interface GlzEncoderOptions {
  /** The client's glz_dictionary_window_size from DISPLAY_INIT, in pixels (1 .. 2^25). */
  windowPixels: number;
  /** The client's glz_dictionary_id (kept for the caller; not written into images). */
  dictionaryId?: number;
}

export interface GlzEncodeOptions {
  /** Encode as RGBA (alpha kept) instead of RGB32. */
  alpha?: boolean;
}

/** Bytes of a match besides its length field's extra bytes: control, offset bytes, image distance. */
function matchCost(pixelOfs: number, imageDist: number): number {
  if (pixelOfs < SHORT_OFS) return 2 + (imageDist < 64 ? 1 : imageDist < 1 << 14 ? 2 : imageDist < 1 << 22 ? 3 : 4);
  return 3 + (imageDist === 0 ? 0 : imageDist < 256 ? 1 : imageDist < 65536 ? 2 : 3) + (pixelOfs >= VERY_LONG_OFS ? 1 : 0);
}

/** Writes one match: length field `lf` (>= 1), pixel offset, image distance (0 = this image). */
function writeMatch(out: Uint8Array, p: number, lf: number, pixelOfs: number, imageDist: number): number {
  if (pixelOfs < SHORT_OFS) {
    p = writeLength(out, p, lf, pixelOfs & 15);
    out[p++] = pixelOfs >>> 4;
    if (imageDist < 64) {
      out[p++] = imageDist;
    } else if (imageDist < 1 << 14) {
      out[p++] = 0x40 | (imageDist & 63);
      out[p++] = imageDist >>> 6;
    } else if (imageDist < 1 << 22) {
      out[p++] = 0x80 | (imageDist & 63);
      out[p++] = (imageDist >>> 6) & 255;
      out[p++] = imageDist >>> 14;
    } else {
      out[p++] = 0xc0 | (imageDist & 63);
      out[p++] = (imageDist >>> 6) & 255;
      out[p++] = (imageDist >>> 14) & 255;
      out[p++] = imageDist >>> 22;
    }
    return p;
  }
  p = writeLength(out, p, lf, 16 | (pixelOfs & 15));
  out[p++] = (pixelOfs >>> 4) & 255;
  const veryLong = pixelOfs >= VERY_LONG_OFS;
  const distBytes = imageDist === 0 ? 0 : imageDist < 256 ? 1 : imageDist < 65536 ? 2 : 3;
  out[p++] = (distBytes << 6) | (veryLong ? 32 : 0) | ((pixelOfs >>> 12) & 31);
  for (let b = 0; b < distBytes; b++) out[p++] = (imageDist >>> (8 * b)) & 255;
  if (veryLong) out[p++] = pixelOfs >>> 17;
  return p;
}

/**
 * One client's GLZ dictionary, server side: encodes images that may refer to
 * the earlier ones the client still holds. One instance per client
 * dictionary (shared by the client's display channels, called one at a time).
 */
export class GlzEncoder {
  readonly windowPixels: number;
  readonly dictionaryId: number;

  private readonly win: GlzWindow;
  private readonly hashBits: number;
  private readonly rgbTable: Int32Array;
  private alphaTable: Int32Array | undefined;
  private readonly tables: Int32Array[] = [];
  private readonly sink = new ByteSink(1 << 16);
  /** Ring indices of the candidates tried at one position. */
  private readonly cands = new Int32Array(8);

  constructor(opts: GlzEncoderOptions) {
    const w = opts.windowPixels;
    if (!Number.isInteger(w) || w < 1 || w > GLZ_MAX_WINDOW_PIXELS) {
      throw new SpiceError(ErrorCode.BAD_ARGUMENT, `GLZ window of ${w} pixels is not between 1 and ${GLZ_MAX_WINDOW_PIXELS}`);
    }
    this.windowPixels = w;
    this.dictionaryId = opts.dictionaryId ?? 0;
    this.win = new GlzWindow(w);
    // about one entry per 8 window pixels, 64 Ki to 256 Ki entries (a larger
    // table gained under 0.1% on the test sequences, and misses the cache more)
    let bits = 16;
    while (bits < 18 && 1 << (bits + 3) < w) bits++;
    this.hashBits = bits;
    this.rgbTable = new Int32Array(1 << bits).fill(-1);
    this.tables.push(this.rgbTable);
  }

  /** Id the next image will get. */
  get nextImageId(): number {
    return this.win.nextId;
  }

  /** Images the client is told to keep (the window), the last one encoded included. */
  get windowImages(): number {
    return this.win.count;
  }

  /** Pixels of those images. */
  get windowImagePixels(): number {
    return this.win.livePixels;
  }

  /** Pixel words this encoder keeps (its ring); never more than windowPixels. */
  get ringPixels(): number {
    return this.win.ring.length;
  }

  /** Forgets every image: the next one gets id 0 and refers to nothing earlier. */
  reset(): void {
    // the hash tables may keep their entries: one is used only after its
    // pixels compare equal inside the (now empty) kept part of the ring
    this.win.reset();
  }

  /**
   * Encodes one image (a GLZ stream, header included, top-down) and adds it
   * to the dictionary. Throws a RangeError when the rectangle is not inside
   * the buffer, BAD_ARGUMENT when it is larger than the window.
   */
  encode(src: EncodeSource, opts: GlzEncodeOptions = {}): Uint8Array {
    checkEncodeSource(src);
    const alpha = opts.alpha === true;
    const { width, height } = src;
    const n = width * height;
    if (n > this.windowPixels) {
      throw new SpiceError(ErrorCode.BAD_ARGUMENT,
        `image ${width}x${height} is larger than the ${this.windowPixels}-pixel GLZ window (send it as LZ)`);
    }
    if (alpha && !this.alphaTable) {
      this.alphaTable = new Int32Array(1 << this.hashBits).fill(-1);
      this.tables.push(this.alphaTable);
    }
    const win = this.win;
    const start = win.add(src.pixels, src.y * src.stride + src.x, src.stride, width, height, alpha, this.tables);
    const id = win.nextId - 1;

    const out = this.sink.reserve(0, GLZ_HEADER_BYTES + passBound(n, 3) + (alpha ? passBound(n, 1) : 0));
    let p = writeU32BE(out, 0, LZ_MAGIC);
    p = writeU32BE(out, p, LZ_VERSION);
    out[p++] = (alpha ? LZ_TYPE_RGBA : LZ_TYPE_RGB32) | 0x10;
    p = writeU32BE(out, p, width);
    p = writeU32BE(out, p, height);
    p = writeU32BE(out, p, width * 4);
    p = writeU32BE(out, p, Math.floor(id / 0x100000000));
    p = writeU32BE(out, p, id >>> 0);
    p = writeU32BE(out, p, id - win.oldestId);
    // (The literals after the last match are written here, not at the end of pass(): see
    // LzEncoder.encode, the same loop compiled while it runs.)
    p = this.pass(out, p, start, n, width, id, false);
    if (this.tail < start + n) p = writeLiterals(out, p, win.ring, this.tail, start + n, false);
    if (alpha) {
      p = this.pass(out, p, start, n, width, id, true);
      if (this.tail < start + n) p = writeLiterals(out, p, win.ring, this.tail, start + n, true);
    }
    return this.sink.take(p);
  }

  /** Where the literals pass() left unwritten start (they run to the end of the units). */
  private tail = 0;

  /**
   * Like encode(), but a small image (below `keepPixels`) comes back as an LZ stream
   * (the data of an LZ_RGB image), and is not added to the dictionary, when that is
   * smaller: every GLZ match costs a byte more than an LZ one (its image distance), so
   * on fresh content LZ is about a third smaller. An image of which refersBack() finds
   * nothing goes to the LZ encoder alone. Otherwise it is GLZ-encoded; if all its
   * matches lie inside it, they are rewritten in LZ's layout (no second search), else
   * it is LZ-encoded too, and the smaller kept. Large images stay GLZ, as later images
   * (the same window shown again) may refer to them. RGB32 only.
   */
  encodeOrLz(src: EncodeSource, keepPixels: number): { data: Uint8Array; glz: boolean } {
    if (src.width * src.height >= keepPixels) return { data: this.encode(src), glz: true };
    // Nothing of it found in the dictionary at a few places: LZ straight away.
    if (!this.refersBack(src)) return { data: encodeLz(src), glz: false };
    const data = this.encode(src);
    // Matches into earlier images have no LZ form: then the LZ encoder has its go.
    const lz = glzToLz(data, this.sink) ?? encodeLz(src);
    if (lz.length >= data.length) return { data, glz: true };
    this.win.dropNewest();
    return { data: lz, glz: false };
  }

  /**
   * Whether the dictionary seems to hold part of this picture: at up to PROBES places
   * (two per sampled row), the last position the hash table knows for the next three
   * pixels is looked up, and counts if it lies in a kept image and the next few pixels
   * agree. A cheap guess; encode() searches properly.
   */
  refersBack(src: EncodeSource): boolean {
    checkEncodeSource(src);
    const win = this.win;
    if (win.count === 0) return false;
    const ring = win.ring;
    const cap = ring.length;
    const p = src.pixels;
    const shift = 32 - this.hashBits;
    const rows = Math.min(src.height, PROBES >> 1);
    for (let r = 0; r < rows; r++) {
      const row = (src.y + Math.floor((r * src.height) / rows)) * src.stride + src.x;
      for (let x = 0; x + 2 < src.width; x += (src.width >> 1) || src.width) {
        const i = row + x;
        const ref = this.rgbTable[hash3(p[i] & RGB_MASK, p[i + 1] & RGB_MASK, p[i + 2] & RGB_MASK, shift)];
        const k = ref >= 0 ? win.imageAtRing(ref) : -1;
        if (k < 0) continue;
        const left = win.size[k] - ((((ref - (win.virt[k] % cap)) % cap) + cap) % cap);
        const n = Math.min(PROBE_PIXELS, src.width - x, left);
        let j = 0;
        while (j < n && ((ring[ref + j] ^ p[i + j]) & RGB_MASK) === 0) j++;
        if (j === n && n >= 3) return true;
      }
    }
    return false;
  }

  /** One pass over the newest image, at ring[start .. start+n); returns the output position after it. */
  private pass(out: Uint8Array, p: number, start: number, n: number, w: number, id: number, alpha: boolean): number {
    const win = this.win;
    const ring = win.ring;
    const cap = ring.length;
    const table = alpha ? (this.alphaTable as Int32Array) : this.rgbTable;
    const cands = this.cands;
    const mask = alpha ? ALPHA_MASK : RGB_MASK;
    const shift = alpha ? 24 : 0;
    const unitBytes = alpha ? 1 : 3;
    const bias = alpha ? 2 : 0;
    const minLen = bias + 1;
    const hashShift = 32 - this.hashBits;
    const end = start + n;
    const hashEnd = end - 2;
    const virtStart = win.virt[win.virt.length - 1];
    // how far back (virtual positions) the oldest kept image starts
    const span = virtStart - win.virt[win.first];
    // the same region sent before is the likeliest source of long matches
    // (the last two times: screens often alternate between two states)
    const same = win.sameShape(w, n, alpha, win.virt.length - 1, SAME_SHAPE_LOOK);
    const sameRing = same >= 0 ? win.virt[same] % cap : -1;
    const same2 = same >= 0 ? win.sameShape(w, n, alpha, same, SAME_SHAPE_LOOK) : -1;
    const sameRing2 = same2 >= 0 ? win.virt[same2] % cap : -1;
    // distance back of the last match: where the next one likely resumes
    let repBack = 0;

    let lit = start;
    let ip = start;
    while (ip < end) {
      const v = ring[ip];
      const i = ip - start;
      let nc = 0;
      if (i > 0) cands[nc++] = ip - 1;
      if (w > 1 && i >= w) cands[nc++] = ip - w;
      // the same-shape candidates' images are known: no lookup for them
      const sameAt = sameRing >= 0 ? nc : -1;
      if (sameRing >= 0) cands[nc++] = sameRing + i;
      const same2At = sameRing2 >= 0 ? nc : -1;
      if (sameRing2 >= 0) cands[nc++] = sameRing2 + i;
      if (repBack > 0) cands[nc++] = ip - repBack < 0 ? ip - repBack + cap : ip - repBack;
      if (ip < hashEnd) {
        const h = hash3((v & mask) >>> shift, (ring[ip + 1] & mask) >>> shift, (ring[ip + 2] & mask) >>> shift, hashShift);
        const r = table[h];
        table[h] = ip;
        if (r >= 0) cands[nc++] = r;
      }

      let bestLen = 0;
      let bestOfs = 0;
      let bestDist = 0;
      let bestGain = 0;
      let bestBack = 0;
      let bestRef = 0;
      for (let c = 0; c < nc && bestLen < GOOD_ENOUGH; c++) {
        const r = cands[c];
        if (((ring[r] ^ v) & mask) !== 0) continue;
        let back = ip - r;
        if (back <= 0) back += cap;
        if (back > span + i) continue; // before the oldest kept image
        let dup = false;
        for (let d = 0; d < c; d++) if (cands[d] === r) dup = true;
        if (dup) continue;
        // extend first (within the ring array), look the reference up only if it can win
        const lim = end - ip < cap - r ? end - ip : cap - r;
        let l = 1;
        while (l < lim && ((ring[r + l] ^ ring[ip + l]) & mask) === 0) l++;
        if (l < minLen || l * unitBytes - 3 - (l - bias < 7 ? 0 : 1) <= bestGain) continue;
        let ofs: number;
        let dist: number;
        if (back <= i) {
          // inside this image (may overlap the pixels being coded)
          ofs = back - 1;
          dist = 0;
        } else {
          const pos = virtStart + i - back;
          const k = c === sameAt ? same : c === same2At ? same2 : win.findImage(pos);
          if (k < 0 || (alpha && !win.hasAlpha[k])) continue;
          dist = id - (win.idBase + k);
          if (dist > MAX_IMAGE_DIST) continue;
          ofs = pos - win.virt[k];
          // a match may not run past the end of the image it copies from
          const refLim = win.size[k] - ofs;
          if (l > refLim) l = refLim;
          if (l < minLen) continue;
        }
        const lf = l - bias;
        const gain = l * unitBytes - matchCost(ofs, dist) - (lf < 7 ? 0 : 1 + (((lf - 7) / 255) | 0));
        if (gain > bestGain) {
          bestGain = gain;
          bestLen = l;
          bestOfs = ofs;
          bestDist = dist;
          bestBack = back;
          bestRef = r;
        }
      }

      if (bestGain <= 0) {
        ip++;
        continue;
      }
      // the match may start before ip (where the hash pointed elsewhere)
      if (bestDist === 0) {
        while (ip > lit && ip - 1 - bestBack >= start && ((ring[ip - 1] ^ ring[ip - 1 - bestBack]) & mask) === 0) {
          ip--;
          bestLen++;
        }
      } else {
        while (ip > lit && bestOfs > 0 && ((ring[ip - 1] ^ ring[bestRef - 1]) & mask) === 0) {
          ip--;
          bestRef--;
          bestOfs--;
          bestLen++;
        }
      }

      if (lit < ip) p = writeLiterals(out, p, ring, lit, ip, alpha);
      p = writeMatch(out, p, bestLen - bias, bestOfs, bestDist);
      if (bestBack !== 1 && bestBack !== w) repBack = bestBack;

      // let the hash learn the end of the match (where the next match will likely continue)
      const next = ip + bestLen;
      let j = next - INSERT_TAIL > ip + 1 ? next - INSERT_TAIL : ip + 1;
      const stop = next < hashEnd ? next : hashEnd;
      for (; j < stop; j++) {
        table[hash3((ring[j] & mask) >>> shift, (ring[j + 1] & mask) >>> shift, (ring[j + 2] & mask) >>> shift, hashShift)] = j;
      }
      ip = next;
      lit = ip;
    }
    this.tail = lit;
    return p;
  }
}

/**
 * The RGB32 GLZ stream `glz` rewritten as an LZ stream (header and match layout), when
 * every match is inside the image, within LZ's reach, and the result is smaller;
 * undefined otherwise. Literal runs and length fields are the same in both formats.
 * `sink` is scratch space (its contents are replaced).
 */
export function glzToLz(glz: Uint8Array, sink: ByteSink = new ByteSink(glz.length + 256)): Uint8Array | undefined {
  if (glz.length < GLZ_HEADER_BYTES || (glz[8]! & 15) !== LZ_TYPE_RGB32) return undefined;
  // Writing stops once the LZ stream is as long as the GLZ one (+ one token at most).
  const out = sink.reserve(0, glz.length + 256);
  let p = writeU32BE(out, 0, LZ_MAGIC);
  p = writeU32BE(out, p, LZ_VERSION);
  p = writeU32BE(out, p, LZ_TYPE_RGB32);
  for (let i = 9; i < 21; i++) out[p++] = glz[i]!; // width, height, stride
  p = writeU32BE(out, p, 1); // top-down
  let q = GLZ_HEADER_BYTES;
  const end = glz.length;
  while (q < end) {
    const c = glz[q++]!;
    if (c < 32) {
      const n = 3 * (c + 1);
      if (q + n > end) return undefined;
      out[p++] = c;
      for (let k = 0; k < n; k++) out[p++] = glz[q + k]!;
      q += n;
      continue;
    }
    let lf = c >>> 5;
    if (lf === 7) {
      let b: number;
      do {
        if (q >= end) return undefined;
        b = glz[q++]!;
        lf += b;
      } while (b === 255);
    }
    if (q >= end) return undefined;
    let ofs = (c & 15) | (glz[q++]! << 4);
    let dist: number;
    if (q >= end) return undefined;
    const b = glz[q++]!;
    if ((c & 16) === 0) {
      dist = b; // 0 only as the single byte 0: this image
    } else {
      ofs |= (b & 31) << 12;
      dist = b & 0xe0; // image distance bytes follow, or a very long offset (out of LZ's reach)
    }
    if (dist !== 0 || ofs > LZ_FAR) return undefined;
    if (ofs < LZ_NEAR) {
      p = writeLength(out, p, lf, ofs >>> 8);
      out[p++] = ofs & 255;
    } else {
      const far = ofs - LZ_NEAR;
      p = writeLength(out, p, lf, 31);
      out[p++] = 255;
      out[p++] = far >>> 8;
      out[p++] = far & 255;
    }
    if (p >= glz.length) return undefined; // no smaller
  }
  return sink.take(p);
}
