/**
 * Targets: every way a user names a SPICE server, parsed into one SpiceTarget.
 *
 *  - spice URIs (spice://, spice+tls://, spice+unix://), following spice-common's
 *    docs/spice_uri_scheme.txt and what spice-gtk accepts;
 *  - "host:port" and "[v6addr]:port" as typed on a command line;
 *  - virt-viewer connection files (.vv), as written by Proxmox VE, oVirt, ...
 *    (remote-viewer(1), "CONNECTION FILE").
 *
 * Pure TypeScript: runs in browsers as well as in Node (see target-node.ts for
 * reading .vv files from disk).
 */

import { ErrorCode, SpiceError } from '../protocol/errors.js';

export interface SpiceTarget {
  /** Host name or address for TCP/TLS; an IPv6 address is stored without brackets. */
  host?: string;
  /** Plain TCP port. */
  port?: number;
  /** TLS port. */
  tlsPort?: number;
  /** UNIX domain socket path (spice+unix:// or a .vv unix-path). */
  unixPath?: string;
  password?: string;
  /** Path to a CA file. Never set by the parsers here; for callers (command-line options). */
  caFile?: string;
  /** CA certificate(s) as PEM text (a .vv file's ca= key, with its \n escapes turned into newlines). */
  caPem?: string;
  /** Expected certificate subject, e.g. "C=XX,L=city,O=org,CN=host". */
  hostSubject?: string;
  /** Channel names that must use TLS ('main', 'display', 'inputs', ...), or ['all']. */
  secureChannels?: string[];
  title?: string;
  /** Proxy URL to tunnel through (HTTP CONNECT), e.g. "http://proxy:3128". */
  proxy?: string;
  source: 'uri' | 'vv' | 'hostport';
}

function bad(message: string): SpiceError {
  return new SpiceError(ErrorCode.BAD_TARGET, message);
}

/** Hides passwords (query parameter and userinfo) before a URI is quoted in an error message. */
function redactUri(uri: string): string {
  return uri
    .replace(/([?&;]password=)[^&;#]*/gi, '$1***')
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1***@');
}

/** Decimal port 1..65535, or an error naming where it came from. */
function parsePort(value: string, what: string): number {
  const v = value.trim();
  if (v === '') throw bad(`${what} is empty; expected a port number from 1 to 65535`);
  if (!/^[0-9]+$/.test(v)) throw bad(`${what} is not a port number: "${value}" (expected an integer from 1 to 65535)`);
  const n = Number(v);
  if (n < 1 || n > 65535) throw bad(`${what} is out of range: ${v} (expected 1 to 65535)`);
  return n;
}

function percentDecode(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw bad(`${what} "${s}" contains a malformed %-escape`);
  }
}

/** A host name (or IPv4 address) must be non-empty and free of characters that cannot appear in one. */
function checkHostName(host: string, context: string): void {
  if (host === '') throw bad(`no host given in ${context}`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f/?#@[\]\\:]/.test(host)) {
    throw bad(`"${host}" is not a valid host name (in ${context})`);
  }
}

/** Contents of "[...]": an IPv6 address, optionally with a %zone. Returns it without brackets. */
function checkIpv6(inner: string, context: string): string {
  const zone = inner.indexOf('%');
  const addr = zone >= 0 ? inner.slice(0, zone) : inner;
  if (!addr.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(addr) || (zone >= 0 && zone === inner.length - 1)) {
    throw bad(`"[${inner}]" is not a valid IPv6 address (in ${context})`);
  }
  return inner;
}

interface HostPort {
  host: string;
  /** The text after ':' (undefined when there is no ':'). */
  portText?: string;
}

/**
 * Splits "host", "host:port", "[v6]" or "[v6]:port". `decode` percent-decodes a
 * host name (URIs). The port text is returned raw.
 */
function splitHostPort(s: string, context: string, decode: boolean): HostPort {
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw bad(`missing "]" after the IPv6 address in ${context}`);
    let inner = s.slice(1, close);
    if (decode) inner = percentDecode(inner, 'IPv6 address');
    const host = checkIpv6(inner, context);
    const rest = s.slice(close + 1);
    if (rest === '') return { host };
    if (!rest.startsWith(':')) throw bad(`unexpected "${rest}" after "]" in ${context}; expected ":port"`);
    return { host, portText: rest.slice(1) };
  }
  const colons = s.split(':').length - 1;
  if (colons > 1) {
    throw bad(`"${s}" has several ":" — write an IPv6 address in brackets, e.g. [::1]:5900 (in ${context})`);
  }
  const colon = s.indexOf(':');
  const rawHost = colon >= 0 ? s.slice(0, colon) : s;
  const host = decode ? percentDecode(rawHost, 'host') : rawHost;
  checkHostName(host, context);
  return colon >= 0 ? { host, portText: s.slice(colon + 1) } : { host };
}

/** Query parameters (case-insensitive names, percent-decoded values; '&' or ';' separated). */
function parseQuery(query: string, context: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of query.split(/[&;]/)) {
    if (part === '') continue; // "?", trailing "&", "&&"
    const eq = part.indexOf('=');
    const rawKey = eq >= 0 ? part.slice(0, eq) : part;
    const key = percentDecode(rawKey, 'parameter name').toLowerCase();
    if (key === '') throw bad(`a parameter without a name ("${eq >= 0 ? '=…' : part}") in ${context}`);
    const value = eq >= 0 ? percentDecode(part.slice(eq + 1), `value of "${key}"`) : '';
    const prev = params.get(key);
    if (prev !== undefined && prev !== value) {
      throw bad(`parameter "${key}" is given twice with different values in ${context}`);
    }
    params.set(key, value);
  }
  return params;
}

const SCHEMES = ['spice', 'spice+tls', 'spice+unix'] as const;
type Scheme = (typeof SCHEMES)[number];

/**
 * Parses a spice URI:
 *   spice://host:port, spice://host?port=5900&tls-port=5901,
 *   spice://host:5900?tls-port=5901&password=secret, spice://[::1]:5900,
 *   spice+tls://host:5901 (the port is the TLS port), spice+unix:///path/to/socket.
 * Query parameters port, tls-port and password are understood (names are case-insensitive,
 * values percent-decoded); other parameters are ignored, as the URI scheme allows
 * client-specific ones. A user name before "@" is accepted and ignored.
 */
export function parseSpiceUri(uri: string): SpiceTarget {
  const text = uri.trim();
  const shown = `"${redactUri(text)}"`;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(text);
  if (!m) {
    throw bad(`${shown} is not a spice:// URI (expected spice://host:port, spice+tls://host:port or spice+unix:///path)`);
  }
  const scheme = m[1]!.toLowerCase();
  if (!(SCHEMES as readonly string[]).includes(scheme)) {
    throw bad(`${shown} is not a spice:// URI: unknown scheme "${m[1]}:" (expected spice://, spice+tls:// or spice+unix://)`);
  }
  let rest = m[2]!;
  // '#' is not treated as a fragment (spice-gtk does not either): it may occur in an
  // unencoded password, and a host or port containing it is rejected below.
  const q = rest.indexOf('?');
  const query = q >= 0 ? rest.slice(q + 1) : '';
  rest = q >= 0 ? rest.slice(0, q) : rest;
  const params = parseQuery(query, shown);

  if ((scheme as Scheme) === 'spice+unix') {
    return parseUnixUri(rest, params, shown);
  }
  const tlsScheme = (scheme as Scheme) === 'spice+tls';

  // authority [ "/" path ]
  const slash = rest.indexOf('/');
  let authority = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash) : '';
  if (path !== '' && path !== '/') {
    throw bad(`unexpected path "${path}" in ${shown}; a spice URI names only a host and ports`);
  }
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1); // userinfo: no field for it; ignored
  if (authority === '') throw bad(`no host given in ${shown} (expected spice://host:port)`);

  const hp = splitHostPort(authority, shown, true);
  const target: SpiceTarget = { host: hp.host, source: 'uri' };
  const authorityPort = hp.portText !== undefined ? parsePort(hp.portText, `port in ${shown}`) : undefined;

  const qPort = params.get('port');
  const qTls = params.get('tls-port');
  const queryPort = qPort !== undefined ? parsePort(qPort, `port= in ${shown}`) : undefined;
  const queryTls = qTls !== undefined ? parsePort(qTls, `tls-port= in ${shown}`) : undefined;

  if (tlsScheme) {
    if (queryPort !== undefined) {
      throw bad(
        `${shown} uses spice+tls://, which connects only over TLS, but also gives a plain port=${queryPort}; ` +
          `use spice://host?port=…&tls-port=… for both`,
      );
    }
    if (authorityPort !== undefined && queryTls !== undefined && authorityPort !== queryTls) {
      throw bad(`${shown} gives two different TLS ports: ${authorityPort} (after the host) and tls-port=${queryTls}`);
    }
    const tls = authorityPort ?? queryTls;
    if (tls !== undefined) target.tlsPort = tls;
  } else {
    if (authorityPort !== undefined && queryPort !== undefined && authorityPort !== queryPort) {
      throw bad(`${shown} gives two different ports: ${authorityPort} (after the host) and port=${queryPort}`);
    }
    const port = authorityPort ?? queryPort;
    if (port !== undefined) target.port = port;
    if (queryTls !== undefined) target.tlsPort = queryTls;
  }
  if (target.port === undefined && target.tlsPort === undefined) {
    throw bad(
      `no port in ${shown}: give one as spice://${hp.host.includes(':') ? `[${hp.host}]` : hp.host}:5900, ` +
        `?port=5900 or ?tls-port=5901`,
    );
  }
  const password = params.get('password');
  if (password !== undefined) target.password = password;
  return target;
}

function parseUnixUri(rest: string, params: Map<string, string>, shown: string): SpiceTarget {
  const path = percentDecode(rest, 'socket path');
  if (path === '') throw bad(`no socket path in ${shown} (expected spice+unix:///path/to/socket)`);
  if (!path.startsWith('/')) {
    throw bad(`the socket path in ${shown} must be absolute (expected spice+unix:///path/to/socket, with three slashes)`);
  }
  for (const key of ['port', 'tls-port']) {
    if (params.has(key)) throw bad(`${shown} is a UNIX socket URI; it cannot have a ${key}= parameter`);
  }
  const target: SpiceTarget = { unixPath: path, source: 'uri' };
  const password = params.get('password');
  if (password !== undefined) target.password = password;
  return target;
}

/**
 * Parses what a user typed to name a server: a spice URI (see parseSpiceUri),
 * "host:port" or "[v6addr]:port".
 */
export function parseTarget(arg: string): SpiceTarget {
  const text = arg.trim();
  if (text === '') throw bad('no server given (expected spice://host:port, host:port or [v6addr]:port)');
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) return parseSpiceUri(text);
  if (text.includes('://')) {
    throw bad(`"${redactUri(text)}" is not a spice:// URI (expected spice://host:port, host:port or [v6addr]:port)`);
  }
  const shown = `"${text}"`;
  const hp = splitHostPort(text, shown, false);
  if (hp.portText === undefined) {
    throw bad(`no port in ${shown}: write ${hp.host.includes(':') ? `[${hp.host}]` : hp.host}:5900 or use a spice:// URI`);
  }
  return { host: hp.host, port: parsePort(hp.portText, `port in ${shown}`), source: 'hostport' };
}

/* ------------------------------------------------------------------ .vv files */

/** GKeyFile string escapes: \s \n \t \r \\ (anything else is kept as written). */
function unescapeValue(v: string): string {
  return v.replace(/\\(.)/gs, (all, c: string) => {
    switch (c) {
      case 's':
        return ' ';
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case '\\':
        return '\\';
      default:
        return all;
    }
  });
}

/** A GKeyFile string list: ';'-separated ("\;" is a literal ';'), empty items dropped. */
function splitList(raw: string): string[] {
  const items: string[] = [];
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && raw[i + 1] === ';') {
      cur += ';';
      i++;
    } else if (c === ';') {
      items.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  items.push(cur);
  return items.map((s) => unescapeValue(s).trim()).filter((s) => s !== '');
}

/** Parses INI text into section -> (key -> raw value). Later keys win, repeated sections merge. */
function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) return;
    if (t.startsWith('[')) {
      if (!t.endsWith(']')) throw bad(`connection file line ${i + 1}: a section header must end with "]": "${t}"`);
      const name = t.slice(1, -1).trim();
      current = sections.get(name);
      if (!current) {
        current = new Map();
        sections.set(name, current);
      }
      return;
    }
    const eq = t.indexOf('=');
    if (eq <= 0) {
      throw bad(`connection file line ${i + 1} is neither "key=value", a [section] nor a comment: "${t.slice(0, 60)}"`);
    }
    if (!current) throw bad(`connection file line ${i + 1}: "key=value" before any [section]`);
    current.set(t.slice(0, eq).trim().toLowerCase(), t.slice(eq + 1).trim());
  });
  return sections;
}

/** A .vv port: "-1" (or absent/empty) means none. */
function vvPort(raw: string | undefined, key: string): number | undefined {
  if (raw === undefined) return undefined;
  const v = raw.trim();
  if (v === '' || v === '-1') return undefined;
  return parsePort(v, `${key}= in the connection file`);
}

/**
 * Parses the text of a virt-viewer connection file (.vv). Reads the [virt-viewer]
 * section: type (must be spice), host, port, tls-port, unix-path, password, ca,
 * host-subject, secure-channels, title, proxy. Other keys and sections are ignored.
 */
export function parseVvFile(text: string): SpiceTarget {
  const sections = parseIni(text);
  const vv = sections.get('virt-viewer');
  if (!vv) throw bad('not a virt-viewer connection file: it has no [virt-viewer] section');
  const get = (key: string): string | undefined => {
    const raw = vv.get(key);
    if (raw === undefined) return undefined;
    const v = unescapeValue(raw);
    return v === '' ? undefined : v;
  };

  const type = get('type');
  if (type === undefined) throw bad('the connection file has no type= key (expected type=spice)');
  if (type.trim().toLowerCase() !== 'spice') {
    throw bad(`the connection file is for type=${type}; only type=spice connections are supported`);
  }

  const target: SpiceTarget = { source: 'vv' };
  const port = vvPort(vv.get('port'), 'port');
  const tlsPort = vvPort(vv.get('tls-port'), 'tls-port');
  let host = get('host')?.trim();
  if (host !== undefined && /^\[.*\]$/.test(host)) host = host.slice(1, -1);
  const unixPath = get('unix-path');

  if (unixPath !== undefined) {
    if (host !== undefined || port !== undefined || tlsPort !== undefined) {
      throw bad('the connection file gives both unix-path= and host=/port=/tls-port=; use one or the other');
    }
    target.unixPath = unixPath;
  } else {
    if (host === undefined) throw bad('the connection file has no host= (or unix-path=)');
    target.host = host;
    if (port !== undefined) target.port = port;
    if (tlsPort !== undefined) target.tlsPort = tlsPort;
    if (port === undefined && tlsPort === undefined) {
      throw bad('the connection file has no usable port: neither port= nor tls-port= gives a port number');
    }
  }

  const password = get('password');
  if (password !== undefined) target.password = password;
  const ca = get('ca');
  if (ca !== undefined) target.caPem = ca;
  const subject = get('host-subject');
  if (subject !== undefined) target.hostSubject = subject;
  const title = get('title');
  if (title !== undefined) target.title = title;
  const proxy = get('proxy');
  if (proxy !== undefined) target.proxy = proxy;

  const secure = vv.get('secure-channels');
  if (secure !== undefined) {
    const names = splitList(secure);
    if (names.some((n) => n.toLowerCase() === 'all')) target.secureChannels = ['all'];
    else if (names.length) target.secureChannels = [...new Set(names)];
  }
  return target;
}

/* ------------------------------------------------------------------ formatting */

/** The proxy URL without any user:password@ part. */
function safeProxy(proxy: string): string {
  return proxy.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#@]*@/, '$1');
}

/**
 * A short description for logs and window titles, never with the password:
 * "127.0.0.1:5900 (tls 5901)", "[::1]:5900", "host:5901 (tls)", "unix:/run/spice.sock",
 * with " via <proxy>" when a proxy is used.
 */
export function formatTarget(t: SpiceTarget): string {
  let s: string;
  if (t.unixPath !== undefined) {
    s = `unix:${t.unixPath}`;
  } else {
    // Brackets only around what looks like an IPv6 address: a Proxmox host token
    // ("pvespiceproxy:…:…") also contains ':' but is shown as it is.
    const host = t.host === undefined ? '?' : /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%.*)?$/.test(t.host) ? `[${t.host}]` : t.host;
    if (t.port !== undefined) {
      s = `${host}:${t.port}${t.tlsPort !== undefined ? ` (tls ${t.tlsPort})` : ''}`;
    } else if (t.tlsPort !== undefined) {
      s = `${host}:${t.tlsPort} (tls)`;
    } else {
      s = host;
    }
  }
  if (t.proxy !== undefined) s += ` via ${safeProxy(t.proxy)}`;
  return s;
}
