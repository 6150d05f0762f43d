/**
 * QUIC row encoders: the mirror of the decoder's quic-rows.ts, built on the
 * same adaptive model (quic-model.ts), so that both sides take every model
 * decision (code per context, update points, run mode) at the same pixel.
 *
 * Only the 8-bit family is used: the encoder reads 0xAARRGGBB words and
 * writes RGB32 (three channels sharing one model state) and RGBA (the same,
 * then the alpha plane with a state of its own).
 *
 * Rows are read in place from the caller's buffer (an Int32Array view of
 * it): `ro` is the offset of the row, `uo` of the row above. The bit writer
 * lives in locals during a segment and is written back when it ends or
 * calls out.
 */
import { QuicModel, type QuicModelState } from '../quic-model.js';
import { FAMILY_8BPC, MEL_BITS, MEL_STATES, RAND6, WM_MAX, WM_STEP, WM_TRIGGER } from '../quic-tables.js';

/** Mask of the channels an RGB run compares (alpha is not part of it). */
const RGB = 0xffffff;

/**
 * Codeword of folded residual v under code l, as CODES[l << 8 | v] =
 * bits << 5 | length: a plain Golomb-Rice word (v >> l zeros, a one, the
 * low l bits of v) below the code's limit, else the fixed-length escape
 * (v minus the limit, zero-padded to the escape length).
 */
const CODES = new Int32Array(8 * 256);
/** Signed-modulo difference (0..255) to folded residual: 0, -1, +1, -2, ... → 0, 1, 2, 3, ... */
const FOLD = new Uint8Array(256);
{
  const f = FAMILY_8BPC;
  for (let l = 0; l < f.bpc; l++) {
    const gr = f.grCount[l]!;
    for (let v = 0; v < 256; v++) {
      const bits = v < gr ? (1 << l) | (v & ((1 << l) - 1)) : v - gr;
      CODES[(l << 8) | v] = (bits << 5) | f.codeLen[v * 8 + l]!;
    }
  }
  for (let d = 0; d < 256; d++) FOLD[d] = d < 128 ? d << 1 : ((255 - d) << 1) + 1;
  for (let d = 0; d < 256; d++) if (f.unfold[FOLD[d]!] !== d) throw new Error('QUIC: fold table is not the unfold inverse');
}

/**
 * Worst case of one row, in bits per pixel: three 26-bit codewords (RGB) and
 * one (alpha), and per plane one run bit per pixel plus at most 16 bits to
 * end a run (each run is followed by a coded pixel or the row's end).
 */
const ROW_BITS_PER_PIXEL = 4 * 26 + 2 * 17;

export class QuicRowEncoder extends QuicModel {
  // Bit writer: `acc` holds the word being filled, MSB first, with `free`
  // bits left at the bottom; it is stored only when a later write overflows
  // it (as the reference does, which the end-of-stream padding relies on).
  out = new Int32Array(0);
  n = 0;
  acc = 0;
  free = 32;

  /** Starts a stream: fresh models for `width`, an empty writer with room for `words`. */
  begin(width: number, words: number): void {
    this.resetModel(FAMILY_8BPC, width);
    if (this.out.length < words) this.out = new Int32Array(words);
    this.n = 0;
    this.acc = 0;
    this.free = 32;
  }

  /** Makes room for one more row of `width` pixels, whatever it holds. */
  reserveRow(width: number): void {
    const need = this.n + Math.ceil((width * ROW_BITS_PER_PIXEL) / 32) + 4;
    if (need > this.out.length) {
      const grown = new Int32Array(Math.max(need, this.out.length * 2));
      grown.set(this.out.subarray(0, this.n));
      this.out = grown;
    }
  }

  /** Writes the low `len` (1..31) bits of `bits` (nothing above them may be set). */
  put(bits: number, len: number): void {
    let free = this.free - len;
    if (free >= 0) {
      this.acc |= bits << free;
    } else {
      this.out[this.n++] = this.acc | (bits >>> -free);
      free += 32;
      this.acc = bits << free;
    }
    this.free = free;
  }

  /** Writes a 32-bit header word. */
  put32(v: number): void {
    this.put(v >>> 16, 16);
    this.put(v & 0xffff, 16);
  }

  /**
   * Ends the stream as the reference does: zero bits to the end of the
   * word, one zero word, and one more zero bit that opens a word never
   * stored. Returns the number of words.
   */
  finish(): number {
    if (this.free > 0 && this.free < 32) this.put(0, this.free);
    this.put32(0);
    this.put(0, 1);
    return this.n;
  }

  /**
   * Run length (MELCODE): a one per full chunk of 2^melBits pixels (the
   * chunk grows after each), then a zero and the rest in melBits bits; the
   * state steps back once per run.
   */
  private putRun(st: QuicModelState, len: number): void {
    let bits = st.melBits, ones = 0;
    while (len >= 1 << bits) {
      len -= 1 << bits;
      ones++;
      if (st.melState < MEL_STATES - 1) bits = MEL_BITS[++st.melState]!;
    }
    for (; ones > 16; ones -= 16) this.put(0xffff, 16);
    if (ones) this.put((1 << ones) - 1, ones);
    this.put(len, bits + 1);
    if (st.melState) bits = MEL_BITS[--st.melState]!;
    st.melBits = bits;
  }

  /** Codes one RGB row at px[ro ..], predicting from px[uo ..] unless it is the first row. */
  rgbRow(first: boolean, px: Int32Array, ro: number, uo: number): void {
    // The wait-mask index advances every WM_STEP pixels, which may fall
    // inside a row: the row is then coded in segments.
    const st = this.rgbState;
    let pos = 0;
    let width = this.width;
    while (st.wmIndex < WM_MAX && st.wmLeft <= width) {
      if (st.wmLeft) {
        if (first) this.rgbFirst(st, pos, pos + st.wmLeft, px, ro);
        else this.rgbNext(st, pos, pos + st.wmLeft, px, ro, uo);
        width -= st.wmLeft;
        pos += st.wmLeft;
      }
      st.wmIndex++;
      st.trigger = WM_TRIGGER[st.wmIndex]!;
      st.wmLeft = WM_STEP;
    }
    if (width) {
      if (first) this.rgbFirst(st, pos, pos + width, px, ro);
      else this.rgbNext(st, pos, pos + width, px, ro, uo);
      if (st.wmIndex < WM_MAX) st.wmLeft -= width;
    }
  }

  /** Codes the alpha bytes of one row (channel 3, its own model state). */
  alphaRow(first: boolean, px: Int32Array, ro: number, uo: number): void {
    const st = this.planeState;
    let pos = 0;
    let width = this.width;
    while (st.wmIndex < WM_MAX && st.wmLeft <= width) {
      if (st.wmLeft) {
        if (first) this.alphaFirst(st, pos, pos + st.wmLeft, px, ro);
        else this.alphaNext(st, pos, pos + st.wmLeft, px, ro, uo);
        width -= st.wmLeft;
        pos += st.wmLeft;
      }
      st.wmIndex++;
      st.trigger = WM_TRIGGER[st.wmIndex]!;
      st.wmLeft = WM_STEP;
    }
    if (width) {
      if (first) this.alphaFirst(st, pos, pos + width, px, ro);
      else this.alphaNext(st, pos, pos + width, px, ro, uo);
      if (st.wmIndex < WM_MAX) st.wmLeft -= width;
    }
  }

  // In the four segment coders, a model update is due at pixel `stop`;
  // after it the next interval is drawn from the random table. A channel's
  // code comes from its context: the previous pixel's folded residual.
  // (a - b) & 255 depends only on the low bytes of a and b, so residuals
  // against the left pixel need no channel extraction.

  private rgbFirst(st: QuicModelState, start: number, end: number, px: Int32Array, ro: number): void {
    const co = this.codeOf, out = this.out;
    let acc = this.acc, free = this.free, n = this.n;
    const kr = this.corr[0]!, kg = this.corr[1]!, kb = this.corr[2]!;
    const waitMask = (1 << st.wmIndex) - 1, trigger = st.trigger;
    let seed = st.seed;
    let stop = start + st.wait;
    let xr = kr[start]!, xg = kg[start]!, xb = kb[start]!;
    let left = start ? px[ro + start - 1]! : 0;
    for (let i = start; i < end; i++) {
      const p = px[ro + i]!;
      const vr = FOLD[((p >> 16) - (left >> 16)) & 255]!;
      const vg = FOLD[((p >> 8) - (left >> 8)) & 255]!;
      const vb = FOLD[(p - left) & 255]!;
      let c = CODES[(co[xr]! << 8) | vr]!;
      free -= c & 31;
      if (free >= 0) acc |= (c >>> 5) << free;
      else { out[n++] = acc | ((c >>> 5) >>> -free); free += 32; acc = (c >>> 5) << free; }
      c = CODES[(co[256 | xg]! << 8) | vg]!;
      free -= c & 31;
      if (free >= 0) acc |= (c >>> 5) << free;
      else { out[n++] = acc | ((c >>> 5) >>> -free); free += 32; acc = (c >>> 5) << free; }
      c = CODES[(co[512 | xb]! << 8) | vb]!;
      free -= c & 31;
      if (free >= 0) acc |= (c >>> 5) << free;
      else { out[n++] = acc | ((c >>> 5) >>> -free); free += 32; acc = (c >>> 5) << free; }
      kr[i + 1] = vr; kg[i + 1] = vg; kb[i + 1] = vb;
      left = p;
      if (i === stop) {
        this.update8(0, xr, vr, trigger);
        this.update8(1, xg, vg, trigger);
        this.update8(2, xb, vb, trigger);
        seed = (seed + 1) & 255;
        stop = i + 1 + (RAND6[seed]! & waitMask);
      }
      xr = vr; xg = vg; xb = vb;
    }
    st.wait = stop - end;
    st.seed = seed;
    this.acc = acc; this.free = free; this.n = n;
  }

  private rgbNext(st: QuicModelState, start: number, end: number, px: Int32Array, ro: number, uo: number): void {
    const co = this.codeOf, out = this.out;
    let acc = this.acc, free = this.free, n = this.n;
    const kr = this.corr[0]!, kg = this.corr[1]!, kb = this.corr[2]!;
    const waitMask = (1 << st.wmIndex) - 1, trigger = st.trigger;
    let seed = st.seed;
    let stop = start + st.wait;
    let runAt = 0;
    let xr = kr[start]!, xg = kg[start]!, xb = kb[start]!;
    // left: the pixel to the left, which for pixel 0 is the pixel above so
    // that the mean predictor gives "above"; ul: the pixel above-left.
    let left: number, ul: number;
    if (start === 0) {
      left = ul = px[uo]!;
    } else {
      left = px[ro + start - 1]!;
      ul = px[uo + start - 1]!;
    }
    let i = start;
    while (i < end) {
      const u = px[uo + i]!;
      // Run mode: above equals above-left and the two pixels to the left are
      // equal (RGB only), but not again where the previous run stopped.
      if (((ul ^ u) & RGB) === 0 && i > 2 && runAt !== i && ((left ^ px[ro + i - 2]!) & RGB) === 0) {
        const wait = stop - i;
        runAt = i;
        let j = i;
        while (j < end && ((px[ro + j]! ^ left) & RGB) === 0) j++;
        this.acc = acc; this.free = free; this.n = n;
        this.putRun(st, j - i);
        acc = this.acc; free = this.free; n = this.n;
        i = j;
        if (i === end) {
          st.wait = wait;
          st.seed = seed;
          return;
        }
        stop = i + wait;
        // `left` equals the run's pixels in RGB; the contexts are whatever
        // the run left in place, as the decoder reads them.
        ul = px[uo + i - 1]!;
        xr = kr[i]!; xg = kg[i]!; xb = kb[i]!;
        continue;
      }
      const p = px[ro + i]!;
      const vr = FOLD[((p >> 16) - ((((left >> 16) & 255) + ((u >> 16) & 255)) >> 1)) & 255]!;
      const vg = FOLD[((p >> 8) - ((((left >> 8) & 255) + ((u >> 8) & 255)) >> 1)) & 255]!;
      const vb = FOLD[(p - (((left & 255) + (u & 255)) >> 1)) & 255]!;
      let c = CODES[(co[xr]! << 8) | vr]!;
      free -= c & 31;
      if (free >= 0) acc |= (c >>> 5) << free;
      else { out[n++] = acc | ((c >>> 5) >>> -free); free += 32; acc = (c >>> 5) << free; }
      c = CODES[(co[256 | xg]! << 8) | vg]!;
      free -= c & 31;
      if (free >= 0) acc |= (c >>> 5) << free;
      else { out[n++] = acc | ((c >>> 5) >>> -free); free += 32; acc = (c >>> 5) << free; }
      c = CODES[(co[512 | xb]! << 8) | vb]!;
      free -= c & 31;
      if (free >= 0) acc |= (c >>> 5) << free;
      else { out[n++] = acc | ((c >>> 5) >>> -free); free += 32; acc = (c >>> 5) << free; }
      kr[i + 1] = vr; kg[i + 1] = vg; kb[i + 1] = vb;
      left = p;
      ul = u;
      if (i === stop) {
        this.update8(0, xr, vr, trigger);
        this.update8(1, xg, vg, trigger);
        this.update8(2, xb, vb, trigger);
        seed = (seed + 1) & 255;
        stop = i + 1 + (RAND6[seed]! & waitMask);
      }
      xr = vr; xg = vg; xb = vb;
      i++;
    }
    st.wait = stop - end;
    st.seed = seed;
    this.acc = acc; this.free = free; this.n = n;
  }

  private alphaFirst(st: QuicModelState, start: number, end: number, px: Int32Array, ro: number): void {
    const co = this.codeOf, out = this.out;
    let acc = this.acc, free = this.free, n = this.n;
    const k = this.corr[3]!;
    const waitMask = (1 << st.wmIndex) - 1, trigger = st.trigger;
    let seed = st.seed;
    let stop = start + st.wait;
    let x = k[start]!;
    let left = start ? px[ro + start - 1]! >>> 24 : 0;
    for (let i = start; i < end; i++) {
      const a = px[ro + i]! >>> 24;
      const v = FOLD[(a - left) & 255]!;
      const c = CODES[(co[768 | x]! << 8) | v]!;
      free -= c & 31;
      if (free >= 0) acc |= (c >>> 5) << free;
      else { out[n++] = acc | ((c >>> 5) >>> -free); free += 32; acc = (c >>> 5) << free; }
      k[i + 1] = v;
      left = a;
      if (i === stop) {
        this.update8(3, x, v, trigger);
        seed = (seed + 1) & 255;
        stop = i + 1 + (RAND6[seed]! & waitMask);
      }
      x = v;
    }
    st.wait = stop - end;
    st.seed = seed;
    this.acc = acc; this.free = free; this.n = n;
  }

  private alphaNext(st: QuicModelState, start: number, end: number, px: Int32Array, ro: number, uo: number): void {
    const co = this.codeOf, out = this.out;
    let acc = this.acc, free = this.free, n = this.n;
    const k = this.corr[3]!;
    const waitMask = (1 << st.wmIndex) - 1, trigger = st.trigger;
    let seed = st.seed;
    let stop = start + st.wait;
    let runAt = 0;
    let x = k[start]!;
    let left: number, ul: number;
    if (start === 0) {
      left = ul = px[uo]! >>> 24;
    } else {
      left = px[ro + start - 1]! >>> 24;
      ul = px[uo + start - 1]! >>> 24;
    }
    let i = start;
    while (i < end) {
      const u = px[uo + i]! >>> 24;
      if (ul === u && i > 2 && runAt !== i && left === px[ro + i - 2]! >>> 24) {
        const wait = stop - i;
        runAt = i;
        let j = i;
        while (j < end && px[ro + j]! >>> 24 === left) j++;
        this.acc = acc; this.free = free; this.n = n;
        this.putRun(st, j - i);
        acc = this.acc; free = this.free; n = this.n;
        i = j;
        if (i === end) {
          st.wait = wait;
          st.seed = seed;
          return;
        }
        stop = i + wait;
        ul = px[uo + i - 1]! >>> 24;
        x = k[i]!;
        continue;
      }
      const a = px[ro + i]! >>> 24;
      const v = FOLD[(a - ((left + u) >> 1)) & 255]!;
      const c = CODES[(co[768 | x]! << 8) | v]!;
      free -= c & 31;
      if (free >= 0) acc |= (c >>> 5) << free;
      else { out[n++] = acc | ((c >>> 5) >>> -free); free += 32; acc = (c >>> 5) << free; }
      k[i + 1] = v;
      left = a;
      ul = u;
      if (i === stop) {
        this.update8(3, x, v, trigger);
        seed = (seed + 1) & 255;
        stop = i + 1 + (RAND6[seed]! & waitMask);
      }
      x = v;
      i++;
    }
    st.wait = stop - end;
    st.seed = seed;
    this.acc = acc; this.free = free; this.n = n;
  }
}
