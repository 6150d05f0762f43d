/**
 * The SPICE ticket in a browser without WebCrypto.
 *
 * Browsers hide crypto.subtle outside secure contexts (https, localhost), yet a viewer
 * served over plain http from another machine must still send its password: the
 * BigInt encryption of protocol/crypto/oaep.ts does it, and crypto.getRandomValues
 * (available in every context) gives the OAEP seed.
 */
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { OAEP_SEED_BYTES, oaepSha1Encrypt } from '../protocol/crypto/oaep.js';
import { ticketPlaintext, webTicketCrypto, type TicketCrypto } from '../protocol/crypto/ticket.js';

function randomBytes(n: number): Uint8Array {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (!c?.getRandomValues) throw new SpiceError(ErrorCode.UNSUPPORTED, 'no crypto.getRandomValues: cannot make the password ticket');
  return c.getRandomValues(new Uint8Array(n));
}

/** Ticket encryption without WebCrypto (servers only: generateKey needs WebCrypto). */
export const fallbackTicketCrypto: TicketCrypto = {
  async encryptTicket(spki, password) {
    return oaepSha1Encrypt(spki, ticketPlaintext(password), randomBytes(OAEP_SEED_BYTES));
  },
  generateKey: () => webTicketCrypto.generateKey(),
};

/** WebCrypto where the page may use it, the BigInt fallback elsewhere (plain http from another host). */
export function browserTicketCrypto(): TicketCrypto {
  const subtle = (globalThis as { crypto?: { subtle?: unknown } }).crypto?.subtle;
  return subtle ? webTicketCrypto : fallbackTicketCrypto;
}
