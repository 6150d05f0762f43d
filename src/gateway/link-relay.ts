/**
 * What the gateway reads of one channel's bytes while it relays them, sans I/O:
 *
 *   browser -> server: link header + SpiceLinkMess (channel type, connection id), then after
 *     the server's reply the auth mechanism word (when both sides select mechanisms) and the
 *     128-byte ticket, which is replaced by the token's password encrypted under the
 *     server's key when the token has one; the rest passes untouched.
 *   server -> browser: link header + SpiceLinkReply (error, key, caps), the link result, and
 *     on the main channel the messages up to MAIN_INIT, whose session id the browser's other
 *     channels give as their connection id (that is how a session's channels are grouped).
 *
 * Server bytes are always forwarded as they come (parsing looks at the same chunks); browser
 * bytes are held only from the end of the link message until the ticket is dealt with.
 */
import { ChannelType, CommonCap, LinkErr, wordsToCaps } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { ENCRYPTED_TICKET_BYTES, type TicketCrypto } from '../protocol/crypto/ticket.js';
import {
  LINK_HEADER_SIZE, LINK_MAX_SIZE, LINK_MESS_SIZE, decodeLinkHeader, decodeLinkMess, decodeLinkReply, type LinkMess, type LinkReply,
} from '../protocol/link/messages.js';
import { ByteQueue, FULL_HEADER_SIZE, MINI_HEADER_SIZE } from '../protocol/wire/framing.js';

/** SPICE_MSG_MAIN_INIT. */
const MAIN_INIT = 103;

export interface LinkRelayOptions {
  /** When set, the browser's ticket is replaced by this password's. */
  password?: string;
  crypto: TicketCrypto;
  toServer(b: Uint8Array): void;
  toClient(b: Uint8Array): void;
  /** The browser's link message, before anything reaches the server. */
  onLinkMess?(m: LinkMess): void;
  /** The server's link reply (error is LinkErr.OK or its refusal). */
  onReply?(r: LinkReply): void;
  /** The link result; OK means the channel is up. */
  onResult?(code: number): void;
  /** The session id from MAIN_INIT (main channel only). */
  onSessionId?(id: number): void;
  /** Malformed link data from either side; the relay stops. */
  onError(e: SpiceError): void;
  /** Browser bytes held while waiting for the server's reply; default 65536. */
  maxHeldBytes?: number;
  /** Messages (and bytes) of the main channel searched for MAIN_INIT; default 64 (1 MiB). */
  scanMessages?: number;
  scanBytes?: number;
}

type ClientState = 'header' | 'mess' | 'wait-reply' | 'mechanism' | 'ticket' | 'encrypting' | 'pass' | 'failed';
type ServerState = 'header' | 'reply' | 'result' | 'scan' | 'pass' | 'failed';

export class LinkRelay {
  private cs: ClientState = 'header';
  private ss: ServerState = 'header';
  private readonly cq = new ByteQueue();
  private readonly sq = new ByteQueue();
  private messSize = 0;
  private replySize = 0;
  private mess?: LinkMess;
  private reply?: LinkReply;
  private mini = false;
  private scanned = 0;
  private scannedBytes = 0;
  /** Messages bodies still to skip while scanning. */
  private skip = 0;
  /** The ticket was replaced by the token's password. */
  substituted = false;

  constructor(private readonly o: LinkRelayOptions) {}

  get linkMess(): LinkMess | undefined {
    return this.mess;
  }

  /** True once both directions pass bytes through untouched. */
  get passthrough(): boolean {
    return this.cs === 'pass' && (this.ss === 'pass' || this.ss === 'scan');
  }

  private fail(e: SpiceError): void {
    if (this.cs === 'failed') return;
    this.cs = 'failed';
    this.ss = 'failed';
    this.o.onError(e);
  }

  fromClient(b: Uint8Array): void {
    if (this.cs === 'pass') { this.o.toServer(b); return; }
    if (this.cs === 'failed') return;
    this.cq.push(b);
    try {
      this.stepClient();
    } catch (e) {
      this.fail(e instanceof SpiceError ? e : new SpiceError(ErrorCode.INCONSISTENT, String(e), { cause: e }));
    }
  }

  fromServer(b: Uint8Array): void {
    if (this.ss === 'failed') return;
    this.o.toClient(b);
    if (this.ss === 'pass') return;
    this.sq.push(b);
    try {
      this.stepServer();
      // The reply may decide what the held browser bytes are.
      if (this.cs !== 'failed') this.stepClient();
    } catch (e) {
      this.fail(e instanceof SpiceError ? e : new SpiceError(ErrorCode.INCONSISTENT, String(e), { cause: e }));
    }
  }

  private forwardClient(n: number): void {
    if (n > 0) this.o.toServer(this.cq.take(n));
  }

  private drainClient(): void {
    if (this.cq.length > 0) this.o.toServer(this.cq.take(this.cq.length));
  }

  private stepClient(): void {
    for (;;) {
      switch (this.cs) {
        case 'header': {
          if (this.cq.length < LINK_HEADER_SIZE) return;
          const h = decodeLinkHeader(this.cq.peek(LINK_HEADER_SIZE));
          if (h.size < LINK_MESS_SIZE || h.size > LINK_MAX_SIZE) {
            throw new SpiceError(ErrorCode.INCONSISTENT, `the browser's link message size ${h.size} is outside ${LINK_MESS_SIZE}..${LINK_MAX_SIZE}`);
          }
          this.messSize = h.size;
          this.cs = 'mess';
          continue;
        }
        case 'mess': {
          if (this.cq.length < LINK_HEADER_SIZE + this.messSize) return;
          this.mess = decodeLinkMess(this.cq.peek(LINK_HEADER_SIZE + this.messSize).subarray(LINK_HEADER_SIZE));
          this.cs = 'wait-reply';
          // The owner may refuse here (limits), before a byte reaches the server.
          this.o.onLinkMess?.(this.mess);
          if (this.cs !== 'wait-reply') return;
          this.forwardClient(LINK_HEADER_SIZE + this.messSize);
          continue;
        }
        case 'wait-reply': {
          if (this.cq.length > (this.o.maxHeldBytes ?? 65536)) {
            throw new SpiceError(ErrorCode.FLOOD, 'the browser sent more than a link stage before the server answered');
          }
          if (!this.reply) return;
          if (this.reply.error !== LinkErr.OK) { this.cs = 'pass'; this.drainClient(); return; }
          const server = wordsToCaps(this.reply.commonCaps);
          const client = wordsToCaps(this.mess!.commonCaps);
          const selection = server.includes(CommonCap.PROTOCOL_AUTH_SELECTION) && client.includes(CommonCap.PROTOCOL_AUTH_SELECTION);
          this.mini = server.includes(CommonCap.MINI_HEADER) && client.includes(CommonCap.MINI_HEADER);
          this.cs = selection ? 'mechanism' : 'ticket';
          continue;
        }
        case 'mechanism': {
          if (this.cq.length < 4) return;
          const w = this.cq.peek(4);
          const mech = new DataView(w.buffer, w.byteOffset, 4).getUint32(0, true);
          this.forwardClient(4);
          // SASL (or anything else) is the browser's business with the server.
          this.cs = mech === CommonCap.AUTH_SPICE ? 'ticket' : 'pass';
          if (this.cs === 'pass') { this.drainClient(); return; }
          continue;
        }
        case 'ticket': {
          if (this.cq.length < ENCRYPTED_TICKET_BYTES) return;
          if (this.o.password === undefined) {
            this.cs = 'pass';
            this.drainClient();
            return;
          }
          this.cq.skip(ENCRYPTED_TICKET_BYTES);
          this.cs = 'encrypting';
          this.o.crypto.encryptTicket(this.reply!.pubKey, this.o.password).then((ticket) => {
            if (this.cs !== 'encrypting') return;
            if (ticket.length !== ENCRYPTED_TICKET_BYTES) {
              this.fail(new SpiceError(ErrorCode.INCONSISTENT, `the server key gives a ${ticket.length}-byte ticket, not ${ENCRYPTED_TICKET_BYTES}`));
              return;
            }
            this.substituted = true;
            this.o.toServer(ticket);
            this.cs = 'pass';
            this.drainClient();
          }, (e: unknown) => this.fail(e instanceof SpiceError ? e : new SpiceError(ErrorCode.INCONSISTENT, String(e), { cause: e })));
          return;
        }
        case 'encrypting':
          if (this.cq.length > (this.o.maxHeldBytes ?? 65536)) {
            throw new SpiceError(ErrorCode.FLOOD, 'the browser sent more than a link stage before the link finished');
          }
          return;
        case 'pass':
          this.drainClient();
          return;
        case 'failed':
          return;
      }
    }
  }

  private stepServer(): void {
    for (;;) {
      switch (this.ss) {
        case 'header': {
          if (this.sq.length < LINK_HEADER_SIZE) return;
          const h = decodeLinkHeader(this.sq.take(LINK_HEADER_SIZE));
          if (h.size < 4 || h.size > LINK_MAX_SIZE) throw new SpiceError(ErrorCode.INCONSISTENT, `the server's link reply size ${h.size} is not plausible`);
          this.replySize = h.size;
          this.ss = 'reply';
          continue;
        }
        case 'reply': {
          if (this.sq.length < this.replySize) return;
          const r = decodeLinkReply(this.sq.take(this.replySize));
          this.reply = r;
          this.o.onReply?.(r);
          if (r.error !== LinkErr.OK) { this.ss = 'pass'; return; }
          this.ss = 'result';
          continue;
        }
        case 'result': {
          if (this.sq.length < 4) return;
          const b = this.sq.take(4);
          const code = new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
          this.o.onResult?.(code);
          this.ss = code === LinkErr.OK && this.mess?.channelType === ChannelType.MAIN ? 'scan' : 'pass';
          if (this.ss === 'pass') { this.sq.skip(this.sq.length); return; }
          continue;
        }
        case 'scan': {
          if (this.skip > 0) {
            const n = Math.min(this.skip, this.sq.length);
            this.sq.skip(n);
            this.skip -= n;
            if (this.skip > 0) return;
          }
          const hsize = this.mini ? MINI_HEADER_SIZE : FULL_HEADER_SIZE;
          const limitHit = this.scanned >= (this.o.scanMessages ?? 64) || this.scannedBytes > (this.o.scanBytes ?? 1 << 20);
          if (limitHit) { this.ss = 'pass'; this.sq.skip(this.sq.length); return; }
          if (this.sq.length < hsize) return;
          const h = this.sq.peek(hsize);
          const dv = new DataView(h.buffer, h.byteOffset, hsize);
          const at = this.mini ? 0 : 8;
          const type = dv.getUint16(at, true);
          const size = dv.getUint32(at + 2, true);
          if (type === MAIN_INIT) {
            if (this.sq.length < hsize + 4) return;
            const body = this.sq.peek(hsize + 4);
            const id = new DataView(body.buffer, body.byteOffset, hsize + 4).getUint32(hsize, true);
            this.ss = 'pass';
            this.sq.skip(this.sq.length);
            this.o.onSessionId?.(id);
            return;
          }
          this.sq.skip(hsize);
          this.skip = size;
          this.scanned++;
          this.scannedBytes += hsize + size;
          continue;
        }
        case 'pass':
          this.sq.skip(this.sq.length);
          return;
        case 'failed':
          return;
      }
    }
  }

  /** Stops the relay from forwarding anything more (the owner refused or closed). */
  stop(): void {
    this.cs = 'failed';
    this.ss = 'failed';
  }
}
