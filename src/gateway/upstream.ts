/**
 * The gateway's side of a channel towards the SPICE server: a TCP, UNIX or TLS socket to
 * the token's target. TLS is used whenever the target has a TLS port (the certificate is
 * checked against the token's CA file, else the gateway's, else the system's); the raw
 * socket is handed back, so the relay can pause it when the browser reads slowly.
 */
import net from 'node:net';
import type tls from 'node:tls';
import { readFile } from 'node:fs/promises';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { subjectString } from '../transports/node.js';
import type { GatewayTarget } from './tokens.js';

export interface UpstreamOptions {
  /** CA file when the target names none. */
  caFile?: string;
  /** Milliseconds for the connection and TLS handshake; default 10000. */
  timeoutMs?: number;
  /** Skip certificate checks (tests only). */
  insecure?: boolean;
}

const CONNECT_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOENT: 'no such socket',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'cannot resolve the host name',
  EAI_AGAIN: 'cannot resolve the host name',
  ECONNRESET: 'connection reset',
  EACCES: 'permission denied',
};

function where(e: GatewayTarget): string {
  const t = e.target;
  if (t.unixPath !== undefined) return `unix:${t.unixPath}`;
  const host = t.host?.includes(':') ? `[${t.host}]` : t.host;
  return t.tlsPort !== undefined ? `tls://${host}:${t.tlsPort}` : `${host}:${t.port}`;
}

/** Connects to the target; rejects with CONNECT, TLS or TIMEOUT. */
export async function openUpstream(entry: GatewayTarget, opts: UpstreamOptions = {}): Promise<net.Socket> {
  const t = entry.target;
  const timeoutMs = opts.timeoutMs ?? 10000;
  const useTls = t.unixPath === undefined && t.tlsPort !== undefined;
  let tlsOptions: tls.ConnectionOptions | undefined;
  let tlsModule: typeof tls | undefined;
  if (useTls) {
    tlsModule = (await import('node:tls')).default;
    const caFile = entry.caFile ?? opts.caFile;
    let ca: string | undefined = t.caPem;
    if (caFile) {
      try {
        ca = await readFile(caFile, 'utf8');
      } catch (e) {
        throw new SpiceError(ErrorCode.TLS, `cannot read the CA file ${caFile}: ${(e as Error).message}`, { cause: e });
      }
    }
    const host = t.host!;
    tlsOptions = { host, port: t.tlsPort, ca, rejectUnauthorized: !opts.insecure, servername: net.isIP(host) ? undefined : host };
    const subject = entry.hostSubject ?? t.hostSubject;
    if (subject) {
      const norm = (s: string) => s.split(',').map((p) => p.trim()).filter(Boolean).join(',');
      tlsOptions.checkServerIdentity = (_h, cert) => {
        const got = subjectString(cert.subject as unknown as Record<string, string>);
        return norm(got) === norm(subject) ? undefined : new Error(`the certificate subject "${got}" is not "${subject}"`);
      };
    }
  }
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SpiceError(ErrorCode.TIMEOUT, `no connection to ${where(entry)} after ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      const tlsProblem = useTls && (/certificate|SSL|TLS|handshake|subject/i.test(e.message) || /CERT|SSL|TLS/.test(e.code ?? ''));
      reject(tlsProblem
        ? new SpiceError(ErrorCode.TLS, `TLS with ${where(entry)} failed: ${e.message}`, { cause: e })
        : new SpiceError(ErrorCode.CONNECT, `${where(entry)}: ${CONNECT_WORDS[e.code ?? ''] ?? e.message}`, { cause: e }));
    };
    const ok = () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.setNoDelay(true);
      resolve(socket);
    };
    if (useTls) socket = tlsModule!.connect(tlsOptions!, ok);
    else if (t.unixPath !== undefined) socket = net.connect(t.unixPath, ok);
    else socket = net.connect({ host: t.host!, port: t.port! }, ok);
    socket.once('error', fail);
  });
}

export { where as describeUpstream };
