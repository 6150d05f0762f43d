/**
 * The SPICE ticket: the password plus a NUL byte, encrypted with RSAES-OAEP
 * (SHA-1, MGF1-SHA-1, empty label) under the 1024-bit key the server sends in
 * its link reply as a DER SubjectPublicKeyInfo (162 bytes).
 *
 * This module uses WebCrypto only, so it runs in browsers and in Node 20
 * (globalThis.crypto). `node-ticket.ts` has the node:crypto version.
 */
import { ErrorCode, SpiceError } from '../errors.js';

export const TICKET_PUBKEY_BYTES = 162;
export const TICKET_KEY_BITS = 1024;
export const ENCRYPTED_TICKET_BYTES = 128;
export const MAX_PASSWORD_LENGTH = 60;

export interface TicketKey {
  /** DER SubjectPublicKeyInfo, 162 bytes. */
  readonly spki: Uint8Array;
  /** Decrypts a 128-byte ticket; null when it does not decrypt. */
  decrypt(ticket: Uint8Array): Promise<Uint8Array | null>;
}

export interface TicketCrypto {
  /** Encrypts `password` + NUL for the server key `spki`. */
  encryptTicket(spki: Uint8Array, password: string): Promise<Uint8Array>;
  /** A fresh key pair, as a server makes for every link. */
  generateKey(): Promise<TicketKey>;
  /** Loads what encryptTicket needs, so a caller can do it while waiting on the network. */
  prepare?(): Promise<void>;
  /** Makes the next key pair ahead (a server calls it as it starts); generateKey hands it out. */
  prepareKeys?(): Promise<void>;
}

/** password -> UTF-8 bytes + NUL, checked against the SPICE length limit. */
export function ticketPlaintext(password: string): Uint8Array {
  const utf8 = new TextEncoder().encode(password);
  if (utf8.length > MAX_PASSWORD_LENGTH) {
    throw new SpiceError(ErrorCode.PASSWORD_TOO_LONG, `the password is ${utf8.length} bytes; SPICE allows at most ${MAX_PASSWORD_LENGTH}`);
  }
  const out = new Uint8Array(utf8.length + 1);
  out.set(utf8);
  return out;
}

/** The password a decrypted ticket holds (up to its first NUL). */
export function ticketPassword(plain: Uint8Array): string {
  const nul = plain.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? plain.subarray(0, nul) : plain);
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new SpiceError(ErrorCode.UNSUPPORTED, 'WebCrypto (crypto.subtle) is not available: a secure context is needed in browsers');
  return s;
}

const OAEP = { name: 'RSA-OAEP', hash: 'SHA-1' } as const;

export const webTicketCrypto: TicketCrypto = {
  async encryptTicket(spki, password) {
    const plain = ticketPlaintext(password);
    let key: CryptoKey;
    try {
      key = await subtle().importKey('spki', spki as BufferSource, OAEP, false, ['encrypt']);
    } catch (e) {
      throw new SpiceError(ErrorCode.INCONSISTENT, 'the server public key is not a valid RSA SubjectPublicKeyInfo', { cause: e });
    }
    return new Uint8Array(await subtle().encrypt(OAEP, key, plain as BufferSource));
  },
  async generateKey() {
    const pair = await subtle().generateKey(
      { ...OAEP, modulusLength: TICKET_KEY_BITS, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ['encrypt', 'decrypt'],
    );
    const spki = new Uint8Array(await subtle().exportKey('spki', pair.publicKey));
    return {
      spki,
      async decrypt(ticket) {
        try {
          return new Uint8Array(await subtle().decrypt(OAEP, pair.privateKey, ticket as BufferSource));
        } catch {
          return null;
        }
      },
    };
  },
};
