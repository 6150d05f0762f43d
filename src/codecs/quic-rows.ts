/**
 * QUIC row decoders: three channels sharing one model state (RGB), or one
 * channel with its own (GRAY, and the alpha plane of RGBA).
 *
 * Prediction: pixel 0 of a row from the pixel above (the raw value on the
 * first row), then from the left on the first row and from the mean of left
 * and above on the others. Run mode starts where the pixel above equals the
 * one above-left and the two pixels to the left are equal (but not again
 * where the previous run stopped).
 *
 * RGB rows are rows of packed words 0xFFRRGGBB (channel values of bpc bits),
 * so the run test compares whole pixels; for RGB24/RGB32 they are the output
 * rows themselves. The bit reader lives in locals during a segment and is
 * written back to the model when it ends or calls out.
 */
import { QuicModel, type QuicModelState, truncated } from './quic-model.js';
import { RAND6, WM_MAX, WM_STEP, WM_TRIGGER } from './quic-tables.js';

export class QuicRowDecoder extends QuicModel {
  /**
   * Decodes one RGB row into row[ro .. ro + width), predicting from the row
   * at up[uo ..] (ignored on the first row).
   */
  rgbRow(first: boolean, row: Int32Array, ro: number, up: Int32Array, uo: number): void {
    // The wait-mask index advances every WM_STEP pixels, which may fall
    // inside a row: the row is then coded in segments.
    const st = this.rgbState;
    let pos = 0;
    let width = this.width;
    while (st.wmIndex < WM_MAX && st.wmLeft <= width) {
      if (st.wmLeft) {
        if (first) this.rgbFirst(st, pos, pos + st.wmLeft, row, ro);
        else this.rgbNext(st, pos, pos + st.wmLeft, row, ro, up, uo);
        width -= st.wmLeft;
        pos += st.wmLeft;
      }
      st.wmIndex++;
      st.trigger = WM_TRIGGER[st.wmIndex]!;
      st.wmLeft = WM_STEP;
    }
    if (width) {
      if (first) this.rgbFirst(st, pos, pos + width, row, ro);
      else this.rgbNext(st, pos, pos + width, row, ro, up, uo);
      if (st.wmIndex < WM_MAX) st.wmLeft -= width;
    }
  }

  /** Decodes one row of channel `ch` into `row`, predicting from `up` (ignored on the first row). */
  planeRow(first: boolean, ch: number, row: Uint8Array, up: Uint8Array): void {
    const st = this.planeState;
    let pos = 0;
    let width = this.width;
    while (st.wmIndex < WM_MAX && st.wmLeft <= width) {
      if (st.wmLeft) {
        if (first) this.oneFirst(st, ch, pos, pos + st.wmLeft, row);
        else this.oneNext(st, ch, pos, pos + st.wmLeft, row, up);
        width -= st.wmLeft;
        pos += st.wmLeft;
      }
      st.wmIndex++;
      st.trigger = WM_TRIGGER[st.wmIndex]!;
      st.wmLeft = WM_STEP;
    }
    if (width) {
      if (first) this.oneFirst(st, ch, pos, pos + width, row);
      else this.oneNext(st, ch, pos, pos + width, row, up);
      if (st.wmIndex < WM_MAX) st.wmLeft -= width;
    }
  }

  // In the four segment decoders, a model update is due at pixel `stop`;
  // after it the next interval is drawn from the random table. Each channel
  // value is decoded as: code l from the context (the previous pixel's
  // folded residual), then a Golomb-Rice codeword of z zeros, a one and l
  // bits when z is under the code's prefix limit, else a fixed-length escape.

  private rgbFirst(st: QuicModelState, start: number, end: number, row: Int32Array, ro: number): void {
    const { grPrefixLimit: grl, grCount: grc, escapeLen: esl, escapeMask: esm, unfold, mask } = this.fam;
    const co = this.codeOf, bits8 = mask === 255;
    const words = this.words, nWords = this.nWords;
    let cur = this.cur, nxt = this.nxt, avail = this.avail, pos = this.pos;
    const kr = this.corr[0]!, kg = this.corr[1]!, kb = this.corr[2]!;
    const waitMask = (1 << st.wmIndex) - 1, trigger = st.trigger;
    let seed = st.seed;
    let stop = start + st.wait;
    let xr = kr[start]!, xg = kg[start]!, xb = kb[start]!;
    const p = start ? row[ro + start - 1]! : 0;
    let lr = (p >> 16) & 255, lg = (p >> 8) & 255, lb = p & 255;
    for (let i = start; i < end; i++) {
      let l: number, z: number, n: number, vr: number, vg: number, vb: number;
      l = co[xr]!;
      z = Math.clz32(cur);
      if (z < grl[l]!) {
        n = z + 1 + l;
        vr = (z << l) | ((cur >>> (32 - n)) & ((1 << l) - 1));
      } else {
        n = esl[l]!;
        vr = (grc[l]! + ((cur >>> (32 - n)) & esm[l]!)) & 255;
      }
      if (n <= avail) {
        avail -= n;
        cur = (cur << n) | (nxt >>> avail);
      } else {
        if (pos >= nWords) throw truncated();
        cur = (cur << n) | (nxt << (n - avail));
        nxt = words[pos++]!;
        avail += 32 - n;
        cur |= nxt >>> avail;
      }
      l = co[256 | xg]!;
      z = Math.clz32(cur);
      if (z < grl[l]!) {
        n = z + 1 + l;
        vg = (z << l) | ((cur >>> (32 - n)) & ((1 << l) - 1));
      } else {
        n = esl[l]!;
        vg = (grc[l]! + ((cur >>> (32 - n)) & esm[l]!)) & 255;
      }
      if (n <= avail) {
        avail -= n;
        cur = (cur << n) | (nxt >>> avail);
      } else {
        if (pos >= nWords) throw truncated();
        cur = (cur << n) | (nxt << (n - avail));
        nxt = words[pos++]!;
        avail += 32 - n;
        cur |= nxt >>> avail;
      }
      l = co[512 | xb]!;
      z = Math.clz32(cur);
      if (z < grl[l]!) {
        n = z + 1 + l;
        vb = (z << l) | ((cur >>> (32 - n)) & ((1 << l) - 1));
      } else {
        n = esl[l]!;
        vb = (grc[l]! + ((cur >>> (32 - n)) & esm[l]!)) & 255;
      }
      if (n <= avail) {
        avail -= n;
        cur = (cur << n) | (nxt >>> avail);
      } else {
        if (pos >= nWords) throw truncated();
        cur = (cur << n) | (nxt << (n - avail));
        nxt = words[pos++]!;
        avail += 32 - n;
        cur |= nxt >>> avail;
      }
      kr[i + 1] = vr; kg[i + 1] = vg; kb[i + 1] = vb;
      lr = (unfold[vr]! + lr) & mask;
      lg = (unfold[vg]! + lg) & mask;
      lb = (unfold[vb]! + lb) & mask;
      row[ro + i] = 0xff000000 | (lr << 16) | (lg << 8) | lb;
      if (i === stop) {
        if (bits8) {
          this.update8(0, xr, vr, trigger);
          this.update8(1, xg, vg, trigger);
          this.update8(2, xb, vb, trigger);
        } else {
          this.update5(0, xr, vr, trigger);
          this.update5(1, xg, vg, trigger);
          this.update5(2, xb, vb, trigger);
        }
        seed = (seed + 1) & 255;
        stop = i + 1 + (RAND6[seed]! & waitMask);
      }
      xr = vr; xg = vg; xb = vb;
    }
    st.wait = stop - end;
    st.seed = seed;
    this.cur = cur; this.nxt = nxt; this.avail = avail; this.pos = pos;
  }

  private rgbNext(st: QuicModelState, start: number, end: number, row: Int32Array, ro: number, up: Int32Array, uo: number): void {
    const { grPrefixLimit: grl, grCount: grc, escapeLen: esl, escapeMask: esm, unfold, mask } = this.fam;
    const co = this.codeOf, bits8 = mask === 255;
    const words = this.words, nWords = this.nWords;
    let cur = this.cur, nxt = this.nxt, avail = this.avail, pos = this.pos;
    const kr = this.corr[0]!, kg = this.corr[1]!, kb = this.corr[2]!;
    const waitMask = (1 << st.wmIndex) - 1, trigger = st.trigger;
    let seed = st.seed;
    let stop = start + st.wait;
    let runAt = 0;
    let xr = kr[start]!, xg = kg[start]!, xb = kb[start]!;
    // p1, p2: the two pixels to the left; ul: the pixel above-left; lr/lg/lb:
    // the left pixel's channels, which for pixel 0 are set to the pixel above
    // so that the mean predictor gives "above".
    let p1: number, p2: number, ul: number;
    if (start === 0) {
      p1 = p2 = ul = up[uo]!;
    } else {
      p1 = row[ro + start - 1]!;
      p2 = start >= 2 ? row[ro + start - 2]! : 0;
      ul = up[uo + start - 1]!;
    }
    let lr = (p1 >> 16) & 255, lg = (p1 >> 8) & 255, lb = p1 & 255;
    let i = start;
    while (i < end) {
      const u = up[uo + i]!;
      if (ul === u && p1 === p2 && i > 2 && runAt !== i) {
        const wait = stop - i;
        runAt = i;
        this.cur = cur; this.nxt = nxt; this.avail = avail; this.pos = pos;
        const len = this.run(st, end - i);
        cur = this.cur; nxt = this.nxt; avail = this.avail; pos = this.pos;
        if (len > 24) {
          row.fill(p1, ro + i, ro + i + len);
          i += len;
        } else {
          for (const e = i + len; i < e; i++) row[ro + i] = p1;
        }
        if (i === end) {
          st.wait = wait;
          st.seed = seed;
          return;
        }
        stop = i + wait;
        // The left pixels are p1 (the run copied it); contexts are whatever
        // the run left in place.
        ul = up[uo + i - 1]!;
        xr = kr[i]!; xg = kg[i]!; xb = kb[i]!;
        continue;
      }
      let l: number, z: number, n: number, vr: number, vg: number, vb: number;
      l = co[xr]!;
      z = Math.clz32(cur);
      if (z < grl[l]!) {
        n = z + 1 + l;
        vr = (z << l) | ((cur >>> (32 - n)) & ((1 << l) - 1));
      } else {
        n = esl[l]!;
        vr = (grc[l]! + ((cur >>> (32 - n)) & esm[l]!)) & 255;
      }
      if (n <= avail) {
        avail -= n;
        cur = (cur << n) | (nxt >>> avail);
      } else {
        if (pos >= nWords) throw truncated();
        cur = (cur << n) | (nxt << (n - avail));
        nxt = words[pos++]!;
        avail += 32 - n;
        cur |= nxt >>> avail;
      }
      l = co[256 | xg]!;
      z = Math.clz32(cur);
      if (z < grl[l]!) {
        n = z + 1 + l;
        vg = (z << l) | ((cur >>> (32 - n)) & ((1 << l) - 1));
      } else {
        n = esl[l]!;
        vg = (grc[l]! + ((cur >>> (32 - n)) & esm[l]!)) & 255;
      }
      if (n <= avail) {
        avail -= n;
        cur = (cur << n) | (nxt >>> avail);
      } else {
        if (pos >= nWords) throw truncated();
        cur = (cur << n) | (nxt << (n - avail));
        nxt = words[pos++]!;
        avail += 32 - n;
        cur |= nxt >>> avail;
      }
      l = co[512 | xb]!;
      z = Math.clz32(cur);
      if (z < grl[l]!) {
        n = z + 1 + l;
        vb = (z << l) | ((cur >>> (32 - n)) & ((1 << l) - 1));
      } else {
        n = esl[l]!;
        vb = (grc[l]! + ((cur >>> (32 - n)) & esm[l]!)) & 255;
      }
      if (n <= avail) {
        avail -= n;
        cur = (cur << n) | (nxt >>> avail);
      } else {
        if (pos >= nWords) throw truncated();
        cur = (cur << n) | (nxt << (n - avail));
        nxt = words[pos++]!;
        avail += 32 - n;
        cur |= nxt >>> avail;
      }
      kr[i + 1] = vr; kg[i + 1] = vg; kb[i + 1] = vb;
      lr = (unfold[vr]! + ((lr + ((u >> 16) & 255)) >> 1)) & mask;
      lg = (unfold[vg]! + ((lg + ((u >> 8) & 255)) >> 1)) & mask;
      lb = (unfold[vb]! + ((lb + (u & 255)) >> 1)) & mask;
      p2 = p1;
      p1 = 0xff000000 | (lr << 16) | (lg << 8) | lb;
      row[ro + i] = p1;
      ul = u;
      if (i === stop) {
        if (bits8) {
          this.update8(0, xr, vr, trigger);
          this.update8(1, xg, vg, trigger);
          this.update8(2, xb, vb, trigger);
        } else {
          this.update5(0, xr, vr, trigger);
          this.update5(1, xg, vg, trigger);
          this.update5(2, xb, vb, trigger);
        }
        seed = (seed + 1) & 255;
        stop = i + 1 + (RAND6[seed]! & waitMask);
      }
      xr = vr; xg = vg; xb = vb;
      i++;
    }
    st.wait = stop - end;
    st.seed = seed;
    this.cur = cur; this.nxt = nxt; this.avail = avail; this.pos = pos;
  }

  private oneFirst(st: QuicModelState, ch: number, start: number, end: number, row: Uint8Array): void {
    const { grPrefixLimit: grl, grCount: grc, escapeLen: esl, escapeMask: esm, unfold, mask } = this.fam;
    const co = this.codeOf, cb = ch << 8;
    const words = this.words, nWords = this.nWords;
    let cur = this.cur, nxt = this.nxt, avail = this.avail, pos = this.pos;
    const k = this.corr[ch]!;
    const waitMask = (1 << st.wmIndex) - 1, trigger = st.trigger;
    let seed = st.seed;
    let stop = start + st.wait;
    let x = k[start]!;
    let a = start ? row[start - 1]! : 0;
    for (let i = start; i < end; i++) {
      const l = co[cb | x]!;
      const z = Math.clz32(cur);
      let n: number, v: number;
      if (z < grl[l]!) {
        n = z + 1 + l;
        v = (z << l) | ((cur >>> (32 - n)) & ((1 << l) - 1));
      } else {
        n = esl[l]!;
        v = (grc[l]! + ((cur >>> (32 - n)) & esm[l]!)) & 255;
      }
      if (n <= avail) {
        avail -= n;
        cur = (cur << n) | (nxt >>> avail);
      } else {
        if (pos >= nWords) throw truncated();
        cur = (cur << n) | (nxt << (n - avail));
        nxt = words[pos++]!;
        avail += 32 - n;
        cur |= nxt >>> avail;
      }
      k[i + 1] = v;
      a = (unfold[v]! + a) & mask;
      row[i] = a;
      if (i === stop) {
        this.update8(ch, x, v, trigger);
        seed = (seed + 1) & 255;
        stop = i + 1 + (RAND6[seed]! & waitMask);
      }
      x = v;
    }
    st.wait = stop - end;
    st.seed = seed;
    this.cur = cur; this.nxt = nxt; this.avail = avail; this.pos = pos;
  }

  private oneNext(st: QuicModelState, ch: number, start: number, end: number, row: Uint8Array, up: Uint8Array): void {
    const { grPrefixLimit: grl, grCount: grc, escapeLen: esl, escapeMask: esm, unfold, mask } = this.fam;
    const co = this.codeOf, cb = ch << 8;
    const words = this.words, nWords = this.nWords;
    let cur = this.cur, nxt = this.nxt, avail = this.avail, pos = this.pos;
    const k = this.corr[ch]!;
    const waitMask = (1 << st.wmIndex) - 1, trigger = st.trigger;
    let seed = st.seed;
    let stop = start + st.wait;
    let runAt = 0;
    let x = k[start]!;
    let a1: number, a2: number, ul: number;
    if (start === 0) {
      a1 = a2 = ul = up[0]!;
    } else {
      a1 = row[start - 1]!;
      a2 = start >= 2 ? row[start - 2]! : 0;
      ul = up[start - 1]!;
    }
    let i = start;
    while (i < end) {
      const u = up[i]!;
      if (ul === u && a1 === a2 && i > 2 && runAt !== i) {
        const wait = stop - i;
        runAt = i;
        this.cur = cur; this.nxt = nxt; this.avail = avail; this.pos = pos;
        const len = this.run(st, end - i);
        cur = this.cur; nxt = this.nxt; avail = this.avail; pos = this.pos;
        if (len > 24) {
          row.fill(a1, i, i + len);
          i += len;
        } else {
          for (const e = i + len; i < e; i++) row[i] = a1;
        }
        if (i === end) {
          st.wait = wait;
          st.seed = seed;
          return;
        }
        stop = i + wait;
        ul = up[i - 1]!;
        x = k[i]!;
        continue;
      }
      const l = co[cb | x]!;
      const z = Math.clz32(cur);
      let n: number, v: number;
      if (z < grl[l]!) {
        n = z + 1 + l;
        v = (z << l) | ((cur >>> (32 - n)) & ((1 << l) - 1));
      } else {
        n = esl[l]!;
        v = (grc[l]! + ((cur >>> (32 - n)) & esm[l]!)) & 255;
      }
      if (n <= avail) {
        avail -= n;
        cur = (cur << n) | (nxt >>> avail);
      } else {
        if (pos >= nWords) throw truncated();
        cur = (cur << n) | (nxt << (n - avail));
        nxt = words[pos++]!;
        avail += 32 - n;
        cur |= nxt >>> avail;
      }
      k[i + 1] = v;
      a2 = a1;
      a1 = (unfold[v]! + ((a1 + u) >> 1)) & mask;
      row[i] = a1;
      ul = u;
      if (i === stop) {
        this.update8(ch, x, v, trigger);
        seed = (seed + 1) & 255;
        stop = i + 1 + (RAND6[seed]! & waitMask);
      }
      x = v;
      i++;
    }
    st.wait = stop - end;
    st.seed = seed;
    this.cur = cur; this.nxt = nxt; this.avail = avail; this.pos = pos;
  }
}
