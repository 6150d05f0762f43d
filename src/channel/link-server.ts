/**
 * The server side of the link stage, sans I/O: reads SpiceLinkMess, answers
 * with SpiceLinkReply (a fresh RSA key per link), reads the auth mechanism and
 * the ticket, checks it and writes the link result. Every refusal is written
 * to the peer as the matching SpiceLinkErr before the error is raised.
 */
import { CommonCap, LinkErr, capsToWords, wordsToCaps } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { ENCRYPTED_TICKET_BYTES, ticketPassword, type TicketCrypto, type TicketKey } from '../protocol/crypto/ticket.js';
import {
  LINK_HEADER_SIZE, LINK_MAX_SIZE, LINK_MESS_SIZE, SPICE_MAGIC, SPICE_VERSION_MAJOR,
  decodeLinkMess, encodeLinkError, encodeLinkReply, type LinkMess,
} from '../protocol/link/messages.js';
import { decode } from '../protocol/wire/codec.js';
import { LinkHeader } from '../protocol/link/messages.js';
import type { ByteQueue } from '../protocol/wire/framing.js';

export interface ServerLinkOptions {
  /** Common capability numbers we advertise (default: auth selection, ticket, mini header). */
  commonCaps: number[];
  /** Channel capability numbers for the channel the client asks for. */
  channelCaps(mess: LinkMess): number[];
  crypto: TicketCrypto;
  /**
   * Decides whether this link may go on (connection id, channel availability):
   * LinkErr.OK or the refusal code.
   */
  accept(mess: LinkMess): number;
  /** Checks the password from the ticket; null when ticketing is disabled. */
  checkPassword: ((password: string, mess: LinkMess) => boolean) | null;
}

export interface ServerLinkResult {
  mess: LinkMess;
  clientCommonCaps: number[];
  clientChannelCaps: number[];
  miniHeader: boolean;
}

type State = 'header' | 'body' | 'mechanism' | 'ticket' | 'checking' | 'done';

export class ServerLink {
  private state: State = 'header';
  private size = 0;
  private mess?: LinkMess;
  private key?: Promise<TicketKey>;
  private clientCommon: number[] = [];
  result?: ServerLinkResult;

  constructor(private readonly opts: ServerLinkOptions, private readonly write: (b: Uint8Array) => void) {}

  get done(): boolean {
    return this.state === 'done';
  }

  private refuse(code: number, err: SpiceError): never {
    this.write(encodeLinkError(code));
    throw err;
  }

  /**
   * Decrypts a ticket. spice-html5 writes its RSA result without leading zero bytes (hex of a
   * big integer), so 1 ticket in 256 arrives shifted left by one byte with a 0 at the end:
   * such a ticket is tried again shifted back.
   */
  private async decryptTicket(ticket: Uint8Array): Promise<Uint8Array | null> {
    const key = await this.key!;
    const plain = await key.decrypt(ticket);
    if (plain !== null || ticket[ticket.length - 1] !== 0) return plain;
    const fixed = new Uint8Array(ticket.length);
    fixed.set(ticket.subarray(0, ticket.length - 1), 1);
    return key.decrypt(fixed);
  }

  private result4(code: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, code, true);
    this.write(b);
  }

  async step(q: ByteQueue): Promise<boolean> {
    switch (this.state) {
      case 'header': {
        if (q.length < LINK_HEADER_SIZE) return false;
        const h = decode(LinkHeader, q.take(LINK_HEADER_SIZE));
        if (h.magic !== SPICE_MAGIC) {
          this.refuse(LinkErr.INVALID_MAGIC, new SpiceError(ErrorCode.BAD_MAGIC, 'the client did not start with "REDQ"'));
        }
        if (h.major_version !== SPICE_VERSION_MAJOR) {
          this.refuse(LinkErr.VERSION_MISMATCH, new SpiceError(ErrorCode.VERSION_MISMATCH, `the client speaks protocol ${h.major_version}`));
        }
        if (h.size < LINK_MESS_SIZE || h.size > LINK_MAX_SIZE) {
          this.refuse(LinkErr.INVALID_DATA, new SpiceError(ErrorCode.INCONSISTENT, `link message size ${h.size} is outside ${LINK_MESS_SIZE}..${LINK_MAX_SIZE}`));
        }
        this.size = h.size;
        this.state = 'body';
        return true;
      }
      case 'body': {
        if (q.length < this.size) return false;
        let mess: LinkMess;
        try {
          mess = decodeLinkMess(q.take(this.size));
        } catch (e) {
          this.refuse(LinkErr.INVALID_DATA, e instanceof SpiceError ? e : new SpiceError(ErrorCode.INCONSISTENT, String(e)));
        }
        this.mess = mess;
        const verdict = this.opts.accept(mess);
        if (verdict !== LinkErr.OK) {
          this.refuse(verdict, new SpiceError(ErrorCode.LINK_REFUSED, `link refused with code ${verdict}`, { linkError: verdict }));
        }
        this.clientCommon = wordsToCaps(mess.commonCaps);
        this.key = this.opts.crypto.generateKey();
        const key = await this.key;
        this.write(encodeLinkReply({
          error: LinkErr.OK,
          pubKey: key.spki,
          commonCaps: capsToWords(this.opts.commonCaps),
          channelCaps: capsToWords(this.opts.channelCaps(mess)),
        }));
        const selection = this.clientCommon.includes(CommonCap.PROTOCOL_AUTH_SELECTION)
          && this.opts.commonCaps.includes(CommonCap.PROTOCOL_AUTH_SELECTION);
        this.state = selection ? 'mechanism' : 'ticket';
        return true;
      }
      case 'mechanism': {
        if (q.length < 4) return false;
        const b = q.take(4);
        const mech = new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
        if (mech !== CommonCap.AUTH_SPICE) {
          this.result4(LinkErr.ERROR);
          throw new SpiceError(mech === CommonCap.AUTH_SASL ? ErrorCode.SASL_UNSUPPORTED : ErrorCode.AUTH_UNSUPPORTED,
            `the client chose auth mechanism ${mech}; only the SPICE ticket is supported`);
        }
        this.state = 'ticket';
        return true;
      }
      case 'ticket': {
        if (q.length < ENCRYPTED_TICKET_BYTES) return false;
        const ticket = q.take(ENCRYPTED_TICKET_BYTES);
        this.state = 'checking';
        const mess = this.mess!;
        // No password: any ticket will do (nothing to decrypt it for).
        const plain = this.opts.checkPassword === null ? new Uint8Array(1) : await this.decryptTicket(ticket);
        const ok = plain !== null && (this.opts.checkPassword === null || this.opts.checkPassword(ticketPassword(plain), mess));
        if (!ok) {
          this.result4(LinkErr.PERMISSION_DENIED);
          throw new SpiceError(ErrorCode.AUTH_FAILED, plain === null ? 'the ticket did not decrypt' : 'wrong password', {
            linkError: LinkErr.PERMISSION_DENIED,
          });
        }
        this.result4(LinkErr.OK);
        this.result = {
          mess,
          clientCommonCaps: this.clientCommon,
          clientChannelCaps: wordsToCaps(mess.channelCaps),
          miniHeader: this.clientCommon.includes(CommonCap.MINI_HEADER) && this.opts.commonCaps.includes(CommonCap.MINI_HEADER),
        };
        this.state = 'done';
        return true;
      }
      case 'checking':
      case 'done':
        return false;
    }
  }
}
