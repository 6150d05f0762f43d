/**
 * Node transports for the client side: TCP, UNIX socket and TLS. Each gives
 * a `Transport` (bytes in, bytes out, close) that `bindChannel` attaches to a
 * sans-I/O SpiceChannel. Writes made in one tick go out in one segment.
 */
import net from 'node:net';
import type tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import type { Transport } from './transport.js';

export type { Transport } from './transport.js';

export type Endpoint =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string }
  | {
    kind: 'tls'; host: string; port: number;
    /** CA certificate(s), PEM text. */
    caPem?: string;
    /** CA file path (read at connect time). */
    caFile?: string;
    /** Expected certificate subject ("C=..,O=..,CN=.."), checked instead of the host name. */
    hostSubject?: string;
    /** Skip certificate verification entirely (tests only). */
    insecure?: boolean;
  };

export interface ConnectOptions {
  /** Milliseconds to wait for the connection (and TLS handshake). Default 10000. */
  timeoutMs?: number;
}

export function describeEndpoint(e: Endpoint): string {
  if (e.kind === 'unix') return `unix:${e.path}`;
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.kind === 'tls' ? 'tls://' : ''}${host}:${e.port}`;
}

function connectError(e: NodeJS.ErrnoException, ep: Endpoint): SpiceError {
  const where = describeEndpoint(ep);
  const reasons: Record<string, string> = {
    ECONNREFUSED: `connection refused by ${where} (is the SPICE server running and listening there?)`,
    ENOENT: `no UNIX socket at ${where}`,
    EHOSTUNREACH: `host unreachable: ${where}`,
    ENETUNREACH: `network unreachable: ${where}`,
    ENOTFOUND: `cannot resolve the host name of ${where}`,
    EAI_AGAIN: `cannot resolve the host name of ${where}`,
    ECONNRESET: `the connection to ${where} was reset`,
    EACCES: `permission denied connecting to ${where}`,
  };
  return new SpiceError(ErrorCode.CONNECT, reasons[e.code ?? ''] ?? `cannot connect to ${where}: ${e.message}`, { cause: e });
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_TLS_HOST_SUBJECT', 'CERT_NOT_YET_VALID', 'ERR_SSL_PACKET_LENGTH_TOO_LONG',
]);

/** Formats a certificate subject like spice-gtk's host-subject ("C=XX,O=org,CN=host"). */
export function subjectString(subject: Record<string, string | string[]>): string {
  return Object.entries(subject).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`).join(',');
}

function normalizeSubject(s: string): string {
  return s.split(',').map((p) => p.trim()).filter(Boolean).join(',');
}

const EMPTY = new Uint8Array(0);

class SocketTransport implements Transport {
  private dataCb?: (b: Uint8Array) => void;
  private closeCb?: (err?: SpiceError) => void;
  private corked = false;
  private ended = false;
  /** recordPerWrite: writes waiting for the one in flight, and their size. */
  private queue: Uint8Array[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private inFlight = false;

  /**
   * `batch`: cork writes until the next tick (fewer TCP segments).
   * `recordPerWrite` (a server's TLS side): every write becomes its own TLS record(s), never
   * sharing a record with the next write. spice-gtk, after handling a message, waits for the
   * socket to become readable before reading on; bytes of the next message decrypted along
   * with the previous one sit unread until more data arrives (a still picture never comes,
   * and the link result followed by SET_ACK in one record stalls the channel at once).
   * Node seals corked writes, and writes queued while one is in flight (writev), into one
   * record, so writes here go to the socket one at a time, each after the previous one's
   * callback. spice-server writes one record per buffer too (SSL_write per iovec).
   */
  constructor(readonly socket: net.Socket, readonly endpoint: Endpoint, readonly secure: boolean, private readonly batch = true,
    private readonly recordPerWrite = false) {
    socket.setNoDelay(true);
    socket.on('data', (b: Buffer) => this.dataCb?.(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    socket.on('error', (e: NodeJS.ErrnoException) => this.done(connectError(e, endpoint)));
    socket.on('close', () => this.done());
  }

  private done(err?: SpiceError): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.destroy();
    this.closeCb?.(err);
  }

  get description(): string {
    return describeEndpoint(this.endpoint);
  }

  onData(cb: (b: Uint8Array) => void): void {
    this.dataCb = cb;
  }

  onClose(cb: (err?: SpiceError) => void): void {
    this.closeCb = cb;
  }

  write(b: Uint8Array): void {
    if (this.ended) return;
    if (this.recordPerWrite) {
      if (this.inFlight) {
        this.queue.push(b);
        this.queuedBytes += b.length;
      } else {
        this.writeAlone(b);
      }
      return;
    }
    if (this.batch && !this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => this.flush());
    }
    this.socket.write(b);
  }

  private writeAlone(b: Uint8Array): void {
    this.inFlight = true;
    this.socket.write(b, () => {
      this.inFlight = false;
      if (this.ended || this.queueHead === this.queue.length) return;
      const next = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = EMPTY;
      if (this.queueHead === this.queue.length) { this.queue = []; this.queueHead = 0; }
      this.queuedBytes -= next.length;
      this.writeAlone(next);
    });
  }

  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  pendingBytes(): number {
    return this.socket.writableLength + this.queuedBytes;
  }

  onceDrained(cb: () => void): void {
    // 'drain' fires only after a write found the buffer full, so poll the queued length.
    const check = () => (this.ended || this.pendingBytes() === 0 ? cb() : setTimeout(check, 1));
    setImmediate(check);
  }

  close(): void {
    if (this.ended) return;
    this.socket.end();
    setTimeout(() => this.done(), 1000).unref();
  }
}

/**
 * Wraps a socket a server accepted (TCP, UNIX or TLS) as a transport; `peer` names the
 * client in logs and errors.
 */
export function acceptedTransport(socket: net.Socket, secure: boolean): Transport {
  const ep: Endpoint = socket.remoteAddress
    ? { kind: secure ? 'tls' : 'tcp', host: socket.remoteAddress, port: socket.remotePort ?? 0 }
    : { kind: 'unix', path: socket.localAddress || 'socket' };
  return new SocketTransport(socket, ep, secure, !secure, secure);
}

/** Opens a transport to `ep`. Rejects with a SpiceError (CONNECT, TLS or TIMEOUT). */
export async function connect(ep: Endpoint, opts: ConnectOptions = {}): Promise<Transport> {
  const timeoutMs = opts.timeoutMs ?? 10000;
  let tlsOptions: tls.ConnectionOptions | undefined;
  // node:tls is loaded only when a TLS port is used (it costs ~4 ms of start-up).
  let tlsModule: typeof tls | undefined;
  if (ep.kind === 'tls') {
    tlsModule = (await import('node:tls')).default;
    let ca: string | undefined = ep.caPem;
    if (ep.caFile) {
      try {
        ca = readFileSync(ep.caFile, 'utf8'); // a few kilobytes, once per TLS connection
      } catch (e) {
        throw new SpiceError(ErrorCode.TLS, `cannot read the CA file ${ep.caFile}: ${(e as Error).message}`, { cause: e });
      }
    }
    tlsOptions = {
      host: ep.host, port: ep.port, ca, rejectUnauthorized: !ep.insecure,
      servername: net.isIP(ep.host) ? undefined : ep.host,
    };
    if (ep.hostSubject) {
      const want = normalizeSubject(ep.hostSubject);
      tlsOptions.checkServerIdentity = (_host, cert) => {
        const got = subjectString(cert.subject as unknown as Record<string, string>);
        if (normalizeSubject(got) === want) return undefined;
        const err = new Error(`the certificate subject "${got}" is not the expected "${want}"`) as NodeJS.ErrnoException;
        err.code = 'ERR_TLS_HOST_SUBJECT';
        return err;
      };
    }
  }
  return new Promise<Transport>((resolve, reject) => {
    let socket: net.Socket;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SpiceError(ErrorCode.TIMEOUT, `no connection to ${describeEndpoint(ep)} after ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      if (ep.kind === 'tls' && (TLS_CODES.has(e.code ?? '') || /certificate|SSL|TLS|handshake/i.test(e.message))) {
        reject(new SpiceError(ErrorCode.TLS, `TLS with ${describeEndpoint(ep)} failed: ${e.message}${e.code ? ` (${e.code})` : ''}`, { cause: e }));
      } else {
        reject(connectError(e, ep));
      }
    };
    const ok = () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(new SocketTransport(socket, ep, ep.kind === 'tls'));
    };
    if (ep.kind === 'tls') {
      socket = tlsModule!.connect(tlsOptions!, ok);
    } else if (ep.kind === 'unix') {
      socket = net.connect({ path: ep.path }, ok);
    } else {
      socket = net.connect({ host: ep.host, port: ep.port }, ok);
    }
    socket.once('error', fail);
  });
}
