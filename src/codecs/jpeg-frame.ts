/**
 * JPEG marker segments: the frame header (SOF), scan header (SOS), quantisation (DQT),
 * Huffman (DHT) and restart-interval (DRI) segments, read into the structures the scan
 * decoder and the colour stage work on. Only what sequential 8-bit Huffman JPEG needs
 * (what libjpeg's encoder in spice-server emits); other processes are refused with
 * ERR_UNSUPPORTED, malformed segments with ERR_CORRUPT_IMAGE.
 */
import { SpiceError, ErrorCode } from '../protocol/errors.js';
import { buildHuffmanTable, standardHuffmanTable, ZIGZAG, type HuffmanTable } from './jpeg-huffman.js';

export function corrupt(message: string): never {
  throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `JPEG: ${message}`);
}

export function unsupported(message: string): never {
  throw new SpiceError(ErrorCode.UNSUPPORTED, `JPEG: ${message}`);
}

/** Marker codes (the byte after 0xFF). */
export const M = {
  SOF0: 0xc0, SOF1: 0xc1, SOF2: 0xc2, SOF3: 0xc3, DHT: 0xc4, SOF5: 0xc5, SOF6: 0xc6, SOF7: 0xc7,
  JPG: 0xc8, SOF9: 0xc9, SOF10: 0xca, SOF11: 0xcb, DAC: 0xcc, SOF13: 0xcd, SOF14: 0xce, SOF15: 0xcf,
  RST0: 0xd0, RST7: 0xd7, SOI: 0xd8, EOI: 0xd9, SOS: 0xda, DQT: 0xdb, DNL: 0xdc, DRI: 0xdd,
  APP0: 0xe0, APP14: 0xee, COM: 0xfe, TEM: 0x01,
} as const;

/** Tables that outlive one image: libjpeg keeps them across images of one stream (MJPEG). */
export interface JpegTables {
  /** Quantisers in natural order, by table slot 0..3. */
  quant: (Uint16Array | undefined)[];
  dc: (HuffmanTable | undefined)[];
  ac: (HuffmanTable | undefined)[];
}

export function newTables(): JpegTables {
  return { quant: [undefined, undefined, undefined, undefined], dc: [undefined, undefined, undefined, undefined], ac: [undefined, undefined, undefined, undefined] };
}

export interface JpegComponent {
  id: number;
  h: number;
  v: number;
  tq: number;
  /** Samples actually in the image for this component (ceil(W*h/hmax) x ceil(H*v/vmax)). */
  width: number;
  height: number;
  /** Blocks of a non-interleaved scan (cover width x height). */
  blocksW: number;
  blocksH: number;
  /** Plane of samples, `stride` wide, padded to whole MCUs. */
  stride: number;
  rows: number;
  plane: Uint8Array;
  /** Dequantisation factors in zig-zag order, scaled for the IDCT in use; latched at the first scan. */
  dequant: Int32Array | undefined;
}

export interface JpegFrame {
  width: number;
  height: number;
  hmax: number;
  vmax: number;
  mcusX: number;
  mcusY: number;
  components: JpegComponent[];
}

function u16(d: Uint8Array, p: number): number {
  return (d[p] << 8) | d[p + 1];
}

/** Reads a marker segment's length and returns [start of payload, end of segment]. */
export function segment(d: Uint8Array, pos: number, what: string): [number, number] {
  if (pos + 2 > d.length) corrupt(`${what} segment cut short`);
  const len = u16(d, pos);
  if (len < 2) corrupt(`${what} segment length ${len}`);
  if (pos + len > d.length) corrupt(`${what} segment of ${len} bytes runs past the end of the data`);
  return [pos + 2, pos + len];
}

/** SOF0/SOF1 (sequential Huffman). Sizes are checked against `maxPixels` before anything is allocated. */
export function readFrame(d: Uint8Array, pos: number, maxPixels: number, dataLength: number): JpegFrame {
  const [p, end] = segment(d, pos, 'SOF');
  if (end - p < 6) corrupt('SOF segment too short');
  const precision = d[p];
  if (precision !== 8) unsupported(`${precision}-bit samples (only 8-bit JPEG is supported)`);
  const height = u16(d, p + 1);
  const width = u16(d, p + 3);
  const n = d[p + 5];
  if (height === 0) unsupported('height defined by a DNL marker');
  if (width === 0) corrupt('image width 0');
  if (n !== 1 && n !== 3) unsupported(`${n} colour components (only greyscale and YCbCr/RGB are supported)`);
  if (end - p !== 6 + 3 * n) corrupt(`SOF segment length does not match ${n} components`);
  if (width * height > maxPixels) {
    throw new SpiceError(ErrorCode.LIMIT, `JPEG: ${width}x${height} is over the limit of ${maxPixels} pixels`);
  }
  const comps: { id: number; h: number; v: number; tq: number }[] = [];
  let hmax = 1, vmax = 1;
  for (let i = 0; i < n; i++) {
    const q = p + 6 + 3 * i;
    const h = d[q + 1] >> 4, v = d[q + 1] & 15, tq = d[q + 2];
    if (h < 1 || h > 4 || v < 1 || v > 4) corrupt(`component ${i} has sampling factors ${h}x${v}`);
    if (tq > 3) corrupt(`component ${i} uses quantisation table ${tq}`);
    if (comps.some((c) => c.id === d[q])) corrupt(`two components with id ${d[q]}`);
    comps.push({ id: d[q], h, v, tq });
    hmax = Math.max(hmax, h);
    vmax = Math.max(vmax, v);
  }
  if (n === 1) {
    // A single component is always coded block by block, whatever its factors say.
    comps[0].h = 1; comps[0].v = 1; hmax = 1; vmax = 1;
  }
  let blocksInMcu = 0;
  for (const c of comps) {
    if (hmax % c.h !== 0 || vmax % c.v !== 0) unsupported(`sampling factors ${c.h}x${c.v} against ${hmax}x${vmax} (not an integral ratio)`);
    blocksInMcu += c.h * c.v;
  }
  if (n > 1 && blocksInMcu > 10) corrupt(`${blocksInMcu} blocks per MCU (at most 10 allowed)`);
  const mcusX = Math.ceil(width / (8 * hmax));
  const mcusY = Math.ceil(height / (8 * vmax));
  const components: JpegComponent[] = comps.map((c) => {
    const cw = Math.ceil((width * c.h) / hmax);
    const ch = Math.ceil((height * c.v) / vmax);
    const stride = mcusX * c.h * 8;
    const rows = mcusY * c.v * 8;
    return {
      ...c, width: cw, height: ch, blocksW: Math.ceil(cw / 8), blocksH: Math.ceil(ch / 8),
      stride, rows, plane: new Uint8Array(0), dequant: undefined,
    };
  });
  // Every coded block costs at least 2 bits (a DC and an AC code): refuse sizes the data
  // cannot hold before anyone allocates planes for them.
  let blocks = 0;
  for (const c of components) blocks += c.blocksW * c.blocksH;
  if (blocks * 2 > dataLength * 8) corrupt(`${width}x${height} needs at least ${Math.ceil(blocks / 4)} bytes of scan data, the image has ${dataLength}`);
  return { width, height, hmax, vmax, mcusX, mcusY, components };
}

/** DQT: one or more tables, 8- or 16-bit, stored in natural order. */
export function readQuant(d: Uint8Array, pos: number, tables: JpegTables): void {
  const [start, end] = segment(d, pos, 'DQT');
  let p = start;
  while (p < end) {
    const pq = d[p] >> 4, tq = d[p] & 15;
    if (pq > 1) corrupt(`DQT precision ${pq}`);
    if (tq > 3) corrupt(`DQT table slot ${tq}`);
    const size = pq ? 128 : 64;
    if (p + 1 + size > end) corrupt('DQT segment cut short');
    const t = new Uint16Array(64);
    for (let k = 0; k < 64; k++) t[ZIGZAG[k]] = pq ? u16(d, p + 1 + 2 * k) : d[p + 1 + k];
    tables.quant[tq] = t;
    p += 1 + size;
  }
}

/** DHT: one or more tables. */
export function readHuffman(d: Uint8Array, pos: number, tables: JpegTables): void {
  const [start, end] = segment(d, pos, 'DHT');
  let p = start;
  while (p < end) {
    if (p + 17 > end) corrupt('DHT segment cut short');
    const tc = d[p] >> 4, th = d[p] & 15;
    if (tc > 1 || th > 3) corrupt(`DHT class ${tc} slot ${th}`);
    const counts = d.subarray(p + 1, p + 17);
    let total = 0;
    for (let i = 0; i < 16; i++) total += counts[i];
    if (total > 256) corrupt(`DHT table with ${total} codes`);
    if (p + 17 + total > end) corrupt('DHT segment cut short');
    const table = buildHuffmanTable(counts, d.subarray(p + 17, p + 17 + total), tc === 0);
    if (tc === 0) tables.dc[th] = table; else tables.ac[th] = table;
    p += 17 + total;
  }
}

export interface JpegScan {
  components: JpegComponent[];
  dc: HuffmanTable[];
  ac: HuffmanTable[];
}

/** SOS header; the entropy-coded data follows the returned end position. */
export function readScan(d: Uint8Array, pos: number, frame: JpegFrame, tables: JpegTables): { scan: JpegScan; end: number } {
  const [p, end] = segment(d, pos, 'SOS');
  const n = d[p];
  if (n < 1 || n > 4 || end - p !== 4 + 2 * n) corrupt(`SOS segment for ${n} components has ${end - pos} bytes`);
  const scan: JpegScan = { components: [], dc: [], ac: [] };
  let blocks = 0;
  for (let i = 0; i < n; i++) {
    const id = d[p + 1 + 2 * i], td = d[p + 2 + 2 * i] >> 4, ta = d[p + 2 + 2 * i] & 15;
    const comp = frame.components.find((c) => c.id === id);
    if (!comp) corrupt(`scan refers to component ${id}, not in the frame`);
    if (scan.components.includes(comp)) corrupt(`scan lists component ${id} twice`);
    // A slot no DHT filled gets the standard table, as in libjpeg-turbo (see standardHuffmanTable).
    const dc = td < 4 ? tables.dc[td] ?? standardHuffmanTable(true, td) : undefined;
    const ac = ta < 4 ? tables.ac[ta] ?? standardHuffmanTable(false, ta) : undefined;
    if (!dc) corrupt(`component ${id} uses DC Huffman table ${td}, which is not defined`);
    if (!ac) corrupt(`component ${id} uses AC Huffman table ${ta}, which is not defined`);
    scan.components.push(comp);
    scan.dc.push(dc);
    scan.ac.push(ac);
    blocks += comp.h * comp.v;
  }
  if (n > 1 && blocks > 10) corrupt(`${blocks} blocks per MCU (at most 10 allowed)`);
  // Ss/Se/Ah/Al (p+1+2n .. p+3+2n) describe progressive scans; libjpeg ignores them
  // for sequential frames, and so do we.
  return { scan, end };
}

/** Width and height from the frame header, without decoding (for decoders that are not ours). */
export function readJpegSize(d: Uint8Array): { width: number; height: number } {
  if (d.length < 4 || d[0] !== 0xff || d[1] !== M.SOI) corrupt('data does not start with an SOI marker');
  let pos = 2;
  for (;;) {
    while (pos < d.length && d[pos] !== 0xff) pos++;
    while (pos < d.length && d[pos] === 0xff) pos++;
    if (pos >= d.length) corrupt('no frame header (truncated image?)');
    const m = d[pos++];
    if (m === M.TEM || (m >= M.RST0 && m <= M.EOI)) {
      if (m === M.EOI || m === M.SOI) corrupt('no frame header');
      continue;
    }
    const [p, end] = segment(d, pos, 'marker');
    if (m >= 0xc0 && m <= 0xcf && m !== M.DHT && m !== M.JPG && m !== M.DAC) {
      if (end - p < 6) corrupt('SOF segment too short');
      const width = u16(d, p + 3), height = u16(d, p + 1);
      if (width === 0 || height === 0) corrupt(`image size ${width}x${height}`);
      return { width, height };
    }
    pos = end;
  }
}
