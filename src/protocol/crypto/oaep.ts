/**
 * RSAES-OAEP encryption (SHA-1, MGF1-SHA-1, empty label), the SPICE ticket's scheme, in
 * plain TypeScript: the ticket needs only the public-key operation, a modular power that
 * BigInt does in microseconds, and SHA-1. No WebCrypto and no node:crypto, so it runs in
 * any browser context and in Node without loading OpenSSL (which costs a short CLI run
 * ~17 ms of CPU). The caller gives the random seed. Nothing secret is computed here that
 * the server does not see anyway.
 */
import { ErrorCode, SpiceError } from '../errors.js';

/** SHA-1 of `data` (20 bytes). */
export function sha1(data: Uint8Array): Uint8Array {
  const bitLen = data.length * 8;
  const padded = new Uint8Array(((data.length + 9 + 63) >> 6) << 6);
  padded.set(data);
  padded[data.length] = 0x80;
  const dv = new DataView(padded.buffer);
  dv.setUint32(padded.length - 8, Math.floor(bitLen / 0x100000000));
  dv.setUint32(padded.length - 4, bitLen >>> 0);
  let h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
  const w = new Uint32Array(80);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = dv.getUint32(off + i * 4);
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number, k: number;
      if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
      else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
      else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
      else { f = b ^ c ^ d; k = 0xca62c1d6; }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) >>> 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    h0 = (h0 + a) >>> 0; h1 = (h1 + b) >>> 0; h2 = (h2 + c) >>> 0; h3 = (h3 + d) >>> 0; h4 = (h4 + e) >>> 0;
  }
  const out = new Uint8Array(20);
  const ov = new DataView(out.buffer);
  [h0, h1, h2, h3, h4].forEach((h, i) => ov.setUint32(i * 4, h));
  return out;
}

function mgf1(seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const block = new Uint8Array(seed.length + 4);
  block.set(seed);
  for (let counter = 0, at = 0; at < length; counter++, at += 20) {
    new DataView(block.buffer).setUint32(seed.length, counter);
    const h = sha1(block);
    out.set(h.subarray(0, Math.min(20, length - at)), at);
  }
  return out;
}

/** Reads the modulus and exponent of an RSA SubjectPublicKeyInfo (DER). */
export function parseRsaSpki(spki: Uint8Array): { n: bigint; e: bigint; bytes: number } {
  let p = 0;
  const bad = (why: string): never => {
    throw new SpiceError(ErrorCode.INCONSISTENT, `the server public key is not a valid RSA SubjectPublicKeyInfo (${why})`);
  };
  const header = (tag: number): number => {
    if (spki[p] !== tag) bad(`expected DER tag 0x${tag.toString(16)} at byte ${p}`);
    p++;
    let len = spki[p++] ?? bad('truncated');
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n < 1 || n > 3) bad('bad length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (spki[p++] ?? bad('truncated'));
    }
    if (p + len > spki.length) bad('a length runs past the end');
    return len;
  };
  const integer = (): bigint => {
    const len = header(0x02);
    let v = 0n;
    for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(spki[p + i]!);
    p += len;
    return v;
  };
  header(0x30);
  const algLen = header(0x30);
  const algEnd = p + algLen;
  const oidLen = header(0x06);
  const oid = Array.from(spki.subarray(p, p + oidLen)).join('.');
  // 1.2.840.113549.1.1.1 (rsaEncryption)
  if (oid !== '42.134.72.134.247.13.1.1.1') bad('not an rsaEncryption key');
  p = algEnd;
  header(0x03);
  if (spki[p++] !== 0) bad('unused bits in the key bit string');
  header(0x30);
  const n = integer();
  const e = integer();
  if (n <= 0n || e <= 1n) bad('bad modulus or exponent');
  return { n, e, bytes: Math.ceil(n.toString(16).length / 2) };
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

/** Bytes of random seed one encryption takes (SHA-1's length). */
export const OAEP_SEED_BYTES = 20;

/** RSAES-OAEP-SHA1 encryption of `message` under the key `spki`. */
export function oaepSha1Encrypt(spki: Uint8Array, message: Uint8Array, seed: Uint8Array): Uint8Array {
  if (seed.length !== OAEP_SEED_BYTES) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `the OAEP seed must be ${OAEP_SEED_BYTES} random bytes`);
  const { n, e, bytes: k } = parseRsaSpki(spki);
  const hLen = 20;
  if (message.length > k - 2 * hLen - 2) throw new SpiceError(ErrorCode.PASSWORD_TOO_LONG, `the ticket is ${message.length} bytes; this key takes at most ${k - 2 * hLen - 2}`);
  const db = new Uint8Array(k - hLen - 1);
  db.set(sha1(new Uint8Array(0)));
  db[db.length - message.length - 1] = 0x01;
  db.set(message, db.length - message.length);
  const dbMask = mgf1(seed, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= dbMask[i]!;
  const seedMask = mgf1(db, hLen);
  const em = new Uint8Array(k);
  for (let i = 0; i < hLen; i++) em[1 + i] = seed[i]! ^ seedMask[i]!;
  em.set(db, 1 + hLen);
  let m = 0n;
  for (const b of em) m = (m << 8n) | BigInt(b);
  let c = modPow(m, e, n);
  const out = new Uint8Array(k);
  for (let i = k - 1; i >= 0; i--) { out[i] = Number(c & 0xffn); c >>= 8n; }
  return out;
}

