/**
 * Options every connecting command takes, and how they become session options.
 */
import { loadTarget } from '../client/target-node.js';
import type { SpiceTarget } from '../client/target.js';
import type { NodeConnectOptions } from '../client/node.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import type { Parsed } from './args.js';

export const CONNECT_SPEC = {
  password: { type: 'string' },
  'ca-file': { type: 'string' },
  'host-subject': { type: 'string' },
  'secure-channels': { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const CONNECT_HELP = `  --password PW        ticket password (or the SPICE_PASSWORD environment variable)
  --ca-file FILE       CA certificate(s) for the TLS port
  --host-subject S     expected certificate subject ("C=..,O=..,CN=..")
  --secure-channels L  comma-separated channels that must use TLS, or "all"
  --timeout S          give up after S seconds (default 10)`;

export function seconds(v: unknown, name: string, dflt: number, allowZero = false): number {
  if (v === undefined) return Math.round(dflt * 1000);
  const n = parseFloat(String(v));
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero)) {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `--${name} needs a ${allowZero ? 'non-negative' : 'positive'} number of seconds, got '${String(v)}'`);
  }
  return Math.round(n * 1000);
}

export async function connectOptions(p: Parsed): Promise<{ target: SpiceTarget; options: NodeConnectOptions }> {
  const o = p.options;
  const target = await loadTarget(p.positionals[0]!);
  const timeoutMs = seconds(o.timeout, 'timeout', 10);
  return {
    target,
    options: {
      password: (o.password as string | undefined) ?? target.password ?? process.env.SPICE_PASSWORD ?? '',
      caFile: o['ca-file'] as string | undefined,
      hostSubject: o['host-subject'] as string | undefined,
      secureChannels: o['secure-channels'] ? (o['secure-channels'] as string).split(',').map((s) => s.trim()) : target.secureChannels,
      timeoutMs,
    },
  };
}
