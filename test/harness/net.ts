// Ports for the interop harness: free ports on loopback and a LISTEN check
// that reads /proc/net/tcp{,6} instead of connecting (spice-server serves one
// client at a time, so a probing connection could kick a real client). With
// a PID, it also checks that the listening socket is that process's own, so a
// port taken by someone else is not mistaken for our peer being up.

import { createServer, type Server } from 'node:net';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

function listen0(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

function close(srv: Server): Promise<void> {
  return new Promise((resolve) => srv.close(() => resolve()));
}

/** A TCP port that was free on 127.0.0.1 a moment ago (bind to port 0, read it, close). */
export async function freePort(): Promise<number> {
  const [p] = await freePorts(1);
  return p!;
}

/** `n` distinct free ports: all are bound at the same time before any is released. */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) servers.push(await listen0());
    return servers.map((s) => {
      const a = s.address();
      if (a === null || typeof a === 'string') throw new Error('freePorts: no port');
      return a.port;
    });
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** LISTEN sockets from /proc/net/tcp{,6}: port -> socket inodes (any address, IPv4 and IPv6). */
export function listeningSockets(): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...; st 0A = LISTEN
      if (cols.length < 10 || cols[3] !== '0A') continue;
      const port = parseInt(cols[1]!.split(':')[1]!, 16);
      if (!Number.isFinite(port)) continue;
      let set = out.get(port);
      if (!set) out.set(port, (set = new Set()));
      set.add(cols[9]!);
    }
  }
  return out;
}

/** Local ports in LISTEN state. */
export function listeningPorts(): Set<number> {
  return new Set(listeningSockets().keys());
}

/** Something listens on TCP `port` (no connection is made). */
export function portListening(port: number): boolean {
  return listeningSockets().has(port);
}

/** Process `pid` itself holds a socket listening on TCP `port` (checked through /proc/PID/fd). */
export function portListeningBy(port: number, pid: number): boolean {
  const inodes = listeningSockets().get(port);
  if (!inodes) return false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1]!)) return true;
    } catch {
      /* fd closed meanwhile */
    }
  }
  return false;
}
