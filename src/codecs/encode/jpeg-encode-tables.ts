/**
 * The fixed tables of the baseline JPEG encoder: the example quantisation
 * tables of ITU-T T.81 Annex K.1/K.2 scaled by a quality factor the way
 * libjpeg's jpeg_set_quality scales them (what spice-server calls, with
 * force_baseline), and the example Huffman tables of Annex K.3 (the "typical"
 * tables libjpeg uses unless asked to optimise), turned into code/length
 * lookups for the encoder.
 */

/** Annex K.1, luminance, natural (row-major) order. */
const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61,
  12, 12, 14, 19, 26, 58, 60, 55,
  14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77,
  24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];

/** Annex K.2, chrominance: a few low frequencies, then 99 everywhere. */
function chromaQuant(): number[] {
  const t = new Array<number>(64).fill(99);
  const top = [[17, 18, 24, 47], [18, 21, 26, 66], [24, 26, 56], [47, 66]];
  top.forEach((row, y) => row.forEach((v, x) => { t[y * 8 + x] = v; }));
  return t;
}
const CHROMA_QUANT = chromaQuant();

/** Zigzag scan position k -> natural index (row * 8 + column). */
export const ZIGZAG_ORDER: Uint8Array = (() => {
  const z = new Uint8Array(64);
  let k = 0;
  for (let s = 0; s < 15; s++) {
    // anti-diagonal s: walk up-right when s is even, down-left when odd
    const lo = Math.max(0, s - 7);
    const hi = Math.min(7, s);
    for (let i = lo; i <= hi; i++) {
      const row = s % 2 === 0 ? s - i : i;
      z[k++] = row * 8 + (s - row);
    }
  }
  return z;
})();

/** libjpeg's quality -> percentage scale: 1..49 -> 5000/q, 50..100 -> 200 - 2q. */
export function qualityScale(quality: number): number {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  return q < 50 ? Math.floor(5000 / q) : 200 - q * 2;
}

/** A quantisation table for `quality`, natural order, entries 1..255 (baseline). */
export function quantTable(chroma: boolean, quality: number): Uint8Array {
  const scale = qualityScale(quality);
  const basic = chroma ? CHROMA_QUANT : LUMA_QUANT;
  const t = new Uint8Array(64);
  for (let i = 0; i < 64; i++) t[i] = Math.min(255, Math.max(1, Math.floor((basic[i] * scale + 50) / 100)));
  return t;
}

/** A Huffman table as a DHT segment carries it: code counts by length 1..16, then symbols. */
export interface HuffmanSpec {
  counts: number[];
  symbols: number[];
}

/**
 * AC tables: the symbols with codes shorter than 16 bits are listed by length;
 * every other (run, size) symbol (sizes 1..10) gets a 16-bit code, in
 * increasing order, which is how Annex K.3.3 lays them out.
 */
function acSpec(counts: number[], short: number[]): HuffmanSpec {
  const listed = new Set(short);
  const rest: number[] = [];
  for (let run = 0; run < 16; run++) {
    for (let size = 1; size <= 10; size++) {
      const sym = (run << 4) | size;
      if (!listed.has(sym)) rest.push(sym);
    }
  }
  const symbols = [...short, ...rest];
  if (counts.reduce((a, b) => a + b, 0) !== symbols.length) throw new Error('Huffman table: counts and symbols disagree');
  return { counts, symbols };
}

const DC_SYMBOLS = Array.from({ length: 12 }, (_, i) => i);

export const DC_LUMA: HuffmanSpec = { counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], symbols: DC_SYMBOLS };
export const DC_CHROMA: HuffmanSpec = { counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], symbols: DC_SYMBOLS };
export const AC_LUMA: HuffmanSpec = acSpec([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125], [
  0x01, 0x02,
  0x03,
  0x00, 0x04, 0x11,
  0x05, 0x12, 0x21,
  0x31, 0x41,
  0x06, 0x13, 0x51, 0x61,
  0x07, 0x22, 0x71,
  0x14, 0x32, 0x81, 0x91, 0xa1,
  0x08, 0x23, 0x42, 0xb1, 0xc1,
  0x15, 0x52, 0xd1, 0xf0,
  0x24, 0x33, 0x62, 0x72,
  0x82,
]);
export const AC_CHROMA: HuffmanSpec = acSpec([0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119], [
  0x00, 0x01,
  0x02,
  0x03, 0x11,
  0x04, 0x05, 0x21, 0x31,
  0x06, 0x12, 0x41, 0x51,
  0x07, 0x61, 0x71,
  0x13, 0x22, 0x32, 0x81,
  0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1,
  0x09, 0x23, 0x33, 0x52, 0xf0,
  0x15, 0x62, 0x72, 0xd1,
  0x0a, 0x16, 0x24, 0x34,
  0xe1,
  0x25, 0xf1,
]);

/**
 * Canonical codes (T.81 Annex C) for a spec, as one lookup by symbol:
 * code << 5 | length (0 where the symbol has no code).
 */
export function huffmanCodes(spec: HuffmanSpec): Int32Array {
  const table = new Int32Array(256);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < spec.counts[len - 1]; i++) table[spec.symbols[k++]] = (code++ << 5) | len;
    code <<= 1;
  }
  return table;
}
