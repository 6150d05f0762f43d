/**
 * Node entry point of the client library:
 *
 *   const s = await connect('spice://127.0.0.1:5900', { password: 'pw' });
 *   s.on('invalidate', ...); s.primary(); s.inputs?.keyDown(0x1e); s.close();
 *
 * Accepts every target form (spice:// URIs, host:port, .vv files), opens TCP,
 * UNIX or TLS connections, encrypts the ticket with node:crypto and decodes
 * images with spice-ts's own codecs.
 */
import { loadTarget } from './target-node.js';
import { nodeOpener, type TlsOptions } from './node-connect.js';
import { SpiceSession, type SessionOptions } from './session.js';
import type { SpiceTarget } from './target.js';
import { nodeTicketCrypto } from '../protocol/crypto/node-ticket.js';

export interface NodeConnectOptions extends Omit<SessionOptions, 'open' | 'hasPlain' | 'hasTls'>, TlsOptions {}

export async function connect(target: string | SpiceTarget, opts: NodeConnectOptions = {}): Promise<SpiceSession> {
  const t = typeof target === 'string' ? await loadTarget(target) : target;
  const timeoutMs = opts.timeoutMs ?? 10000;
  const opener = nodeOpener(t, { caFile: opts.caFile, hostSubject: opts.hostSubject, insecure: opts.insecure }, timeoutMs);
  return SpiceSession.connect({
    // Loaded while the main channel links (see SpiceSession's display loading).
    decoders: async (shared) => (await import('../codecs/index.js')).defaultDecoders({ glzWindowPixels: shared.glzWindowPixels, maxPixels: shared.maxImagePixels }),
    crypto: nodeTicketCrypto,
    password: t.password,
    secureChannels: t.secureChannels,
    ...opts,
    ...opener,
  });
}

export { SpiceSession };
