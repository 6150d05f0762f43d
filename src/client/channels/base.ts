/**
 * What every client-side channel of a session shares: a linked SpiceChannel,
 * a queue that runs the channel's handler table in message order (handlers
 * may be asynchronous), the serial of the last message handled (for
 * WAIT_FOR_CHANNELS), and error handling: a handler that throws closes that
 * channel with the error, never the process.
 */
import { ErrorCode, SpiceError, toSpiceError } from '../../protocol/errors.js';
import type { ChannelName, ServerMessage } from '../../protocol/schema/channels.js';
import type { SpiceChannel } from '../../channel/channel.js';
import type { Transport } from '../../transports/transport.js';
import { SerialQueue } from '../serial-queue.js';

export type Incoming = { name: string; body: unknown; serial: bigint; type: number };

/** One handler per server message name of channel C (absent = ignored). */
export type HandlerTable<C extends ChannelName> = {
  [N in ServerMessage<C>['name']]?: (body: Extract<ServerMessage<C>, { name: N }>['body']) => void | Promise<void>;
};

/** What a channel needs from its session. */
export interface SessionLink {
  /** Resolves once channel (type, id) has handled the message with `serial` (or is gone). */
  waitFor(type: number, id: number, serial: bigint): Promise<void>;
  /** Called after every handled message (wakes waiters). */
  progressed(client: ChannelClient): void;
  /** A channel closed (with the error, if any). */
  channelClosed(client: ChannelClient, error?: SpiceError): void;
}

export abstract class ChannelClient {
  /** Serial of the last message fully handled. */
  handledSerial = 0n;
  protected readonly queue: SerialQueue<Incoming>;
  private closedAlready = false;
  /** Resolves at the channel's first message (or its close): the server has set it up. */
  readonly firstMessage: Promise<void>;

  constructor(
    readonly channel: SpiceChannel,
    readonly transport: Transport,
    protected readonly session: SessionLink,
  ) {
    this.queue = new SerialQueue<Incoming>(
      (m) => this.handleOne(m),
      (e, m) => this.fail(toSpiceError(e, ErrorCode.INCONSISTENT).withContext({
        channel: channel.name, channelId: channel.id, messageType: m.type, messageName: m.name,
      })),
    );
    let first!: () => void;
    this.firstMessage = new Promise<void>((resolve) => { first = resolve; });
    channel.on('message', (m) => { first(); this.queue.push(m as unknown as Incoming); });
    channel.on('closed', ({ error }) => { first(); this.onClosed(error); });
  }

  get type(): number {
    return this.channel.opts.channelType;
  }

  get id(): number {
    return this.channel.id;
  }

  get name(): string {
    return this.channel.name;
  }

  get closed(): boolean {
    return this.closedAlready;
  }

  /** Whether every message received so far has been handled. */
  isIdle(): boolean {
    return this.queue.isIdle;
  }

  /** Resolves once every message received so far has been handled. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** The channel's handler for message `name`, if any. */
  protected abstract handler(name: string): ((body: never) => void | Promise<void>) | undefined;

  private handleOne(m: Incoming): void | Promise<void> {
    const done = () => { this.handledSerial = m.serial; this.session.progressed(this); };
    const h = this.handler(m.name);
    // WAIT_FOR_CHANNELS and INVAL_ALL_PIXMAPS carry a wait list: other
    // channels must have handled those serials before this message acts.
    const waits = (m.body as { wait_list?: { channel_type: number; channel_id: number; message_serial: bigint }[] } | undefined)?.wait_list;
    if (waits && waits.length > 0) {
      return Promise.all(waits.map((w) => this.session.waitFor(w.channel_type, w.channel_id, w.message_serial)))
        .then(() => (h ? h.call(this, m.body as never) : undefined))
        .then(done);
    }
    const r = h ? h.call(this, m.body as never) : undefined;
    if (r) return r.then(done);
    done();
  }

  /** Closes this channel because of `error` (reported once). */
  fail(error: SpiceError): void {
    if (this.closedAlready) return;
    this.channel.end(error);
    this.transport.close();
  }

  close(): void {
    if (this.closedAlready) return;
    this.channel.close();
    this.transport.close();
  }

  /** Subclasses release what they hold (waiters, decoders). */
  protected onClose(): void {}

  private onClosed(error?: SpiceError): void {
    if (this.closedAlready) return;
    this.closedAlready = true;
    this.queue.stop();
    this.onClose();
    this.transport.close();
    this.session.channelClosed(this, error);
  }
}
