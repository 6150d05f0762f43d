/**
 * What every channel of a viewer shares: the linked SpiceChannel and its transport,
 * one handler table (message name -> handler), and failure handling: a bad message
 * or a handler that throws closes the whole viewer with a coded reason.
 */
import type { SpiceChannel } from '../../channel/channel.js';
import type { AnyMessage } from '../../protocol/messages.js';
import { ErrorCode, SpiceError, toSpiceError } from '../../protocol/errors.js';
import type { ServerLinkResult } from '../../channel/link-server.js';
import type { Transport } from '../../transports/transport.js';
import type { Viewer } from '../viewer.js';
import { SERVER_DEFAULTS } from '../options.js';

export type ServerHandler = (body: Record<string, any>, msg: AnyMessage) => void;

export abstract class ServerChannelBase {
  protected abstract readonly handlers: Record<string, ServerHandler>;
  readonly clientCaps: Set<number>;
  // Flood control: a token bucket refilled at the allowed rate, holding two seconds' worth.
  private budget: number;
  private budgetAt = Date.now();
  private readonly rate: number;

  constructor(readonly viewer: Viewer, readonly channel: SpiceChannel, readonly transport: Transport, link: ServerLinkResult) {
    this.clientCaps = new Set(link.clientChannelCaps);
    this.rate = viewer.server.options.maxMessagesPerSecond ?? SERVER_DEFAULTS.maxMessagesPerSecond;
    this.budget = this.rate * 2;
    channel.on('message', (m) => this.dispatch(m));
    channel.on('error', (err) => viewer.close(err));
    channel.on('closed', ({ error }) => this.closed(error));
  }

  get name(): string {
    return this.channel.name;
  }

  /** Sends a message; false when the channel is gone (the viewer is closing). */
  send(name: string, body: Record<string, unknown>): boolean {
    if (!this.channel.ready) return false;
    try {
      this.channel.send({ name, body });
      return true;
    } catch (e) {
      this.viewer.close(toSpiceError(e, ErrorCode.ENCODE, { channel: this.name }));
      return false;
    }
  }

  private dispatch(m: AnyMessage): void {
    const now = Date.now();
    this.budget = Math.min(this.rate * 2, this.budget + ((now - this.budgetAt) * this.rate) / 1000);
    this.budgetAt = now;
    if (--this.budget < 0) {
      this.viewer.close(new SpiceError(ErrorCode.FLOOD, `more than ${this.rate} messages a second`, { channel: this.name, messageName: m.name }));
      return;
    }
    const h = this.handlers[m.name];
    if (!h) return; // common messages (ack, pong, ...) the channel already handled
    try {
      h.call(this, m.body as Record<string, any>, m);
    } catch (e) {
      const err = e instanceof SpiceError ? e.withContext({ channel: this.name, messageName: m.name })
        : toSpiceError(e, ErrorCode.INCONSISTENT, { channel: this.name, messageName: m.name });
      this.viewer.close(err);
    }
  }

  /** The channel closed (by us, the viewer, or an error). */
  protected closed(_error?: SpiceError): void {}

  close(): void {
    this.channel.close();
  }
}
