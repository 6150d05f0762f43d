/**
 * Ticket encryption with node:crypto (Node only). Same contract as
 * `webTicketCrypto`; synchronous work behind the async interface.
 * node:crypto is loaded on first use (or by prepare(), which a client calls
 * while the server computes its link reply): a short CLI run should not wait
 * for it before connecting.
 */
import { ErrorCode, SpiceError } from '../errors.js';
import { TICKET_KEY_BITS, ticketPlaintext, type TicketCrypto } from './ticket.js';

let loading: Promise<typeof import('node:crypto')> | undefined;
const nodeCrypto = () => (loading ??= import('node:crypto'));

export const nodeTicketCrypto: TicketCrypto = {
  async prepare() {
    await nodeCrypto();
  },
  async encryptTicket(spki, password) {
    const plain = ticketPlaintext(password);
    const { constants, createPublicKey, publicEncrypt } = await nodeCrypto();
    try {
      const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      const out = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, plain);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (e) {
      throw new SpiceError(ErrorCode.INCONSISTENT, 'the server public key is not a valid RSA SubjectPublicKeyInfo', { cause: e });
    }
  },
  async generateKey() {
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
  },
};
