/**
 * An in-memory SPICE server made of server-role channels, for client-session tests: its
 * `open` (a SessionOptions opener) connects each new client connection to a server channel
 * of the next type in `order`, and records what each channel linked with and received.
 */
import { SpiceChannel } from '../../src/channel/channel.js';
import { ChannelType, LinkErr, MouseMode } from '../../src/protocol/enums/index.js';
import { SpiceSession, type SessionOptions } from '../../src/client/session.js';
import { until } from './pair.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import type { Transport } from '../../src/transports/transport.js';
import type { AnyMessage } from '../../src/protocol/messages.js';

export interface ServerEnd {
  type: number;
  channel: SpiceChannel;
  /** The channel capabilities the client linked with (the link message's words). */
  caps: number[];
  connectionId?: number;
  /** Every message received from the client. */
  got: AnyMessage[];
}

/** Capability numbers from a link message's words. */
export const capNumbers = (words: number[]): number[] =>
  words.flatMap((w, i) => [...Array(32).keys()].filter((b) => (w >>> b) & 1).map((b) => i * 32 + b));

export interface FakeServerOptions {
  /** The channel capabilities each channel type advertises (default none). */
  channelCaps?: (type: number) => number[];
}

export function fakeServer(order: number[], o: FakeServerOptions = {}): { open: () => Promise<Transport>; ends: ServerEnd[] } {
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
      checkPassword: null, channelCaps: () => o.channelCaps?.(type) ?? [],
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

/**
 * A client session against a fake server with a main and one display channel: MAIN_INIT
 * (session id `sessionId`), the channel list, and the display linked and initialised.
 */
export async function fakeDisplaySession(o: FakeServerOptions & { session?: Partial<SessionOptions>; sessionId?: number } = {}): Promise<{
  session: SpiceSession; main: ServerEnd; display: ServerEnd;
}> {
  const srv = fakeServer([ChannelType.MAIN, ChannelType.DISPLAY], o);
  const connecting = SpiceSession.connect({
    open: srv.open, hasPlain: true, hasTls: false, crypto: nodeTicketCrypto, channels: ['display'], timeoutMs: 3000, ...o.session,
  });
  await until(() => srv.ends[0]?.channel.ready === true);
  const main = srv.ends[0]!;
  main.channel.send({
    name: 'init',
    body: { session_id: o.sessionId ?? 5, display_channels_hint: 1, supported_mouse_modes: MouseMode.SERVER, current_mouse_mode: MouseMode.SERVER, agent_connected: 0, agent_tokens: 0, multi_media_time: 0, ram_hint: 0 },
  });
  await until(() => main.got.some((m) => m.name === 'attach_channels'));
  main.channel.send({ name: 'channels_list', body: { num_of_channels: 1, channels: [{ type: ChannelType.DISPLAY, id: 0 }] } });
  const session = await connecting;
  await until(() => srv.ends[1]?.got.some((m) => m.name === 'init') === true);
  return { session, main, display: srv.ends[1]! };
}
