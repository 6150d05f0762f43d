/**
 * Node glue: how to open the plain and TLS connections a SpiceTarget names.
 */
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { connect, type Endpoint } from '../transports/node.js';
import type { Transport } from '../transports/transport.js';
import type { SpiceTarget } from './target.js';

export interface TlsOptions {
  caFile?: string;
  hostSubject?: string;
  /** Do not verify the server certificate (never for production). */
  insecure?: boolean;
}

export interface Opener {
  open(tls: boolean): Promise<Transport>;
  hasPlain: boolean;
  hasTls: boolean;
}

export function nodeOpener(t: SpiceTarget, tlsOpts: TlsOptions = {}, timeoutMs = 10000): Opener {
  const hasPlain = t.unixPath !== undefined || t.port !== undefined;
  const hasTls = t.tlsPort !== undefined;
  return {
    hasPlain,
    hasTls,
    open(tls: boolean) {
      let ep: Endpoint;
      if (tls) {
        if (t.tlsPort === undefined || !t.host) throw new SpiceError(ErrorCode.BAD_TARGET, 'the server wants TLS but no TLS port was given (tls-port=)');
        ep = {
          kind: 'tls', host: t.host, port: t.tlsPort, caFile: tlsOpts.caFile, caPem: tlsOpts.caFile ? undefined : t.caPem,
          hostSubject: tlsOpts.hostSubject ?? t.hostSubject, insecure: tlsOpts.insecure,
        };
      } else if (t.unixPath !== undefined) {
        ep = { kind: 'unix', path: t.unixPath };
      } else {
        if (t.port === undefined || !t.host) throw new SpiceError(ErrorCode.BAD_TARGET, 'no plain port to connect to');
        ep = { kind: 'tcp', host: t.host, port: t.port };
      }
      return connect(ep, { timeoutMs });
    },
  };
}
