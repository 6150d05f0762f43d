/**
 * The gateway's token file: opaque tokens (what a browser puts in the URL) mapped to SPICE
 * targets, with an optional password (the gateway does the ticket, so it never reaches the
 * browser), a CA for a TLS upstream and per-token limits. Two formats:
 *
 *   # lines: TOKEN: TARGET [key=value ...]        ('#' starts a comment line)
 *   vm1: spice://10.0.0.5:5900
 *   vm2: spice://10.0.0.6?tls-port=5901&password=s3cret ca-file=/etc/pki/spice/ca-cert.pem
 *   vm3: spice+unix:///run/vm3.sock password=s3cret max-sessions=1
 *
 *   { "vm1": "spice://10.0.0.5:5900",
 *     "vm2": { "target": "spice://10.0.0.6?tls-port=5901", "password": "s3cret", "caFile": "ca.pem" } }
 *
 * Keys: password, ca-file (caFile), host-subject (hostSubject), max-sessions (maxSessions),
 * max-connections (maxConnections). A relative ca-file is relative to the token file.
 * A file with any bad line is refused as a whole: a typo must not silently change who
 * may reach what, so the last good mapping stays in force (TokenFile logs why).
 */
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { formatTarget, parseSpiceUri, type SpiceTarget } from '../client/target.js';
import { MAX_PASSWORD_LENGTH } from '../protocol/crypto/ticket.js';

/** Where one token leads. */
export interface GatewayTarget {
  /** Host/ports or socket path (password, if the URI had one, moved to `password`). */
  target: SpiceTarget;
  /** The gateway encrypts this as the ticket, replacing what the browser sends. */
  password?: string;
  /** CA file for a TLS upstream (else the gateway's --ca-file, else the system CAs). */
  caFile?: string;
  /** Expected certificate subject instead of the host name check. */
  hostSubject?: string;
  /** Concurrent sessions through this token (overrides the gateway's default). */
  maxSessions?: number;
  /** Concurrent WebSocket connections through this token (overrides the default). */
  maxConnections?: number;
}

/** Tokens: letters, digits and -._~ (what survives a URL unescaped), 1..256 characters. */
export const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{1,256}$/;

const KEYS: Record<string, keyof GatewayTarget> = {
  password: 'password', 'ca-file': 'caFile', cafile: 'caFile', 'host-subject': 'hostSubject', hostsubject: 'hostSubject',
  'max-sessions': 'maxSessions', maxsessions: 'maxSessions', 'max-connections': 'maxConnections', maxconnections: 'maxConnections',
};

function bad(where: string, message: string): SpiceError {
  return new SpiceError(ErrorCode.BAD_TARGET, `${where}: ${message}`);
}

/** Checks and builds one entry from a target URI and key/value options. */
export function gatewayTarget(uri: string, options: Record<string, string | number>, where: string, baseDir = '.'): GatewayTarget {
  let target: SpiceTarget;
  try {
    target = parseSpiceUri(uri);
  } catch (e) {
    throw bad(where, e instanceof Error ? e.message : String(e));
  }
  const entry: GatewayTarget = { target };
  if (target.password !== undefined) {
    entry.password = target.password;
    delete target.password;
  }
  for (const [rawKey, value] of Object.entries(options)) {
    const key = KEYS[rawKey.toLowerCase()];
    if (!key) throw bad(where, `unknown option '${rawKey}' (known: password, ca-file, host-subject, max-sessions, max-connections)`);
    if (key === 'maxSessions' || key === 'maxConnections') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 100000) throw bad(where, `${rawKey} must be a whole number from 1 to 100000`);
      entry[key] = n;
    } else if (typeof value !== 'string' || value === '') {
      throw bad(where, `${rawKey} must be a non-empty string`);
    } else if (key === 'caFile') {
      entry.caFile = resolve(baseDir, value);
    } else if (key === 'password' || key === 'hostSubject') {
      entry[key] = value;
    } else {
      throw bad(where, `'${rawKey}' cannot be set here`);
    }
  }
  if (entry.password !== undefined && new TextEncoder().encode(entry.password).length > MAX_PASSWORD_LENGTH) {
    throw bad(where, `the password is longer than SPICE allows (${MAX_PASSWORD_LENGTH} bytes)`);
  }
  if ((entry.caFile || entry.hostSubject) && target.tlsPort === undefined) {
    throw bad(where, 'ca-file and host-subject need a TLS target (tls-port= or spice+tls://)');
  }
  return entry;
}

function checkToken(token: string, where: string, seen: Map<string, GatewayTarget>): void {
  if (!TOKEN_PATTERN.test(token)) throw bad(where, `'${token.slice(0, 40)}' is not a valid token (letters, digits and -._~ only, at most 256)`);
  if (seen.has(token)) throw bad(where, `token '${token}' appears twice`);
}

/** Parses a token file's text (either format). Throws BAD_TARGET naming the first bad line. */
export function parseTokenFile(text: string, name = 'token file', baseDir = '.'): Map<string, GatewayTarget> {
  const out = new Map<string, GatewayTarget>();
  if (text.trimStart().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw bad(name, `not valid JSON: ${(e as Error).message}`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad(name, 'the JSON must be an object of token: target');
    for (const [token, v] of Object.entries(json as Record<string, unknown>)) {
      const where = `${name}, token '${token.slice(0, 40)}'`;
      checkToken(token, where, out);
      if (typeof v === 'string') { out.set(token, gatewayTarget(v, {}, where, baseDir)); continue; }
      if (typeof v !== 'object' || v === null || typeof (v as { target?: unknown }).target !== 'string') {
        throw bad(where, 'expected a target URI or an object with a "target" URI');
      }
      const { target, ...rest } = v as Record<string, unknown>;
      for (const [k, x] of Object.entries(rest)) {
        if (typeof x !== 'string' && typeof x !== 'number') throw bad(where, `"${k}" must be a string or number`);
      }
      out.set(token, gatewayTarget(target as string, rest as Record<string, string | number>, where, baseDir));
    }
    return out;
  }
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `${name} line ${i + 1}`;
    const m = /^([^\s:]+)\s*:\s*(\S+)(.*)$/.exec(line);
    if (!m) throw bad(where, "expected 'TOKEN: spice://host:port [key=value ...]'");
    const token = m[1]!;
    checkToken(token, where, out);
    const options: Record<string, string> = {};
    for (const word of m[3]!.trim().split(/\s+/).filter(Boolean)) {
      const eq = word.indexOf('=');
      if (eq <= 0) throw bad(where, `'${word.slice(0, 40)}' is not key=value`);
      options[word.slice(0, eq)] = word.slice(eq + 1);
    }
    out.set(token, gatewayTarget(m[2]!, options, where, baseDir));
  }
  return out;
}

/** A short description of where an entry leads, for logs (never the password). */
export function describeGatewayTarget(e: GatewayTarget): string {
  const t = e.target;
  if (t.unixPath === undefined && t.tlsPort !== undefined) {
    const host = t.host?.includes(':') ? `[${t.host}]` : t.host;
    return `tls://${host}:${t.tlsPort}`;
  }
  return formatTarget(t);
}

export interface TokenFileOptions {
  log?: (line: string) => void;
  /** Also watch the file's folder and reload soon after a change (default true). */
  watch?: boolean;
  /** Milliseconds of quiet after a change event before reloading (default 200). */
  debounceMs?: number;
}

/**
 * A token file in use: read at start (a bad file then is an error), looked up per
 * connection, reloaded when it changes (a stat on each lookup catches every change; the
 * folder watch only makes the reload, and its log line, come sooner).
 */
export class TokenFile {
  private map: Map<string, GatewayTarget>;
  private stamp: string;
  private watcher?: FSWatcher;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly log: (line: string) => void;
  /** Successful loads, the first included. */
  loads = 1;
  /** The reason the newest version of the file was refused, while it is. */
  lastError?: string;

  constructor(readonly path: string, opts: TokenFileOptions = {}) {
    this.path = resolve(path);
    this.log = opts.log ?? (() => {});
    this.stamp = this.statStamp();
    this.map = this.read();
    if (opts.watch ?? true) {
      try {
        // The folder, not the file: editors and `mv` replace the file, ending a file watch.
        this.watcher = watch(dirname(this.path), (_ev, file) => {
          if (file !== null && file !== basename(this.path)) return;
          clearTimeout(this.timer);
          this.timer = setTimeout(() => this.check(), opts.debounceMs ?? 200);
          this.timer.unref?.();
        });
        this.watcher.unref?.();
        this.watcher.on('error', () => { this.watcher?.close(); this.watcher = undefined; });
      } catch {
        this.watcher = undefined; // stat on lookup still works
      }
    }
  }

  get size(): number {
    return this.map.size;
  }

  private statStamp(): string {
    try {
      const s = statSync(this.path, { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch {
      return 'missing';
    }
  }

  private read(): Map<string, GatewayTarget> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      throw new SpiceError(ErrorCode.BAD_ARGUMENT, `cannot read the token file ${this.path}: ${(e as Error).message}`, { cause: e });
    }
    return parseTokenFile(text, this.path, dirname(this.path));
  }

  /** Reloads if the file changed since the last look; returns whether the mapping changed. */
  check(): boolean {
    const stamp = this.statStamp();
    if (stamp === this.stamp) return false;
    this.stamp = stamp;
    try {
      this.map = this.read();
      this.loads++;
      this.lastError = undefined;
      this.log(`token file ${this.path} reloaded: ${this.map.size} token${this.map.size === 1 ? '' : 's'}`);
      return true;
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
      this.log(`token file not reloaded, keeping the previous ${this.map.size} token${this.map.size === 1 ? '' : 's'}: ${this.lastError}`);
      return false;
    }
  }

  lookup(token: string): GatewayTarget | undefined {
    this.check();
    return this.map.get(token);
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
