/**
 * Puts a SpiceServer on the network (Node): a plain port (TCP or UNIX socket) that also
 * takes WebSocket connections (the first bytes decide: "GET " is HTTP, anything else is
 * SPICE, like spice-server 0.14.3+), and an optional TLS port with spice-server's x509
 * directory layout (ca-cert.pem, server-cert.pem, server-key.pem).
 */
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { acceptedTransport } from '../transports/node.js';
import type { SpiceServer } from './server.js';

export interface ListenOptions {
  /** 'host:port', 'port', '[v6]:port' or 'unix:/path'. Default 127.0.0.1:5900. */
  listen?: string;
  /** TLS port (on the same host as `listen`). */
  tlsPort?: number;
  /** Directory with ca-cert.pem, server-cert.pem and server-key.pem (needed with tlsPort). */
  x509Dir?: string;
  /** Accept WebSocket connections on the plain port. Default true. */
  websocket?: boolean;
  /** Answers plain HTTP requests on the plain port (the web viewer); default: 404. */
  http?: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface Listening {
  /** Where viewers connect: 'spice://127.0.0.1:5900', 'spice+unix:///path', tls-port=... */
  addresses: { plain: string; tls?: string; host: string; port?: number; tlsPort?: number; unixPath?: string };
  close(): Promise<void>;
}

export function parseListen(spec: string): { host: string; port: number } | { path: string } {
  if (spec.startsWith('unix:')) return { path: spec.slice(5) };
  if (/^\d+$/.test(spec)) return { host: '127.0.0.1', port: Number(spec) };
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(spec);
  if (!m) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `cannot read the listen address '${spec}' (use host:port or unix:/path)`);
  const port = Number(m[3]);
  if (port > 65535) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `port ${port} is out of range`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function listenOn(srv: net.Server, where: { host: string; port: number } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    srv.once('error', (e: NodeJS.ErrnoException) => reject(new SpiceError(ErrorCode.CONNECT,
      `cannot listen on ${'path' in where ? where.path : `${where.host}:${where.port}`}: ${e.code === 'EADDRINUSE' ? 'the address is in use' : e.message}`, { cause: e })));
    if ('path' in where) srv.listen(where.path, resolve);
    else srv.listen(where.port, where.host, resolve);
  });
}

export async function listen(server: SpiceServer, opts: ListenOptions = {}): Promise<Listening> {
  const where = parseListen(opts.listen ?? '127.0.0.1:5900');
  const websocket = opts.websocket ?? true;
  let upgrade: ((socket: net.Socket, first: Buffer) => void) | undefined;
  if (websocket) upgrade = await webSocketUpgrader(server, opts.http);
  const sockets = new Set<net.Socket>();
  const plain = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (!upgrade) { server.accept(acceptedTransport(socket, false)); return; }
    // Look at the first bytes: SPICE starts with "REDQ", HTTP with a method.
    socket.once('data', (first: Buffer) => {
      const method = first.subarray(0, 5).toString('latin1');
      if (method.startsWith('GET ') || method === 'HEAD ') upgrade!(socket, first);
      else {
        const t = acceptedTransport(socket, false);
        server.accept(t);
        socket.emit('data', first);
      }
    });
  });
  await listenOn(plain, where);
  const servers: net.Server[] = [plain];
  let tlsPort: number | undefined;
  if (opts.tlsPort !== undefined) try {
    if (!opts.x509Dir) throw new SpiceError(ErrorCode.BAD_ARGUMENT, 'a TLS port needs an x509 directory (ca-cert.pem, server-cert.pem, server-key.pem)');
    const tls = (await import('node:tls')).default;
    const read = async (f: string) => {
      try { return await readFile(join(opts.x509Dir!, f)); } catch (e) {
        throw new SpiceError(ErrorCode.TLS, `cannot read ${join(opts.x509Dir!, f)}: ${(e as Error).message}`, { cause: e });
      }
    };
    const [ca, cert, key] = await Promise.all([read('ca-cert.pem'), read('server-cert.pem'), read('server-key.pem')]);
    const secure = tls.createServer({ ca, cert, key }, (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      server.accept(acceptedTransport(socket, true));
    });
    secure.on('tlsClientError', (e) => server.log(`TLS handshake failed: ${e.message}`));
    await listenOn(secure, { host: 'path' in where ? '127.0.0.1' : where.host, port: opts.tlsPort });
    servers.push(secure);
    tlsPort = (secure.address() as net.AddressInfo).port;
  } catch (e) {
    plain.close();
    throw e;
  }
  const host = 'path' in where ? '127.0.0.1' : where.host;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const port = 'path' in where ? undefined : (plain.address() as net.AddressInfo).port;
  const addresses: Listening['addresses'] = 'path' in where
    ? { plain: `spice+unix://${where.path}`, host, unixPath: where.path }
    : { plain: `spice://${urlHost}:${port}`, host, port };
  if (tlsPort !== undefined) { addresses.tls = `spice://${urlHost}?tls-port=${tlsPort}`; addresses.tlsPort = tlsPort; }
  return {
    addresses,
    close: async () => {
      for (const s of servers) s.close();
      for (const s of sockets) s.destroy();
      await server.close();
    },
  };
}

/** An HTTP parser for sockets the sniffer hands over, upgrading WebSocket requests. */
async function webSocketUpgrader(server: SpiceServer, http?: ListenOptions['http']) {
  const [{ WebSocketServer }, httpMod, { wsTransport }] = await Promise.all([
    import('ws'), import('node:http'), import('../transports/ws-node.js'),
  ]);
  const wss = new WebSocketServer({
    noServer: true, perMessageDeflate: false,
    // spice-html5 asks for "binary"; websockify-style clients may ask for nothing.
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : protocols.values().next().value ?? false),
  });
  const parser = httpMod.createServer((req, res) => {
    if (http) { http(req, res); return; }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('This is a SPICE server; connect with a SPICE client or a WebSocket.\n');
  });
  parser.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket as net.Socket, head, (ws) => {
      const peer = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
      server.accept(wsTransport(ws, `ws://${peer}`, false));
    });
  });
  return (socket: net.Socket, first: Buffer) => {
    parser.emit('connection', socket);
    socket.unshift(first);
  };
}
