/**
 * Linking one channel of a session: open a connection (plain or TLS, through
 * the caller's `open`), run the link stage, and hand back the ready channel.
 * A channel the server wants secured (NEED_SECURED) is retried on TLS.
 */
import { LinkErr } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { channelName } from '../protocol/schema/channels.js';
import type { TicketCrypto } from '../protocol/crypto/ticket.js';
import { SpiceChannel, type ChannelLimits, type LinkedEvent } from '../channel/channel.js';
import { bindChannel, type Transport } from '../transports/transport.js';

/** How to reach the server: what probe and sessions share. */
export interface LinkOptions {
  password?: string;
  /** Opens a connection: `tls` false for the plain port, true for the TLS port. */
  open(tls: boolean): Promise<Transport>;
  /** Whether a plain and a TLS port exist. */
  hasPlain: boolean;
  hasTls: boolean;
  /** Channel names that must use TLS (or ['all']). */
  secureChannels?: string[];
  crypto?: TicketCrypto;
  /** Message size and array limits for every channel. */
  limits?: ChannelLimits;
}

export interface LinkOutcome {
  channel: SpiceChannel;
  transport: Transport;
  info: LinkedEvent;
}

/** Opens and links one channel; resolves once linked, rejects with a SpiceError. */
export async function linkChannel(
  type: number, id: number, connectionId: number, tls: boolean,
  opts: Pick<LinkOptions, 'open' | 'password' | 'crypto' | 'limits'> & {
    channelCaps?: number[];
    setup?: (c: SpiceChannel, t: Transport) => void;
    /** Told of every transport opened, so the caller can close them all. */
    track?: (t: Transport) => void;
  },
): Promise<LinkOutcome> {
  const transport = await opts.open(tls);
  opts.track?.(transport);
  const channel = new SpiceChannel({
    role: 'client', channelType: type, channelId: id, connectionId, password: opts.password ?? '',
    channelCaps: opts.channelCaps, crypto: opts.crypto, limits: opts.limits, write: (b) => transport.write(b), flush: () => transport.flush?.(),
  });
  bindChannel(channel, transport);
  // Listeners go on before start(): messages can follow the link result in the same read.
  opts.setup?.(channel, transport);
  return new Promise((resolve, reject) => {
    const offs = [
      channel.once('linked', (info) => { offs.forEach((f) => f()); resolve({ channel, transport, info }); }),
      channel.once('closed', ({ error }) => {
        offs.forEach((f) => f());
        reject(error ?? new SpiceError(ErrorCode.CLOSED, 'the server closed the connection during the link stage', { channel: channelName(type), channelId: id }));
      }),
    ];
    channel.start();
  });
}

export function wantsTls(name: string, opts: LinkOptions): boolean {
  if (!opts.hasPlain) return true;
  const s = opts.secureChannels ?? [];
  return s.includes('all') || s.includes(name);
}

/** Links a channel on the plain port, moving to TLS when the server says NEED_SECURED. */
export async function linkWithFallback(
  type: number, id: number, connectionId: number,
  opts: LinkOptions & { channelCaps?: number[]; setup?: (c: SpiceChannel, t: Transport) => void; track?: (t: Transport) => void },
) {
  const tls = wantsTls(channelName(type), opts);
  try {
    return { ...(await linkChannel(type, id, connectionId, tls, opts)), tls };
  } catch (e) {
    if (!tls && opts.hasTls && e instanceof SpiceError && e.linkError === LinkErr.NEED_SECURED) {
      return { ...(await linkChannel(type, id, connectionId, true, opts)), tls: true };
    }
    throw e;
  }
}

