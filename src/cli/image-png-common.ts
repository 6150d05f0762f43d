/**
 * What the PNG encoder and decoder share: the signature, CRC-32 and the
 * Paeth predictor. Node-only (node:zlib's crc32 when present), and loaded
 * only when a PNG is read or written.
 */
import * as zlib from 'node:zlib';

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

// ---------------------------------------------------------------- CRC-32

let crcTable: Uint32Array | undefined;

function crc32Js(data: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const t = crcTable;
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// zlib.crc32 exists from Node 20.15; it is several times faster than the table loop.
const nativeCrc = (zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;

export function crc32(data: Uint8Array, start: number, end: number): number {
  if (nativeCrc) return nativeCrc(data.subarray(start, end)) >>> 0;
  return crc32Js(data, start, end);
}

/** PNG's Paeth predictor (also used by the decoder). */
export function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = p > a ? p - a : a - p;
  const pb = p > b ? p - b : b - p;
  const pc = p > c ? p - c : c - p;
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}
