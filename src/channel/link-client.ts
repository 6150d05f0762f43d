/**
 * The client side of the link stage, sans I/O: writes SpiceLinkMess, reads
 * SpiceLinkReply, selects the auth mechanism, sends the encrypted ticket and
 * reads the link result.
 */
import { CommonCap, LinkErr, capsToWords, enumName, wordsToCaps } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { ENCRYPTED_TICKET_BYTES, type TicketCrypto } from '../protocol/crypto/ticket.js';
import {
  LINK_HEADER_SIZE, LINK_MAX_SIZE, decodeLinkHeader, decodeLinkReply, encodeLinkMess,
} from '../protocol/link/messages.js';
import type { ByteQueue } from '../protocol/wire/framing.js';

export interface ClientLinkOptions {
  connectionId: number;
  channelType: number;
  channelId: number;
  /** Password for the ticket; '' when none (a ticket is always sent). */
  password: string;
  /** Common capability numbers we advertise. */
  commonCaps: number[];
  /** Channel capability numbers we advertise. */
  channelCaps: number[];
  crypto: TicketCrypto;
}

/** What the link stage learnt. */
export interface LinkResult {
  /** Capability numbers the server advertised. */
  serverCommonCaps: number[];
  serverChannelCaps: number[];
  /** Both sides use the 6-byte mini header. */
  miniHeader: boolean;
  /** The auth mechanism used: 'spice' (ticket). */
  auth: 'spice';
  /** Server protocol version from its link header. */
  serverVersion: { major: number; minor: number };
}

type State = 'header' | 'body' | 'result' | 'encrypting' | 'done';

export function linkErrorToSpiceError(code: number, what: string): SpiceError {
  const name = enumName(LinkErr, code);
  if (code === LinkErr.PERMISSION_DENIED) {
    return new SpiceError(ErrorCode.AUTH_FAILED, `${what}: the server refused the password (PERMISSION_DENIED)`, { linkError: code });
  }
  const why: Record<number, string> = {
    [LinkErr.NEED_SECURED]: 'this channel must use TLS (NEED_SECURED): connect to the TLS port',
    [LinkErr.NEED_UNSECURED]: 'this channel must not use TLS (NEED_UNSECURED)',
    [LinkErr.BAD_CONNECTION_ID]: 'the session id is not the server\'s (BAD_CONNECTION_ID)',
    [LinkErr.CHANNEL_NOT_AVAILABLE]: 'the server has no such channel (CHANNEL_NOT_AVAILABLE)',
    [LinkErr.VERSION_MISMATCH]: 'the server does not speak this protocol version (VERSION_MISMATCH)',
    [LinkErr.INVALID_MAGIC]: 'the server did not understand our link message (INVALID_MAGIC)',
    [LinkErr.INVALID_DATA]: 'the server found our link message invalid (INVALID_DATA)',
  };
  return new SpiceError(ErrorCode.LINK_REFUSED, `${what}: ${why[code] ?? `the server refused the link (${name})`}`, { linkError: code });
}

export class ClientLink {
  private state: State = 'header';
  private bodySize = 0;
  private version = { major: 0, minor: 0 };
  private reply?: { common: number[]; channel: number[] };
  result?: LinkResult;

  constructor(
    private readonly opts: ClientLinkOptions,
    private readonly write: (b: Uint8Array) => void,
    private readonly flush: () => void = () => {},
    /** Called once the ticket is written, before the result: `miniHeader` is what the channel will use. */
    private readonly ticketSent: (miniHeader: boolean) => void = () => {},
  ) {}

  /** Sends SpiceLinkHeader + SpiceLinkMess. */
  start(): void {
    this.write(encodeLinkMess({
      connectionId: this.opts.connectionId,
      channelType: this.opts.channelType,
      channelId: this.opts.channelId,
      commonCaps: capsToWords(this.opts.commonCaps),
      channelCaps: capsToWords(this.opts.channelCaps),
    }));
    // Out now: the server starts its RSA key only once it has this message,
    // and whatever the caller queues next (module loading) must not hold it.
    this.flush();
  }

  private miniHeader(serverCommon: number[]): boolean {
    return serverCommon.includes(CommonCap.MINI_HEADER) && this.opts.commonCaps.includes(CommonCap.MINI_HEADER);
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /**
   * Consumes what it can from `q`. Returns true when it made progress (call
   * again), false when it needs more bytes. Throws SpiceError on refusal.
   */
  async step(q: ByteQueue): Promise<boolean> {
    switch (this.state) {
      case 'header': {
        if (q.length < LINK_HEADER_SIZE) return false;
        const h = decodeLinkHeader(q.take(LINK_HEADER_SIZE));
        if (h.size < 4 || h.size > LINK_MAX_SIZE) {
          throw new SpiceError(ErrorCode.INCONSISTENT, `link reply size ${h.size} is not plausible`);
        }
        this.version = { major: h.major_version, minor: h.minor_version };
        this.bodySize = h.size;
        this.state = 'body';
        return true;
      }
      case 'body': {
        if (q.length < this.bodySize) return false;
        const reply = decodeLinkReply(q.take(this.bodySize));
        if (reply.error !== LinkErr.OK) throw linkErrorToSpiceError(reply.error, 'link refused');
        const common = wordsToCaps(reply.commonCaps);
        const channel = wordsToCaps(reply.channelCaps);
        this.reply = { common, channel };
        const selection = common.includes(CommonCap.PROTOCOL_AUTH_SELECTION) && this.opts.commonCaps.includes(CommonCap.PROTOCOL_AUTH_SELECTION);
        if (selection) {
          if (!common.includes(CommonCap.AUTH_SPICE)) {
            throw new SpiceError(ErrorCode.AUTH_UNSUPPORTED, 'the server accepts only SASL authentication, which spice-ts does not support yet');
          }
          const w = new Uint8Array(4);
          new DataView(w.buffer).setUint32(0, CommonCap.AUTH_SPICE, true);
          this.write(w);
          // Its own segment, as spice-gtk sends it: tshark's dissector loses a
          // connection whose mechanism word and ticket share one segment.
          this.flush();
        }
        this.state = 'encrypting';
        const ticket = await this.opts.crypto.encryptTicket(reply.pubKey, this.opts.password);
        if (ticket.length !== ENCRYPTED_TICKET_BYTES) {
          throw new SpiceError(ErrorCode.INCONSISTENT, `the server key gives a ${ticket.length}-byte ticket, not ${ENCRYPTED_TICKET_BYTES}: is it a 1024-bit RSA key?`);
        }
        this.write(ticket);
        this.flush();
        this.state = 'result';
        this.ticketSent(this.miniHeader(common));
        return true;
      }
      case 'result': {
        if (q.length < 4) return false;
        const b = q.take(4);
        const code = new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
        if (code !== LinkErr.OK) throw linkErrorToSpiceError(code, 'authentication failed');
        const r = this.reply!;
        this.result = {
          serverCommonCaps: r.common,
          serverChannelCaps: r.channel,
          miniHeader: this.miniHeader(r.common),
          auth: 'spice',
          serverVersion: this.version,
        };
        this.state = 'done';
        return true;
      }
      case 'encrypting':
      case 'done':
        return false;
    }
  }
}
