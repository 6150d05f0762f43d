/**
 * Two sans-I/O channels (client and server roles) wired to each other in
 * memory, recording every byte each side wrote.
 */
import { SpiceChannel, type ClientChannelOptions, type ServerChannelOptions } from '../../src/channel/channel.js';
import { LinkErr } from '../../src/protocol/enums/index.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import type { AnyMessage } from '../../src/protocol/messages.js';
import type { SpiceError } from '../../src/protocol/errors.js';

export interface Side {
  channel: SpiceChannel;
  wrote: Uint8Array[];
  messages: AnyMessage[];
  errors: SpiceError[];
  closed: boolean;
}

export interface PairOptions {
  channelType?: number;
  password?: string;
  serverPassword?: string | null;
  client?: Partial<ClientChannelOptions>;
  server?: Partial<ServerChannelOptions>;
}

function side(): Omit<Side, 'channel'> {
  return { wrote: [], messages: [], errors: [], closed: false };
}

export function pair(o: PairOptions = {}): { client: Side; server: Side } {
  const type = o.channelType ?? 1;
  const c = side() as Side;
  const s = side() as Side;
  const serverPw = o.serverPassword === undefined ? null : o.serverPassword;
  s.channel = new SpiceChannel({
    role: 'server', channelType: type, channelId: 0, crypto: nodeTicketCrypto,
    accept: () => LinkErr.OK,
    checkPassword: serverPw === null ? null : (pw) => pw === serverPw,
    channelCaps: () => [],
    write: (bytes) => { s.wrote.push(bytes); queueMicrotask(() => c.channel.receive(bytes)); },
    ...o.server,
  } as ServerChannelOptions);
  c.channel = new SpiceChannel({
    role: 'client', channelType: type, channelId: 0, connectionId: 0, password: o.password ?? '',
    crypto: nodeTicketCrypto,
    write: (bytes) => { c.wrote.push(bytes); queueMicrotask(() => s.channel.receive(bytes)); },
    ...o.client,
  } as ClientChannelOptions);
  for (const x of [c, s]) {
    x.channel.on('message', (m) => x.messages.push({ name: m.name, body: m.body }));
    x.channel.on('error', (e) => x.errors.push(e));
    x.channel.on('closed', () => { x.closed = true; });
  }
  return { client: c, server: s };
}

/** Resolves when `pred` holds, polling across ticks (rejects after `ms`). */
export async function until(pred: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Resolves when the channel is linked (or rejects when it closes first). */
export function linked(ch: SpiceChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ch.ready) { resolve(); return; }
    ch.once('linked', () => resolve());
    ch.once('closed', ({ error }) => reject(error ?? new Error('closed')));
  });
}
