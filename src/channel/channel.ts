/**
 * One SPICE channel connection, sans I/O, for either role.
 *
 *   bytes in  -> receive(bytes)
 *   bytes out -> the `write` callback
 *   events    -> 'linked', 'message', 'error', 'closed'
 *
 * The link stage is delegated to ClientLink/ServerLink; afterwards frames are
 * cut by the data header, SPICE_MSG_LIST is expanded, and the messages common
 * to every channel (SET_ACK/ACK_SYNC/ACK, PING/PONG, DISCONNECTING,
 * migration) are answered here. Everything else is emitted as a typed
 * message. No exception escapes `receive`: a failure emits one 'error' (a
 * SpiceError with channel and message context), then 'closed'.
 */
import { ChannelType, CommonCap, LinkErr, MigrateFlags } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError, toSpiceError } from '../protocol/errors.js';
import { channelByType, channelName, type ChannelDef } from '../protocol/schema/channels.js';
import { decodeMessage, encodeMessageInto, type AnyMessage, type Direction } from '../protocol/messages.js';
import { ByteWriter } from '../protocol/wire/bytes.js';
import { ByteQueue, Framer, HeaderWriter, splitSubMessages, type Frame } from '../protocol/wire/framing.js';
import type { CodecLimits } from '../protocol/wire/codec.js';
import { webTicketCrypto, type TicketCrypto } from '../protocol/crypto/ticket.js';
import { Emitter } from './emitter.js';
import { ClientLink, type LinkResult } from './link-client.js';
import { ServerLink, type ServerLinkOptions, type ServerLinkResult } from './link-server.js';

export interface ChannelLimits extends CodecLimits {
  /** Largest message body accepted, in bytes. Default 64 MiB. */
  maxMessageSize?: number;
}

export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

interface CommonOptions {
  channelType: number;
  channelId: number;
  /** Receives every byte to send, in order. */
  write: (bytes: Uint8Array) => void;
  /** Asks the transport to send what was written so far at once (optional). */
  flush?: () => void;
  limits?: ChannelLimits;
  /** What to do with a message type the channel does not define: 'error' (default) closes the channel. */
  unknownMessages?: 'error' | 'ignore';
  crypto?: TicketCrypto;
}

export interface ClientChannelOptions extends CommonOptions {
  role: 'client';
  /** 0 for the main channel of a new session, else the session id from MAIN_INIT. */
  connectionId: number;
  password?: string;
  /** 'sasl' is refused until SASL is implemented. */
  auth?: 'spice' | 'sasl';
  commonCaps?: number[];
  channelCaps?: number[];
}

/**
 * Server role: `channelType` and `channelId` are what the channel starts as; a listening
 * server does not know them before the link message, so after the link the channel takes
 * the type and id the client asked for (its `accept` decides whether that is allowed).
 */
export interface ServerChannelOptions extends CommonOptions, Partial<Pick<ServerLinkOptions, 'commonCaps'>> {
  role: 'server';
  accept: ServerLinkOptions['accept'];
  checkPassword: ServerLinkOptions['checkPassword'];
  channelCaps: ServerLinkOptions['channelCaps'];
}

export type ChannelOptions = ClientChannelOptions | ServerChannelOptions;

export interface LinkedEvent {
  /** Client role: what the server advertised. */
  client?: LinkResult;
  /** Server role: what the client asked for. */
  server?: ServerLinkResult;
  miniHeader: boolean;
}

export interface ChannelEvents {
  linked: LinkedEvent;
  /** A message for the layer above (common messages included, after their automatic answer). */
  message: AnyMessage & { serial: bigint; type: number };
  error: SpiceError;
  closed: { error?: SpiceError };
}

export const DEFAULT_CLIENT_COMMON_CAPS = [CommonCap.PROTOCOL_AUTH_SELECTION, CommonCap.AUTH_SPICE, CommonCap.MINI_HEADER];

type State = 'new' | 'linking' | 'ready' | 'closed';

export class SpiceChannel extends Emitter<ChannelEvents> {
  /** The channel's definition (server role: the linked type once the link is done). */
  def: ChannelDef;
  private channelId: number;
  readonly role: 'client' | 'server';
  private state: State = 'new';
  private readonly q = new ByteQueue();
  private link?: ClientLink | ServerLink;
  private framer?: Framer;
  private headers?: HeaderWriter;
  private readonly out = new ByteWriter(1024);
  /** Client role: messages to write right after the ticket (see sendAfterTicket). */
  private afterTicket: AnyMessage[] | undefined = [];
  private pumping = false;
  private again = false;
  /** Serial of the last message processed (for WAIT_FOR_CHANNELS). */
  lastSerial = 0n;
  // ACK window (client role: what the server asked; server role: accounting)
  private ackGeneration = 0;
  private ackWindow = 0;
  private ackCount = 0;
  private migrateDataPending = false;
  private clientAckGeneration = -1;
  private ending?: { cause?: SpiceError };
  /** Server role: messages sent since the last ACK of the current generation. */
  unacked = 0;
  linkInfo?: LinkedEvent;

  constructor(readonly opts: ChannelOptions) {
    super();
    const def = channelByType(opts.channelType);
    if (!def) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unknown channel type ${opts.channelType}`);
    this.def = def;
    this.channelId = opts.channelId;
    this.role = opts.role;
    if (opts.role === 'client' && opts.auth === 'sasl') {
      throw new SpiceError(ErrorCode.SASL_UNSUPPORTED, 'SASL authentication is not implemented yet; use a ticket (password)', { channel: def.name });
    }
  }

  get name(): string {
    return this.def.name;
  }

  get id(): number {
    return this.channelId;
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Client role: sends the link message. Server role: waits for the client's. */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'linking';
    const crypto = this.opts.crypto ?? webTicketCrypto;
    const write = (b: Uint8Array) => this.writeRaw(b);
    if (this.opts.role === 'client') {
      const o = this.opts;
      const link = new ClientLink({
        connectionId: o.connectionId, channelType: o.channelType, channelId: o.channelId,
        password: o.password ?? '', commonCaps: o.commonCaps ?? DEFAULT_CLIENT_COMMON_CAPS,
        channelCaps: o.channelCaps ?? [], crypto,
      }, write, () => this.opts.flush?.(), (mini) => this.ticketSent(mini));
      this.link = link;
      try {
        link.start();
      } catch (e) {
        this.fail(e);
      }
    } else {
      const o = this.opts;
      this.link = new ServerLink({
        commonCaps: o.commonCaps ?? DEFAULT_CLIENT_COMMON_CAPS,
        channelCaps: o.channelCaps, crypto, accept: o.accept, checkPassword: o.checkPassword,
      }, write);
    }
    this.pump();
  }

  /** Feeds bytes received from the transport. Never throws. */
  receive(bytes: Uint8Array): void {
    if (this.state === 'closed') return;
    this.q.push(bytes);
    if (this.state === 'new') return;
    this.pump();
  }

  /**
   * The transport ended (peer closed, or failed with `cause`). Bytes already
   * received are processed first: a server that writes its refusal and hangs
   * up is reported by the refusal, not by the hang-up.
   */
  end(cause?: SpiceError): void {
    if (this.state === 'closed') return;
    this.ending = { cause };
    if (!this.pumping) this.finishEnd();
  }

  private finishEnd(): void {
    if (this.state === 'closed' || !this.ending) return;
    const { cause } = this.ending;
    if (this.state === 'ready') {
      this.finish(cause);
      return;
    }
    const err = cause ?? new SpiceError(ErrorCode.CLOSED, 'the server closed the connection during the link stage', this.ctx());
    this.emit('error', err.withContext(this.ctx()));
    this.finish(err);
  }

  /** Closes the channel (no further bytes are read or written). */
  close(error?: SpiceError): void {
    if (this.state === 'closed') return;
    this.finish(error);
  }

  /** Sends a message of this channel (direction from the role). */
  send(msg: AnyMessage): void {
    if (this.state !== 'ready') {
      throw new SpiceError(ErrorCode.CLOSED, `cannot send '${msg.name}': the channel is ${this.state}`, this.ctx());
    }
    if (this.role === 'server') this.unacked++;
    this.writeRaw(this.encode(msg));
  }

  private encode(msg: AnyMessage): Uint8Array {
    const w = this.out.reset();
    const at = this.headers!.begin(w);
    const type = encodeMessageInto(this.def, this.role, msg, w);
    this.headers!.end(w, at, type);
    return w.finish();
  }

  /**
   * Client role: sends `msg` right after the ticket instead of after the link
   * result, so it already waits in the server's socket when the server starts
   * the channel (once linked, it is a plain send). spice-server's display
   * channel reads the client's INIT as it connects and sleeps 10 ms when it is
   * not there yet; spice-gtk wins that race by answering the result at once,
   * this does not depend on it. The server reads the message as the channel's
   * first one, after the link stage; if the link fails it is never read.
   */
  sendAfterTicket(msg: AnyMessage): void {
    if (this.role !== 'client') throw new SpiceError(ErrorCode.BAD_ARGUMENT, 'only a client sends after its ticket', this.ctx());
    if (this.afterTicket) this.afterTicket.push(msg);
    else this.send(msg);
  }

  private ticketSent(miniHeader: boolean): void {
    const msgs = this.afterTicket!;
    this.afterTicket = undefined;
    this.headers = new HeaderWriter(miniHeader);
    for (const msg of msgs) this.writeRaw(this.encode(msg));
    if (msgs.length) this.opts.flush?.();
  }

  /** Server role: starts an ACK window (SET_ACK). */
  setAckWindow(window: number): void {
    this.ackGeneration++;
    this.ackWindow = window;
    this.unacked = 0;
    this.send({ name: 'set_ack', body: { generation: this.ackGeneration, window } });
  }

  private ctx() {
    return { channel: this.def.name, channelId: this.channelId };
  }

  private writeRaw(b: Uint8Array): void {
    if (this.state === 'closed') return;
    this.opts.write(b);
  }

  private fail(e: unknown): void {
    if (this.state === 'closed') return;
    const err = toSpiceError(e, ErrorCode.INCONSISTENT, this.ctx());
    this.emit('error', err);
    this.finish(err);
  }

  private finish(error?: SpiceError): void {
    this.state = 'closed';
    this.q.clear();
    this.emit('closed', { error });
  }

  private pump(): void {
    if (this.pumping) { this.again = true; return; }
    if (this.state === 'ready') {
      // Linked: frames are cut synchronously, no promise per chunk.
      try {
        this.drainFrames();
      } catch (e) {
        this.fail(e);
      }
      return;
    }
    this.pumping = true;
    void this.run().finally(() => {
      this.pumping = false;
      if (this.again && this.state !== 'closed') { this.again = false; this.pump(); return; }
      if (this.ending) this.finishEnd();
    });
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        while (this.state === 'linking' && this.link && !this.link.done) {
          if (!(await this.link.step(this.q))) break;
        }
        if (this.state === 'linking' && this.link?.done) this.linked();
        if (this.state === 'ready') this.drainFrames();
      } while (this.again && this.state !== 'closed');
    } catch (e) {
      this.fail(e);
    }
  }

  private linked(): void {
    let info: LinkedEvent;
    if (this.link instanceof ClientLink) info = { client: this.link.result!, miniHeader: this.link.result!.miniHeader };
    else {
      const r = (this.link as ServerLink).result!;
      info = { server: r, miniHeader: r.miniHeader };
      const def = channelByType(r.mess.channelType);
      if (!def) throw new SpiceError(ErrorCode.INCONSISTENT, `linked to unknown channel type ${r.mess.channelType}`);
      this.def = def;
      this.channelId = r.mess.channelId;
    }
    this.linkInfo = info;
    const max = this.opts.limits?.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.framer = new Framer({ maxMessageSize: max, mini: info.miniHeader });
    // A client that wrote messages after its ticket keeps counting their serials.
    if (!this.headers || this.role === 'server') this.headers = new HeaderWriter(info.miniHeader);
    this.afterTicket = undefined;
    this.state = 'ready';
    this.emit('linked', info);
  }

  private drainFrames(): void {
    let f: Frame | undefined;
    while (this.state === 'ready' && (f = this.framer!.next(this.q))) {
      this.lastSerial = f.serial;
      if (this.role === 'client') this.countForAck();
      try {
        if (f.subList) {
          for (const s of splitSubMessages(f.body, f.subList)) this.dispatch(s.type, s.body, f.serial);
          this.dispatch(f.type, f.body.subarray(0, f.subList), f.serial);
        } else {
          this.dispatch(f.type, f.body, f.serial);
        }
      } catch (e) {
        const table = this.role === 'client' ? this.def.server : this.def.client;
        throw toSpiceError(e, ErrorCode.INCONSISTENT, { ...this.ctx(), messageType: f.type, messageName: table.byType.get(f.type)?.name });
      }
    }
  }

  private countForAck(): void {
    if (this.ackWindow && ++this.ackCount >= this.ackWindow) {
      this.ackCount = 0;
      this.send({ name: 'ack', body: {} });
    }
  }

  private dispatch(type: number, body: Uint8Array, serial: bigint): void {
    if (this.state !== 'ready') return;
    const dir: Direction = this.role === 'client' ? 'server' : 'client';
    const table = dir === 'server' ? this.def.server : this.def.client;
    if (!table.byType.has(type) && this.opts.unknownMessages === 'ignore') return;
    const msg = decodeMessage(this.def, dir, type, body, this.opts.limits);
    if (this.role === 'client' && msg.name === 'list') {
      for (const s of splitSubMessages(body)) this.dispatch(s.type, s.body, serial);
      return;
    }
    if (this.role === 'client') this.clientAutoReply(msg);
    else this.serverAutoReply(msg);
    if (this.state !== 'ready') return;
    this.emit('message', { ...msg, serial, type });
  }

  private clientAutoReply(msg: AnyMessage): void {
    const b = msg.body;
    switch (msg.name) {
      case 'set_ack':
        this.ackGeneration = b.generation as number;
        this.ackWindow = b.window as number;
        this.ackCount = 0;
        this.send({ name: 'ack_sync', body: { generation: this.ackGeneration } });
        break;
      case 'ping':
        this.send({ name: 'pong', body: { id: b.id, timestamp: b.timestamp } });
        break;
      case 'migrate': {
        const flags = b.flags as number;
        if (flags & MigrateFlags.NEED_FLUSH) this.send({ name: 'migrate_flush_mark', body: {} });
        this.migrateDataPending = (flags & MigrateFlags.NEED_DATA_TRANSFER) !== 0;
        break;
      }
      case 'migrate_data':
        if (this.migrateDataPending) {
          this.migrateDataPending = false;
          this.send({ name: 'migrate_data', body: { data: b.data } });
        }
        break;
      case 'migrate_begin':
      case 'migrate_begin_seamless':
        // Migration is refused: the server keeps the session where it is.
        if (this.def.type === ChannelType.MAIN) this.send({ name: 'migrate_connect_error', body: {} });
        break;
      case 'disconnecting':
        this.emit('message', { ...msg, serial: this.lastSerial, type: 6 });
        this.finish(new SpiceError(ErrorCode.CLOSED, `the server is disconnecting (reason ${b.reason as number})`, {
          ...this.ctx(), linkError: b.reason as number,
        }));
        break;
    }
  }

  private serverAutoReply(msg: AnyMessage): void {
    const b = msg.body;
    switch (msg.name) {
      case 'ack_sync':
        this.clientAckGeneration = b.generation as number;
        break;
      case 'ack':
        // An ACK counts only once the client has synced to the current generation.
        if (this.clientAckGeneration === this.ackGeneration) this.unacked = Math.max(0, this.unacked - this.ackWindow);
        break;
      case 'disconnecting':
        this.emit('message', { ...msg, serial: this.lastSerial, type: 6 });
        this.finish();
        break;
    }
  }
}

/** Human name of a link error code, for messages. */
export { LinkErr, channelName };
