/**
 * The ticket in Node. Encryption is the BigInt RSAES-OAEP of oaep.ts with a seed read
 * from /dev/urandom: loading node:crypto initialises OpenSSL, ~17 ms of CPU, more than a
 * short CLI run spends on anything else of its own. Where /dev/urandom cannot be read
 * (Windows) the seed comes from node:crypto. The server side (a key pair per link)
 * uses node:crypto, loaded on first use (a server starts by making one key ahead).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { OAEP_SEED_BYTES, oaepSha1Encrypt } from './oaep.js';
import { TICKET_KEY_BITS, ticketPlaintext, type TicketCrypto, type TicketKey } from './ticket.js';

let loading: Promise<typeof import('node:crypto')> | undefined;
const nodeCrypto = () => (loading ??= import('node:crypto'));

/** `n` random bytes from the kernel's generator, or undefined where there is no /dev/urandom. */
function urandom(n: number): Uint8Array | undefined {
  let fd: number | undefined;
  try {
    fd = openSync('/dev/urandom', 'r');
    const out = new Uint8Array(n);
    for (let got = 0; got < n;) {
      const k = readSync(fd, out, got, n - got, null);
      if (k <= 0) return undefined;
      got += k;
    }
    return out;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The OAEP seed: /dev/urandom, else node:crypto's generator. */
export async function oaepSeed(): Promise<Uint8Array> {
  const seed = urandom(OAEP_SEED_BYTES);
  if (seed) return seed;
  const { randomFillSync } = await nodeCrypto();
  return randomFillSync(new Uint8Array(OAEP_SEED_BYTES));
}

/** A key pair made ahead by prepareKeys, for the next generateKey. */
let spare: Promise<TicketKey> | undefined;

export const nodeTicketCrypto: TicketCrypto = {
  async encryptTicket(spki, password) {
    return oaepSha1Encrypt(spki, ticketPlaintext(password), await oaepSeed());
  },
  generateKey() {
    const ahead = spare;
    spare = undefined;
    return ahead ?? makeKey();
  },
  /**
   * Besides sparing the first link OpenSSL's start and a key generation, this has Node
   * make its first Buffer in C++ (the key's DER export): it makes a Uint8Array there and
   * then sets its prototype to Buffer's, which changes Uint8Array's map, once per process,
   * and throws away the optimized code that relied on that map. A server calls this
   * before its warm-ups, which otherwise lost their QUIC encoder at the first link.
   */
  async prepareKeys() {
    spare ??= makeKey();
    try {
      await spare;
    } catch (e) {
      spare = undefined;
      throw e;
    }
  },
};

async function makeKey(): Promise<TicketKey> {
  const { constants, generateKeyPairSync, privateDecrypt } = await nodeCrypto();
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: TICKET_KEY_BITS });
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return {
    spki: new Uint8Array(der.buffer, der.byteOffset, der.byteLength),
    async decrypt(ticket) {
      try {
        const out = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, ticket);
        return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      } catch {
        return null;
      }
    },
  };
}
