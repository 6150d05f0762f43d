import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rop, rop2, rop3, ropFromDescriptor } from '../../../src/canvas/rop.js';

const INVERS_SRC = 1, INVERS_BRUSH = 2, INVERS_DEST = 4, OP_PUT = 8, OP_OR = 16, OP_AND = 32, OP_XOR = 64,
  OP_BLACKNESS = 128, OP_WHITENESS = 256, OP_INVERS = 512, INVERS_RES = 1024;

// X11 GX functions written out from their definitions.
const GX: Array<(s: number, d: number) => number> = [
  () => 0, (s, d) => s & d, (s, d) => s & ~d, (s) => s, (s, d) => ~s & d, (_s, d) => d, (s, d) => s ^ d, (s, d) => s | d,
  (s, d) => ~(s | d), (s, d) => ~(s ^ d), (_s, d) => ~d, (s, d) => s | ~d, (s) => ~s, (s, d) => ~s | d, (s, d) => ~(s & d), () => -1,
];

test('rop2 computes the 16 GX functions on whole words', () => {
  const s = 0x12345678, d = 0xcafebabe;
  for (let r = 0; r < 16; r++) assert.equal(rop2(r, s, d), GX[r]!(s, d) >>> 0, `rop ${r}`);
  assert.equal(Rop.COPY, 3);
  assert.equal(Rop.NOOP, 5);
});

/**
 * The descriptor semantics: invert the inputs named by the INVERS_* flags of
 * the operands in play, apply the first operation flag (PUT, OR, AND, XOR),
 * invert the result if INVERS_RES; BLACKNESS/WHITENESS/INVERS ignore the
 * inversions; no operation flag means a plain copy.
 */
function model(desc: number, s: number, d: number, sFlag: number, dFlag: number): number {
  const S = desc & sFlag ? ~s : s, D = desc & dFlag ? ~d : d;
  let r: number;
  if (desc & OP_PUT) r = S;
  else if (desc & OP_OR) r = S | D;
  else if (desc & OP_AND) r = S & D;
  else if (desc & OP_XOR) r = S ^ D;
  else if (desc & OP_BLACKNESS) return 0;
  else if (desc & OP_WHITENESS) return 0xff;
  else if (desc & OP_INVERS) return ~d & 0xff;
  else return s;
  return (desc & INVERS_RES ? ~r : r) & 0xff;
}

test('every ROP descriptor maps to the ROP the descriptor means, for each operand pairing', () => {
  const pairs: Array<['src' | 'brush' | 'dest', 'src' | 'brush' | 'dest', number, number]> = [
    ['brush', 'dest', INVERS_BRUSH, INVERS_DEST], // DRAW_FILL, STROKE
    ['src', 'dest', INVERS_SRC, INVERS_DEST], // DRAW_COPY, BLEND
    ['brush', 'src', INVERS_BRUSH, INVERS_SRC], // DRAW_OPAQUE's brush over the drawn image
  ];
  const s = 0xcc, d = 0xaa; // all four (s, d) bit combinations
  for (const [si, di, sf, df] of pairs) {
    for (let desc = 0; desc < 2048; desc++) {
      const r = ropFromDescriptor(desc, si, di);
      assert.equal(rop2(r, s, d) & 0xff, model(desc, s, d, sf, df), `desc ${desc} as ${si}/${di}`);
    }
  }
});

test('ROP descriptor known answers', () => {
  assert.equal(ropFromDescriptor(OP_PUT, 'src', 'dest'), Rop.COPY);
  assert.equal(ropFromDescriptor(OP_PUT | INVERS_SRC, 'src', 'dest'), Rop.COPY_INVERTED);
  assert.equal(ropFromDescriptor(OP_PUT | INVERS_SRC | INVERS_RES, 'src', 'dest'), Rop.COPY);
  // INVERS_BRUSH does not concern a copy's source.
  assert.equal(ropFromDescriptor(OP_PUT | INVERS_BRUSH, 'src', 'dest'), Rop.COPY);
  assert.equal(ropFromDescriptor(OP_XOR | INVERS_BRUSH, 'brush', 'dest'), Rop.EQUIV);
  assert.equal(ropFromDescriptor(OP_AND | INVERS_DEST, 'src', 'dest'), Rop.AND_REVERSE);
  assert.equal(ropFromDescriptor(OP_OR | INVERS_RES, 'src', 'dest'), Rop.NOR);
  // For DRAW_OPAQUE the drawn image is the ROP's destination: INVERS_SRC inverts it.
  assert.equal(ropFromDescriptor(OP_AND | INVERS_SRC, 'brush', 'src'), Rop.AND_REVERSE);
  assert.equal(ropFromDescriptor(OP_AND | INVERS_BRUSH, 'brush', 'src'), Rop.AND_INVERTED);
  // The first operation flag wins: PUT before XOR, OR before AND.
  assert.equal(ropFromDescriptor(OP_XOR | OP_PUT, 'src', 'dest'), Rop.COPY);
  assert.equal(ropFromDescriptor(OP_AND | OP_OR, 'src', 'dest'), Rop.OR);
  assert.equal(ropFromDescriptor(OP_BLACKNESS | INVERS_RES, 'src', 'dest'), Rop.CLEAR);
  assert.equal(ropFromDescriptor(OP_WHITENESS, 'src', 'dest'), Rop.SET);
  assert.equal(ropFromDescriptor(OP_INVERS, 'src', 'dest'), Rop.INVERT);
  assert.equal(ropFromDescriptor(0, 'src', 'dest'), Rop.COPY);
  assert.equal(ropFromDescriptor(INVERS_RES | INVERS_SRC, 'src', 'dest'), Rop.COPY);
});

test('rop3: all 256 codes agree with the bit-by-bit boolean function', () => {
  let seed = 12345;
  const rnd = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };
  for (let code = 0; code < 256; code++) {
    for (let k = 0; k < 4; k++) {
      const p = rnd(), s = rnd(), d = rnd();
      let want = 0;
      for (let bit = 0; bit < 32; bit++) {
        const i = (((p >>> bit) & 1) << 2) | (((s >>> bit) & 1) << 1) | ((d >>> bit) & 1);
        if ((code >> i) & 1) want |= 1 << bit;
      }
      assert.equal(rop3(code, p, s, d), want >>> 0, `code 0x${code.toString(16)}`);
    }
  }
});

test('rop3: the named Windows raster operations', () => {
  const p = 0xf0f0f0f0, s = 0xcccccccc, d = 0xaaaaaaaa;
  // With P = F0, S = CC, D = AA every code reproduces itself in each byte.
  for (let code = 0; code < 256; code++) assert.equal(rop3(code, p, s, d), (code * 0x01010101) >>> 0);
  const P = 0x13572468, S = 0x0f0f3355, D = 0x76543210;
  assert.equal(rop3(0xcc, P, S, D), S >>> 0); // SRCCOPY
  assert.equal(rop3(0xf0, P, S, D), P >>> 0); // PATCOPY
  assert.equal(rop3(0x55, P, S, D), ~D >>> 0); // DSTINVERT
  assert.equal(rop3(0x66, P, S, D), (S ^ D) >>> 0); // SRCINVERT
  assert.equal(rop3(0x88, P, S, D), (S & D) >>> 0); // SRCAND
  assert.equal(rop3(0xee, P, S, D), (S | D) >>> 0); // SRCPAINT
  assert.equal(rop3(0x5a, P, S, D), (P ^ D) >>> 0); // PATINVERT
  assert.equal(rop3(0xc0, P, S, D), (P & S) >>> 0); // MERGECOPY
  assert.equal(rop3(0xbb, P, S, D), (~S | D) >>> 0); // MERGEPAINT
  assert.equal(rop3(0x00, P, S, D), 0);
  assert.equal(rop3(0xff, P, S, D), 0xffffffff);
  assert.equal(rop3(0xb8, P, S, D), ((S & D) | (~S & P)) >>> 0); // PSDPxax: D where S, else P
});
