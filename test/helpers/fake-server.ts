/**
 * An in-memory SPICE server made of server-role channels, for client-session tests: its
 * `open` (a SessionOptions opener) connects each new client connection to a server channel
 * of the next type in `order`, and records what each channel linked with and received.
 */
import { SpiceChannel } from '../../src/channel/channel.js';
import { LinkErr } from '../../src/protocol/enums/index.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import type { Transport } from '../../src/transports/transport.js';
import type { AnyMessage } from '../../src/protocol/messages.js';

export interface ServerEnd {
  type: number;
  channel: SpiceChannel;
  /** The channel capabilities the client linked with. */
  caps: number[];
  connectionId?: number;
  /** Every message received from the client. */
  got: AnyMessage[];
}

export function fakeServer(order: number[]): { open: () => Promise<Transport>; ends: ServerEnd[] } {
  const ends: ServerEnd[] = [];
  const open = async (): Promise<Transport> => {
    const type = order[ends.length];
    if (type === undefined) throw new Error('unexpected connection');
    let toClient: (b: Uint8Array) => void = () => {};
    let onClose: () => void = () => {};
    const end: ServerEnd = { type, caps: [], got: [], channel: undefined as unknown as SpiceChannel };
    end.channel = new SpiceChannel({
      role: 'server', channelType: type, channelId: 0, crypto: nodeTicketCrypto,
      accept: (mess) => { end.caps = mess.channelCaps; end.connectionId = mess.connectionId; return LinkErr.OK; },
      checkPassword: null, channelCaps: () => [],
      write: (b) => queueMicrotask(() => toClient(b)),
    });
    end.channel.on('message', (m) => end.got.push({ name: m.name, body: m.body }));
    end.channel.on('closed', () => onClose());
    end.channel.start();
    ends.push(end);
    return {
      description: `memory:${type}`, secure: false,
      write: (b) => queueMicrotask(() => end.channel.receive(b)),
      close: () => queueMicrotask(() => end.channel.close()),
      onData: (cb) => { toClient = cb; },
      onClose: (cb) => { onClose = () => cb(); },
    };
  };
  return { open, ends };
}
