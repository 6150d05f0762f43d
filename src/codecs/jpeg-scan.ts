/**
 * The entropy-coded part of a sequential JPEG scan: Huffman-decodes each block's
 * coefficients, dequantises them and hands the block to an IDCT that writes into the
 * component's sample plane.
 *
 * The bit reader lives in local variables of decodeScan (its refill is written out at
 * each place it is needed) because this loop is where most of the decoding time goes;
 * a reader object costs a memory round trip per bit operation.
 *
 * Corrupt data is reported, not repaired: a code that matches nothing, a coefficient
 * past index 63, a missing restart marker or reading past the end of the data all throw
 * ERR_CORRUPT_IMAGE. (libjpeg warns and fills with zeros instead; spice-server never
 * produces such data.)
 */
import { SpiceError, ErrorCode } from '../protocol/errors.js';
import type { JpegFrame, JpegScan } from './jpeg-frame.js';
import { LOOKAHEAD, ZIGZAG, type HuffmanTable } from './jpeg-huffman.js';

function corrupt(message: string): never {
  throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `JPEG: ${message}`);
}

export type Idct = (blk: Int32Array, out: Uint8Array, off: number, stride: number, ws: Int32Array) => void;

export interface ScanCodec {
  idct: Idct;
  /** The same IDCT for blocks whose non-zero coefficients all lie in the top-left 4x4. */
  idct4: Idct;
  /** The sample value of a block whose only non-zero coefficient is the (dequantised) DC. */
  dcOnly: (dc: number) => number;
}

const MASK = (1 << LOOKAHEAD) - 1;

/** Codes longer than the lookahead: (length << 8) | symbol from the next 16 bits, or 0 for no code. */
function slowCode(t: HuffmanTable, look16: number): number {
  for (let len = LOOKAHEAD + 1; len <= 16; len++) {
    const c = look16 >>> (16 - len);
    if (c <= t.maxcode[len]) return (len << 8) | t.values[t.valptr[len] + c];
  }
  return 0;
}

/**
 * Decodes one scan starting at `start` (just after the SOS header) into the planes of its
 * components, and returns the position of the marker that follows the scan.
 */
export function decodeScan(d: Uint8Array, start: number, frame: JpegFrame, scan: JpegScan, restartInterval: number, codec: ScanCodec): number {
  const comps = scan.components;
  const n = comps.length;
  const ZZ = ZIGZAG;
  const idct = codec.idct, idct4 = codec.idct4, dcOnly = codec.dcOnly;
  const blk = new Int32Array(64);
  const ws = new Int32Array(64);

  // The blocks of one MCU: their component and their offset from the MCU's corner in
  // that component's plane; and how far an MCU step moves in each plane.
  const bComp: number[] = [];
  const bOff: number[] = [];
  const stepX: number[] = [];
  const stepY: number[] = [];
  let mcusX: number, mcusY: number;
  if (n === 1) {
    // Non-interleaved: one block per MCU, over the blocks the component really has.
    const c = comps[0];
    mcusX = c.blocksW;
    mcusY = c.blocksH;
    bComp.push(0);
    bOff.push(0);
    stepX.push(8);
    stepY.push(8 * c.stride);
  } else {
    mcusX = frame.mcusX;
    mcusY = frame.mcusY;
    for (let ci = 0; ci < n; ci++) {
      const c = comps[ci];
      for (let v = 0; v < c.v; v++) {
        for (let h = 0; h < c.h; h++) {
          bComp.push(ci);
          bOff.push(v * 8 * c.stride + h * 8);
        }
      }
      stepX.push(c.h * 8);
      stepY.push(c.v * 8 * c.stride);
    }
  }
  const nb = bComp.length;
  const planes = comps.map((c) => c.plane);
  const strides = comps.map((c) => c.stride);
  const dqs = comps.map((c) => c.dequant as Int32Array);
  const dcTables = scan.dc;
  const acTables = scan.ac;
  const pred = new Int32Array(n);

  // Bit reader state. Past a marker (or the end) it feeds zero bytes, counted in `pad`,
  // so a decode never stalls; consuming any of them means the data was cut short.
  let pos = start;
  let limit = d.length;
  let buf = 0;
  let cnt = 0;
  let pad = 0;

  /** Moves to the marker after the current data (checking nothing fake was consumed). */
  const toMarker = (): void => {
    if (cnt < pad * 8) corrupt('scan data ends early (truncated image?)');
    buf = 0;
    cnt = 0;
    pad = 0;
    limit = d.length;
    let p = pos;
    while (p < d.length && !(d[p] === 0xff && p + 1 < d.length && d[p + 1] !== 0)) p++;
    while (p + 1 < d.length && d[p] === 0xff && d[p + 1] === 0xff) p++;
    pos = p;
  };

  let left = restartInterval;
  let nextRst = 0;

  for (let my = 0; my < mcusY; my++) {
    for (let mx = 0; mx < mcusX; mx++) {
      if (restartInterval !== 0) {
        if (left === 0) {
          toMarker();
          if (pos + 1 >= d.length) corrupt('scan data ends before a restart marker (truncated image?)');
          if (d[pos + 1] !== 0xd0 + nextRst) corrupt(`expected restart marker RST${nextRst}, found 0xFF${d[pos + 1].toString(16).toUpperCase()}`);
          pos += 2;
          nextRst = (nextRst + 1) & 7;
          pred.fill(0);
          left = restartInterval;
        }
        left--;
      }
      for (let b = 0; b < nb; b++) {
        const ci = bComp[b];
        const plane = planes[ci], stride = strides[ci], dq = dqs[ci];
        const dct = dcTables[ci], act = acTables[ci];
        const lookup = act.lookup, fastAc = act.fastAc;
        let off = my * stepY[ci] + mx * stepX[ci] + bOff[b];

        // DC: a category, then that many bits of difference from the previous DC.
        if (cnt < 16) {
          while (cnt <= 24) {
            let byte = 0;
            if (pos < limit) {
              byte = d[pos++];
              if (byte === 0xff) {
                if (d[pos] === 0) pos++;
                else { limit = --pos; byte = 0; pad++; }
              }
            } else pad++;
            buf = (buf << 8) | byte;
            cnt += 8;
          }
        }
        let e = dct.lookup[(buf >>> (cnt - LOOKAHEAD)) & MASK];
        if (e === 0) {
          e = slowCode(dct, (buf >>> (cnt - 16)) & 0xffff);
          if (e === 0) corrupt('bad Huffman code in scan data');
        }
        cnt -= e >> 8;
        const s = e & 15;
        if (s !== 0) {
          if (cnt < s) {
            while (cnt <= 24) {
              let byte = 0;
              if (pos < limit) {
                byte = d[pos++];
                if (byte === 0xff) {
                  if (d[pos] === 0) pos++;
                  else { limit = --pos; byte = 0; pad++; }
                }
              } else pad++;
              buf = (buf << 8) | byte;
              cnt += 8;
            }
          }
          cnt -= s;
          let v = (buf >>> cnt) & ((1 << s) - 1);
          if (v < 1 << (s - 1)) v += 1 - (1 << s);
          pred[ci] += v;
        }
        // libjpeg keeps coefficients as 16-bit values.
        const dcq = ((pred[ci] << 16) >> 16) * dq[0];

        // AC: (run of zeros, size) codes, each followed by `size` bits of value.
        let any = false;
        // Bits 2 and 5 of a natural index: column >= 4 or row >= 4.
        let outer = 0;
        for (let k = 1; k < 64; ) {
          if (cnt < 16) {
            while (cnt <= 24) {
              let byte = 0;
              if (pos < limit) {
                byte = d[pos++];
                if (byte === 0xff) {
                  if (d[pos] === 0) pos++;
                  else { limit = --pos; byte = 0; pad++; }
                }
              } else pad++;
              buf = (buf << 8) | byte;
              cnt += 8;
            }
          }
          const peek = (buf >>> (cnt - LOOKAHEAD)) & MASK;
          const f = fastAc[peek];
          if (f !== 0) {
            cnt -= f & 31;
            k += (f >> 8) & 15;
            if (k > 63) corrupt('AC coefficient index past 63');
            const z = ZZ[k];
            blk[z] = (f >> 16) * dq[k];
            outer |= z;
            k++;
            any = true;
            continue;
          }
          let a = lookup[peek];
          if (a === 0) {
            a = slowCode(act, (buf >>> (cnt - 16)) & 0xffff);
            if (a === 0) corrupt('bad Huffman code in scan data');
          }
          cnt -= a >> 8;
          const size = a & 15;
          if (size === 0) {
            if ((a & 0xff) !== 0xf0) break; // end of block
            k += 16; // sixteen zeros
            continue;
          }
          k += (a >> 4) & 15;
          if (k > 63) corrupt('AC coefficient index past 63');
          if (cnt < size) {
            while (cnt <= 24) {
              let byte = 0;
              if (pos < limit) {
                byte = d[pos++];
                if (byte === 0xff) {
                  if (d[pos] === 0) pos++;
                  else { limit = --pos; byte = 0; pad++; }
                }
              } else pad++;
              buf = (buf << 8) | byte;
              cnt += 8;
            }
          }
          cnt -= size;
          let v = (buf >>> cnt) & ((1 << size) - 1);
          if (v < 1 << (size - 1)) v += 1 - (1 << size);
          const z = ZZ[k];
          blk[z] = v * dq[k];
          outer |= z;
          k++;
          any = true;
        }

        if (any) {
          blk[0] = dcq;
          if ((outer & 36) === 0) idct4(blk, plane, off, stride, ws);
          else idct(blk, plane, off, stride, ws);
          blk.fill(0);
        } else {
          const v = dcOnly(dcq);
          for (let r = 0; r < 8; r++, off += stride) {
            plane[off] = v; plane[off + 1] = v; plane[off + 2] = v; plane[off + 3] = v;
            plane[off + 4] = v; plane[off + 5] = v; plane[off + 6] = v; plane[off + 7] = v;
          }
        }
      }
    }
    // Give up on data that ran out, rather than decoding the rest of a big image from zeros.
    if (cnt < pad * 8) corrupt('scan data ends early (truncated image?)');
  }
  toMarker();
  return pos;
}
