/**
 * Constant tables of the QUIC image codec, computed once at module load.
 *
 * QUIC codes each colour channel with an adaptive Golomb-Rice code chosen
 * from a "family" of codes (one family for 8-bit channels, one for the 5-bit
 * channels of RGB16). Every table here follows from a handful of format
 * parameters: codeword length limit 26, model evolution 3, wait-mask index
 * 0..6 advanced every 2048 pixels.
 */

/** Longest codeword the encoder emits, in bits. */
const CODEWORD_LIMIT = 26;

/** The per-bit-depth Golomb code family and context tables. */
export interface QuicFamily {
  /** Bits per channel value: 8, or 5 for RGB16. */
  bpc: number;
  /** (1 << bpc) - 1. */
  mask: number;
  /**
   * Per code l: codewords whose unary prefix has fewer zeros than this are
   * plain Golomb-Rice codes; the rest are an escape of fixed length.
   */
  grPrefixLimit: Uint8Array;
  /** Per code l: how many values the plain Golomb-Rice part covers. */
  grCount: Uint16Array;
  /** Per code l: total length of an escape codeword. */
  escapeLen: Uint8Array;
  /** Per code l: mask of the escape codeword's suffix. */
  escapeMask: Uint16Array;
  /** codeLen[v * 8 + l]: length of the codeword for value v (0..255) under code l. */
  codeLen: Uint8Array;
  /**
   * The same lengths two codes to a 32-bit word, for updating a bucket's
   * counters in four additions: lenPair[v * 4 + j] = len(2j) | len(2j + 1) << 16.
   */
  lenPair: Int32Array;
  /** Folded residual (0..255) back to a signed-modulo difference; 0 past 1 << bpc. */
  unfold: Uint8Array;
  /** Context value (masked to bpc bits) to bucket index; buckets double in size. */
  bucketOf: Uint8Array;
  /** Number of buckets (contexts) per channel. */
  buckets: number;
  /**
   * Context values 0..255 (the model reads contexts masked to bpc bits) of
   * each bucket: members[memberStart[b] .. memberStart[b + 1]).
   */
  members: Uint8Array;
  memberStart: Uint16Array;
}

function ceilLog2(n: number): number {
  return n <= 1 ? 0 : 32 - Math.clz32(n - 1);
}

function buildFamily(bpc: number): QuicFamily {
  const levels = 1 << bpc;
  const mask = levels - 1;
  const grPrefixLimit = new Uint8Array(8);
  const grCount = new Uint16Array(8);
  const escapeLen = new Uint8Array(8);
  const escapeMask = new Uint16Array(8);
  const codeLen = new Uint8Array(256 * 8);
  for (let l = 0; l < bpc; l++) {
    // The unary prefix may not run so long that prefix + value bits exceed the
    // limit, nor cover more than the value range.
    const prefixes = Math.min(CODEWORD_LIMIT - bpc, (1 << (bpc - l)) - 1);
    const covered = prefixes << l;
    const suffixBits = ceilLog2(levels - covered);
    grPrefixLimit[l] = prefixes;
    grCount[l] = covered;
    escapeLen[l] = prefixes + suffixBits;
    escapeMask[l] = (1 << suffixBits) - 1;
    for (let v = 0; v < 256; v++) {
      codeLen[v * 8 + l] = v < covered ? (v >> l) + l + 1 : prefixes + suffixBits;
    }
  }
  // Residuals are folded 0, -1, +1, -2, ... into 0, 1, 2, 3, ... modulo 2^bpc.
  const unfold = new Uint8Array(256);
  for (let s = 0; s < levels; s++) unfold[s] = s & 1 ? mask - (s >> 1) : s >> 1;
  // Evolution 3: bucket sizes 1, 2, 4, 8, ...; a bucket that would leave a
  // smaller remainder than itself absorbs it, so there are bpc buckets.
  const buckets = bpc;
  const bucketOf = new Uint8Array(levels);
  for (let v = 0; v < levels; v++) bucketOf[v] = Math.min(buckets - 1, 31 - Math.clz32(v + 1));
  const lenPair = new Int32Array(256 * 4);
  for (let v = 0; v < 256; v++) {
    for (let l = 0; l < bpc; l++) lenPair[v * 4 + (l >> 1)]! |= codeLen[v * 8 + l]! << ((l & 1) * 16);
  }
  const members = new Uint8Array(256);
  const memberStart = new Uint16Array(buckets + 1);
  let m = 0;
  for (let b = 0; b < buckets; b++) {
    memberStart[b] = m;
    for (let v = 0; v < 256; v++) if (bucketOf[v & mask] === b) members[m++] = v;
  }
  memberStart[buckets] = m;
  return {
    bpc, mask, grPrefixLimit, grCount, escapeLen, escapeMask, codeLen, lenPair, unfold, bucketOf, buckets,
    members, memberStart,
  };
}

export const FAMILY_8BPC = buildFamily(8);
export const FAMILY_5BPC = buildFamily(5);

/** Pixels coded at one wait-mask index before moving to the next. */
export const WM_STEP = 2048;
/** Highest wait-mask index. */
export const WM_MAX = 6;

/**
 * Counter-halving threshold per wait-mask index (0..WM_MAX) for model
 * evolution 3: when a bucket's best accumulated code length passes it, the
 * bucket's counters are halved.
 */
export const WM_TRIGGER = Int32Array.of(110, 550, 900, 800, 550, 400, 350);

/**
 * Pseudo-random model-update intervals: QUIC's fixed 256-entry table of random
 * words, indexed by a per-state counter. Only the low six bits are ever used
 * (masked by the wait mask, at most 63), so only they are kept, one character
 * of the alphabet below per entry.
 */
const RAND_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_';
const RAND_TEXT =
  '2NJL7IeECWlia6IB4JgTG_vpG35EFUK9aj3vz085fEhRhxVZdygcDs-1Q3BzqY7m' +
  '4xMCM8o4A6i8BkVprH1hkyasARdiMfN2i0eremGhWSXCK2u-twIKDtcTvJnXl_x0' +
  'ZzJPkcy4Z1QeSA5EPImnKx-Yk7XqYw9T8t-ybabo63ASmOQzvUBs26ol7HZrWCNH' +
  '5LntpjqRdPd_MOgqucffuWDOQpRuwbOgFSHUVFGNPsXY1TVorLnFl90wbjUD9j_L';
export const RAND6 = new Uint8Array(256);
for (let i = 0; i < 256; i++) RAND6[i] = RAND_ALPHABET.indexOf(RAND_TEXT[i]!);

/**
 * Run-length coder (JPEG-LS style MELCODE) states: state s codes runs in
 * chunks of 2^MEL_BITS[s]. Exponents 0..3 last four states each, 4..7 two
 * states each, 8..15 one state each: 32 states.
 */
export const MEL_STATES = 32;
export const MEL_BITS = new Uint8Array(MEL_STATES);
{
  let s = 0;
  for (let e = 0; e < 16; e++) {
    const repeat = e < 4 ? 4 : e < 8 ? 2 : 1;
    for (let k = 0; k < repeat; k++) MEL_BITS[s++] = e;
  }
}

/** 5-bit channel to 8 bits, replicating the top bits into the low ones. */
export const EXPAND5 = new Uint8Array(32);
for (let v = 0; v < 32; v++) EXPAND5[v] = (v << 3) | (v >> 2);
