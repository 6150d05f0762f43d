/**
 * What a channel needs from a connection, whatever carries it (TCP, UNIX,
 * TLS, WebSocket): bytes out, bytes in, close.
 */
import type { SpiceError } from '../protocol/errors.js';
import type { SpiceChannel } from '../channel/channel.js';

export interface Transport {
  /** Human description of the peer ("127.0.0.1:5900", "tls://host:5901"). */
  readonly description: string;
  /** True when the bytes travel encrypted (TLS, wss). */
  readonly secure: boolean;
  write(bytes: Uint8Array): void;
  /** Sends what has been written so far now, in its own segment (writes are otherwise batched per tick). */
  flush?(): void;
  close(): void;
  /** Bytes written but not yet handed to the network (flow control); absent: unknown. */
  pendingBytes?(): number;
  /** Calls `cb` once when the pending bytes have been handed to the network. */
  onceDrained?(cb: () => void): void;
  onData(cb: (bytes: Uint8Array) => void): void;
  /** Called once, when the connection is gone (with an error if it failed). */
  onClose(cb: (err?: SpiceError) => void): void;
}

/**
 * Wires a channel to a transport: received bytes feed the channel, the
 * channel's output goes to the transport, and either side closing closes
 * the other. The channel must have been created with
 * `write: (b) => transport.write(b)` or use the returned writer.
 */
export function bindChannel(channel: SpiceChannel, transport: Transport): void {
  transport.onData((b) => channel.receive(b));
  transport.onClose((err) => channel.end(err));
  channel.on('closed', () => transport.close());
}
