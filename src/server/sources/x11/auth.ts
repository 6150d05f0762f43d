/**
 * Where an X display lives and how to authenticate to it: DISPLAY strings
 * (":1", ":1.0", "unix:1", "host:1", "[::1]:1", "/path/to/socket") and the
 * Xauthority file's MIT-MAGIC-COOKIE-1 entries ($XAUTHORITY, else
 * ~/.Xauthority). The file is a list of entries, each five big-endian
 * length-prefixed fields: family (a bare u16), address, display number,
 * auth name, auth data.
 */
import { ErrorCode, SpiceError } from '../../../protocol/errors.js';

export interface DisplayAddress {
  /** UNIX socket path, for local displays. */
  socketPath?: string;
  /** TCP host and port (6000 + display), for host:n. */
  host?: string;
  port?: number;
  display: number;
  screen: number;
}

/** Parses a DISPLAY string. Local displays use /tmp/.X11-unix/X<n>. */
export function parseDisplay(s: string): DisplayAddress {
  const bad = () => new SpiceError(ErrorCode.BAD_ARGUMENT, `'${s}' is not an X display (':1', 'host:1', 'unix:1.0' or a socket path)`);
  if (s.startsWith('/')) return { socketPath: s, display: Number(/X(\d+)$/.exec(s)?.[1] ?? 0), screen: 0 };
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:]*)):(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) throw bad();
  const host = m[1] ?? m[2] ?? '';
  const display = Number(m[3]);
  const screen = m[4] !== undefined ? Number(m[4]) : 0;
  if (display > 65535 - 6000 || screen > 255) throw bad();
  if (host === '' || host === 'unix') return { socketPath: `/tmp/.X11-unix/X${display}`, display, screen };
  return { host, port: 6000 + display, display, screen };
}

/** Xauthority families. */
export const Family = { Internet: 0, Internet6: 6, Local: 256, Wild: 65535 } as const;

export interface XauthEntry {
  family: number;
  address: Uint8Array;
  number: string;
  name: string;
  data: Uint8Array;
}

/** Parses a whole Xauthority file; a truncated last entry is an error. */
export function parseXauthority(b: Uint8Array): XauthEntry[] {
  const out: XauthEntry[] = [];
  let o = 0;
  const u16 = () => {
    if (o + 2 > b.length) throw new SpiceError(ErrorCode.TRUNCATED, `Xauthority: entry cut at byte ${o}`);
    const v = (b[o]! << 8) | b[o + 1]!;
    o += 2;
    return v;
  };
  const field = () => {
    const n = u16();
    if (o + n > b.length) throw new SpiceError(ErrorCode.TRUNCATED, `Xauthority: field of ${n} bytes at byte ${o} runs past the end`);
    const f = b.subarray(o, o + n);
    o += n;
    return f;
  };
  const text = (f: Uint8Array) => new TextDecoder('latin1').decode(f);
  while (o < b.length) {
    const family = u16();
    const address = field();
    const number = text(field());
    const name = text(field());
    const data = field();
    out.push({ family, address, number, name, data });
  }
  return out;
}

const COOKIE = 'MIT-MAGIC-COOKIE-1';

function ipBytes(host: string): Uint8Array | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  return m ? Uint8Array.from(m.slice(1).map(Number)) : undefined;
}

const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The cookie for `addr` among `entries`, as Xlib picks it: the first
 * MIT-MAGIC-COOKIE-1 entry whose display number matches (or is empty) and
 * whose address matches — Local with this host's name for UNIX sockets and
 * loopback TCP, Internet with the IPv4 address for TCP, or Wild.
 */
export function findCookie(entries: readonly XauthEntry[], addr: DisplayAddress, hostname: string): Uint8Array | undefined {
  const local = addr.socketPath !== undefined || addr.host === 'localhost' || addr.host === '127.0.0.1' || addr.host === '::1';
  const ip = addr.host !== undefined ? ipBytes(addr.host) : undefined;
  const enc = new TextEncoder();
  for (const e of entries) {
    if (e.name !== COOKIE) continue;
    if (e.number !== '' && e.number !== String(addr.display)) continue;
    const matches =
      e.family === Family.Wild ||
      (e.family === Family.Local && local && eq(e.address, enc.encode(hostname))) ||
      (e.family === Family.Local && addr.host !== undefined && eq(e.address, enc.encode(addr.host))) ||
      (e.family === Family.Internet && ip !== undefined && eq(e.address, ip));
    if (matches) return e.data;
  }
  return undefined;
}

/** Encodes entries back to the file format (tests write Xauthority files with it). */
export function encodeXauthority(entries: readonly XauthEntry[]): Uint8Array {
  const parts: number[] = [];
  const u16 = (n: number) => parts.push((n >> 8) & 0xff, n & 0xff);
  const field = (f: Uint8Array) => { u16(f.length); parts.push(...f); };
  const enc = new TextEncoder();
  for (const e of entries) {
    u16(e.family);
    field(e.address);
    field(enc.encode(e.number));
    field(enc.encode(e.name));
    field(e.data);
  }
  return Uint8Array.from(parts);
}
