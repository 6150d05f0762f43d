/**
 * QUIC decoder core: the bit reader, the adaptive Golomb-Rice context models
 * and the run-length (MELCODE) decoder. The row decoders in quic-rows.ts
 * build on it.
 *
 * The decoder must repeat every model decision of the encoder bit for bit:
 * which bucket (context) codes a value, when a bucket's statistics are
 * updated (pseudo-random intervals that lengthen as the image goes on), and
 * when run mode starts. There is no resynchronisation point, so one slip
 * turns the rest of the image into garbage.
 */
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { FAMILY_5BPC, FAMILY_8BPC, MEL_BITS, MEL_STATES, WM_STEP, WM_TRIGGER, type QuicFamily } from './quic-tables.js';

const EMPTY = new Int32Array(0);
const BUCKET8 = FAMILY_8BPC.bucketOf, LEN8 = FAMILY_8BPC.lenPair;
const BUCKET5 = FAMILY_5BPC.bucketOf, LEN5 = FAMILY_5BPC.lenPair;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

export function corrupt(msg: string): SpiceError {
  return new SpiceError(ErrorCode.CORRUPT_IMAGE, `QUIC: ${msg}`);
}

export function truncated(): SpiceError {
  return corrupt('bit stream ends before the image does');
}

/** Adaptive state shared by the channels coded together (RGB share one). */
export class QuicModelState {
  /** Pixels left before the next model update. */
  wait = 0;
  /** Index into the random-interval table (pre-incremented; starts at 255). */
  seed = 255;
  /** Wait-mask index: update intervals are random & ((1 << wmIndex) - 1). */
  wmIndex = 0;
  /** Pixels left at the current wait-mask index. */
  wmLeft = WM_STEP;
  /** Counter-halving threshold for the current wait-mask index. */
  trigger = WM_TRIGGER[0]!;
  /** Run-length coder state (0..31) and its chunk exponent. */
  melState = 0;
  melBits = MEL_BITS[0]!;

  reset(): void {
    this.wait = 0;
    this.seed = 255;
    this.wmIndex = 0;
    this.wmLeft = WM_STEP;
    this.trigger = WM_TRIGGER[0]!;
    this.melState = 0;
    this.melBits = MEL_BITS[0]!;
  }
}

/**
 * Reader and models of one decode. Channels are numbered 0..3 (R, G, B, A;
 * GRAY uses 0); each has its own buckets. A module-level instance is reused,
 * so decoding many small images allocates nothing after the first.
 */
export class QuicModel {
  // Bit reader: `cur` holds the next 32 bits of the stream, MSB first; `nxt`
  // is the last word loaded, whose low `avail` bits are not in `cur` yet.
  words: Int32Array = EMPTY;
  nWords = 0;
  pos = 0;
  cur = 0;
  nxt = 0;
  avail = 0;
  private scratchWords = EMPTY;

  fam!: QuicFamily;
  width = 0;
  /**
   * Bucket statistics, per (channel * 8 + bucket): the accumulated code
   * length of each code, two 16-bit counters a word (halving keeps them
   * below 2 * 26 * 901 < 2^16).
   */
  readonly counters = new Int32Array(4 * 8 * 4);
  /** Best code of each bucket, per (channel * 8 + bucket). */
  readonly best = new Uint8Array(4 * 8);
  /** Best code per (channel << 8 | context value): the bucket lookup done ahead. */
  readonly codeOf = new Uint8Array(4 * 256);
  /**
   * Per channel, the folded residual of each pixel of the row (index i + 1
   * for pixel i; index 0 is the context of pixel 0, carried over from the
   * row above). Pixels filled by a run leave their entries as they were,
   * and the model reads those stale entries, as the encoder does.
   */
  corr: Uint8Array[] = [];
  /** Scratch rows: packed RGB (when not decoding into the output) and one channel plane. */
  rgbA = EMPTY;
  rgbB = EMPTY;
  planeA = new Uint8Array(0);
  planeB = new Uint8Array(0);

  readonly rgbState = new QuicModelState();
  readonly planeState = new QuicModelState();

  /** Sets up the reader on `data` (whole 32-bit words only) and fresh models for `width`. */
  beginModel(data: Uint8Array, fam: QuicFamily, width: number): void {
    const n = data.length >>> 2;
    if (LITTLE_ENDIAN && (data.byteOffset & 3) === 0) {
      this.words = new Int32Array(data.buffer, data.byteOffset, n);
    } else {
      // Unaligned or big-endian host: assemble the little-endian words once.
      if (this.scratchWords.length < n) this.scratchWords = new Int32Array(n);
      const w = (this.words = this.scratchWords);
      for (let i = 0, j = 0; i < n; i++, j += 4) {
        w[i] = data[j]! | (data[j + 1]! << 8) | (data[j + 2]! << 16) | (data[j + 3]! << 24);
      }
    }
    this.nWords = n;
    if (n === 0) throw truncated();
    this.cur = this.nxt = this.words[0]!;
    this.pos = 1;
    this.avail = 0;

    this.resetModel(fam, width);
    if (this.rgbA.length < width) {
      const cap = Math.max(width, 64);
      this.rgbA = new Int32Array(cap);
      this.rgbB = new Int32Array(cap);
      this.planeA = new Uint8Array(cap);
      this.planeB = new Uint8Array(cap);
    }
  }

  /**
   * Fresh models (statistics, states, residual rows) for an image `width`
   * pixels wide: the part of beginModel the encoder shares.
   */
  resetModel(fam: QuicFamily, width: number): void {
    this.fam = fam;
    this.width = width;
    this.counters.fill(0);
    this.best.fill(fam.bpc - 1);
    this.codeOf.fill(fam.bpc - 1);
    if (this.corr.length === 0 || this.corr[0]!.length < width + 1) {
      const cap = Math.max(width, 64);
      this.corr = [];
      for (let c = 0; c < 4; c++) this.corr.push(new Uint8Array(cap + 1));
    }
    for (let c = 0; c < 4; c++) this.corr[c]![0] = 0;
    this.rgbState.reset();
    this.planeState.reset();
  }

  /**
   * Before each row after the first, for channels [from, to): pixel 0's
   * context is the residual of pixel 0 of the row above.
   */
  carry(from: number, to: number): void {
    for (let c = from; c < to; c++) {
      const k = this.corr[c]!;
      k[0] = k[1]!;
    }
  }

  /** Drops the reference to the caller's buffer, and a large copy of one. */
  endModel(): void {
    this.words = EMPTY;
    this.nWords = 0;
    if (this.scratchWords.length > 1 << 18) this.scratchWords = EMPTY;
  }

  /** Consumes `n` (1..31) bits. */
  eat(n: number): void {
    if (n <= this.avail) {
      this.avail -= n;
      this.cur = (this.cur << n) | (this.nxt >>> this.avail);
    } else {
      if (this.pos >= this.nWords) throw truncated();
      this.cur = (this.cur << n) | (this.nxt << (n - this.avail));
      this.nxt = this.words[this.pos++]!;
      this.avail += 32 - n;
      this.cur |= this.nxt >>> this.avail;
    }
  }

  /** Reads a 32-bit header word. */
  read32(): number {
    const v = this.cur >>> 0;
    this.eat(16);
    this.eat(16);
    return v;
  }

  /** Bits consumed so far (the position of the first bit of `cur`). */
  bitPosition(): number {
    return this.pos * 32 - this.avail - 32;
  }

  /**
   * Folds value `v`, coded in context `ctx` of channel `ch`, into its
   * bucket: every code's counter grows by the length `v` would have had
   * under it; the smallest counter names the bucket's code (ties keep the
   * larger code); past `trigger` all counters are halved. This is the 8-bit
   * family's; update5 is the 5-bit one.
   */
  update8(ch: number, ctx: number, v: number, trigger: number): void {
    const bucket = (ch << 3) | BUCKET8[ctx]!;
    const cnt = this.counters;
    const b = bucket << 2, t = v << 2;
    let w0 = cnt[b]! + LEN8[t]!, w1 = cnt[b + 1]! + LEN8[t + 1]!;
    let w2 = cnt[b + 2]! + LEN8[t + 2]!, w3 = cnt[b + 3]! + LEN8[t + 3]!;
    let code = 7, m = w3 >>> 16, x: number;
    x = w3 & 0xffff; if (x < m) { m = x; code = 6; }
    x = w2 >>> 16; if (x < m) { m = x; code = 5; }
    x = w2 & 0xffff; if (x < m) { m = x; code = 4; }
    x = w1 >>> 16; if (x < m) { m = x; code = 3; }
    x = w1 & 0xffff; if (x < m) { m = x; code = 2; }
    x = w0 >>> 16; if (x < m) { m = x; code = 1; }
    x = w0 & 0xffff; if (x < m) { m = x; code = 0; }
    if (m > trigger) {
      w0 = (w0 >>> 1) & 0x7fff7fff; w1 = (w1 >>> 1) & 0x7fff7fff;
      w2 = (w2 >>> 1) & 0x7fff7fff; w3 = (w3 >>> 1) & 0x7fff7fff;
    }
    cnt[b] = w0; cnt[b + 1] = w1; cnt[b + 2] = w2; cnt[b + 3] = w3;
    if (this.best[bucket] !== code) this.setBest(ch, bucket, code);
  }

  update5(ch: number, ctx: number, v: number, trigger: number): void {
    const bucket = (ch << 3) | BUCKET5[ctx & 31]!;
    const cnt = this.counters;
    const b = bucket << 2, t = v << 2;
    let w0 = cnt[b]! + LEN5[t]!, w1 = cnt[b + 1]! + LEN5[t + 1]!, w2 = cnt[b + 2]! + LEN5[t + 2]!;
    let code = 4, m = w2 & 0xffff, x: number;
    x = w1 >>> 16; if (x < m) { m = x; code = 3; }
    x = w1 & 0xffff; if (x < m) { m = x; code = 2; }
    x = w0 >>> 16; if (x < m) { m = x; code = 1; }
    x = w0 & 0xffff; if (x < m) { m = x; code = 0; }
    if (m > trigger) {
      w0 = (w0 >>> 1) & 0x7fff7fff; w1 = (w1 >>> 1) & 0x7fff7fff; w2 = (w2 >>> 1) & 0x7fff7fff;
    }
    cnt[b] = w0; cnt[b + 1] = w1; cnt[b + 2] = w2;
    if (this.best[bucket] !== code) this.setBest(ch, bucket, code);
  }

  /** A bucket's code changed: so does the code of every context value in it. */
  private setBest(ch: number, bucket: number, code: number): void {
    const f = this.fam;
    this.best[bucket] = code;
    const co = this.codeOf, base = ch << 8, mem = f.members;
    for (let k = f.memberStart[bucket & 7]!, e = f.memberStart[(bucket & 7) + 1]!; k < e; k++) co[base | mem[k]!] = code;
  }

  /**
   * Run length (MELCODE): a 1 bit per full chunk of 2^melBits pixels (the
   * chunk grows after each), then a 0 and the remainder in melBits bits; the
   * state steps back once per run. `limit` is the most the run may cover
   * (the rest of the segment): more is an error.
   */
  run(st: QuicModelState, limit: number): number {
    let len = 0;
    for (;;) {
      const ones = Math.min(8, Math.clz32(~this.cur));
      for (let k = 0; k < ones; k++) {
        len += 1 << st.melBits;
        if (st.melState < MEL_STATES - 1) st.melBits = MEL_BITS[++st.melState]!;
      }
      if (len > limit) throw corrupt('run longer than the row');
      if (ones < 8) {
        this.eat(ones + 1);
        break;
      }
      this.eat(8);
    }
    if (st.melBits) {
      len += this.cur >>> (32 - st.melBits);
      this.eat(st.melBits);
    }
    if (st.melState) st.melBits = MEL_BITS[--st.melState]!;
    if (len > limit) throw corrupt('run longer than the row');
    return len;
  }
}
