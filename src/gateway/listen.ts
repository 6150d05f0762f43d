/**
 * Puts a Gateway on the network: one HTTP (or HTTPS, with a certificate and key) port that
 * serves the web viewer's files and takes the viewer's WebSockets (ws:// or wss://).
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import type net from 'node:net';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { parseListen } from '../server/listen.js';
import { viewerHttpHandler } from '../server/web-files.js';
import type { Gateway } from './gateway.js';

export interface GatewayListenOptions {
  /** 'host:port', 'port', '[v6]:port' or 'unix:/path'. Default 127.0.0.1:8080. */
  listen?: string;
  /** PEM certificate (chain) and key files: serve https:// and wss://. */
  tlsCert?: string;
  tlsKey?: string;
  /** Folder of the bundled viewer (index.html, app.js); default dist/viewer of this package. */
  viewerDir?: string;
  /** Answers HTTP requests instead of the viewer files. */
  http?: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface GatewayListening {
  /** The page address, e.g. http://127.0.0.1:8080/ (add ?token=...). */
  url: string;
  host: string;
  port?: number;
  close(): Promise<void>;
}

async function readPem(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new SpiceError(ErrorCode.TLS, `cannot read the ${what} ${file}: ${(e as Error).message}`, { cause: e });
  }
}

export async function listenGateway(gw: Gateway, opts: GatewayListenOptions = {}): Promise<GatewayListening> {
  const where = parseListen(opts.listen ?? '127.0.0.1:8080');
  const handler = opts.http ?? viewerHttpHandler(opts.viewerDir);
  if (!opts.tlsCert !== !opts.tlsKey) throw new SpiceError(ErrorCode.BAD_ARGUMENT, 'HTTPS needs both a certificate (--tls-cert) and a key (--tls-key)');
  let server: Server;
  const secure = !!opts.tlsCert;
  if (secure) {
    const [cert, key] = await Promise.all([readPem(opts.tlsCert!, 'certificate'), readPem(opts.tlsKey!, 'key')]);
    const https = await import('node:https');
    try {
      server = https.createServer({ cert, key }, handler) as unknown as Server;
    } catch (e) {
      throw new SpiceError(ErrorCode.TLS, `the certificate or key cannot be used: ${(e as Error).message}`, { cause: e });
    }
  } else {
    server = (await import('node:http')).createServer(handler);
  }
  server.on('upgrade', (req: IncomingMessage, socket: net.Socket, head: Buffer) => gw.handleUpgrade(req, socket, head));
  server.on('clientError', (_e, socket: net.Socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new SpiceError(ErrorCode.CONNECT,
      `cannot listen on ${opts.listen ?? '127.0.0.1:8080'}: ${e.code === 'EADDRINUSE' ? 'the address is in use' : e.message}`, { cause: e })));
    if ('path' in where) server.listen(where.path, resolve);
    else server.listen(where.port, where.host, resolve);
  });
  const scheme = secure ? 'https' : 'http';
  let url: string;
  let host: string;
  let port: number | undefined;
  if ('path' in where) {
    host = 'localhost';
    url = `${scheme}+unix://${where.path}`;
  } else {
    port = (server.address() as net.AddressInfo).port;
    host = where.host === '0.0.0.0' || where.host === '::' ? '127.0.0.1' : where.host;
    url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  }
  return {
    url, host, port,
    close: async () => {
      gw.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    },
  };
}
