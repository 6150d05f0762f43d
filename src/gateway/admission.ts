/**
 * Who may open a WebSocket through the gateway, before any token is looked up:
 *
 * - the page's Origin. A browser sends it with every WebSocket; a page on another site
 *   could otherwise drive a console through a gateway the user can reach (with a fixed
 *   --target no token stands in its way). Allowed: the gateway's own pages (Origin host
 *   equals the Host the browser asked for), the origins listed, or any with '*'. A
 *   request without Origin is not from a browser page and is allowed.
 * - guessing tokens: an address that presented too many unknown tokens within a window
 *   is refused for the rest of it, without lookups.
 * - the client address itself: behind a reverse proxy every connection comes from the
 *   proxy, so with `trustForwardedFor` the address is the last one in X-Forwarded-For
 *   (the one the proxy added; earlier entries are whatever the client claimed).
 */
import type { IncomingMessage } from 'node:http';
import { ErrorCode, SpiceError } from '../protocol/errors.js';

export interface AdmissionOptions {
  /** Origins (scheme://host[:port]) whose pages may connect besides the gateway's own; '*' for any. */
  allowedOrigins?: string[];
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustForwardedFor?: boolean;
  /** Unknown tokens an address may present per window before it is refused. Default 20. */
  maxUnknownTokens?: number;
  /** The window for maxUnknownTokens, ms. Default 60 s. */
  unknownTokenWindowMs?: number;
}

/** scheme://host:port, lower case, no path; undefined when `s` is not an origin. */
export function normalizeOrigin(s: string): string | undefined {
  if (s === '*') return '*';
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password) return undefined;
  return `${u.protocol}//${u.host}`.toLowerCase();
}

export class Admission {
  private readonly origins: Set<string>;
  private readonly anyOrigin: boolean;
  private readonly maxUnknown: number;
  private readonly windowMs: number;
  private readonly unknown = new Map<string, { since: number; count: number }>();

  constructor(private readonly opts: AdmissionOptions = {}, private readonly now: () => number = Date.now) {
    const list = opts.allowedOrigins ?? [];
    const origins = new Set<string>();
    for (const o of list) {
      const n = normalizeOrigin(o.trim());
      if (!n) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `'${o}' is not an origin (scheme://host[:port]) or '*'`);
      origins.add(n);
    }
    this.anyOrigin = origins.has('*');
    this.origins = origins;
    this.maxUnknown = opts.maxUnknownTokens ?? 20;
    this.windowMs = opts.unknownTokenWindowMs ?? 60_000;
    if (!(Number.isInteger(this.maxUnknown) && this.maxUnknown >= 1) || !(this.windowMs > 0)) {
      throw new SpiceError(ErrorCode.BAD_ARGUMENT, 'maxUnknownTokens must be a positive integer and unknownTokenWindowMs positive');
    }
  }

  /** The client's address as this gateway trusts it. */
  address(req: IncomingMessage): string {
    const peer = req.socket.remoteAddress ?? '?';
    if (!this.opts.trustForwardedFor) return peer;
    const h = req.headers['x-forwarded-for'];
    const all = (Array.isArray(h) ? h.join(',') : h ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    return all.length ? all[all.length - 1]!.slice(0, 64) : peer;
  }

  /** Why the page's origin may not connect, or undefined when it may. */
  originRefusal(req: IncomingMessage): string | undefined {
    const raw = req.headers.origin;
    if (raw === undefined || this.anyOrigin) return undefined;
    const origin = normalizeOrigin(raw);
    if (origin && this.origins.has(origin)) return undefined;
    const host = req.headers.host?.toLowerCase();
    if (origin && host && origin.slice(origin.indexOf('//') + 2) === host) return undefined;
    return `pages from ${raw.slice(0, 60)} may not connect to this gateway`;
  }

  /** Why `address` is refused before a token lookup (too many unknown tokens), or undefined. */
  throttled(address: string): string | undefined {
    const e = this.unknown.get(address);
    if (!e) return undefined;
    if (this.now() - e.since >= this.windowMs) {
      this.unknown.delete(address);
      return undefined;
    }
    return e.count >= this.maxUnknown ? 'too many unknown tokens from your address: try again later' : undefined;
  }

  /** Counts an unknown token presented by `address`. */
  unknownToken(address: string): void {
    const t = this.now();
    const e = this.unknown.get(address);
    if (!e || t - e.since >= this.windowMs) this.unknown.set(address, { since: t, count: 1 });
    else e.count++;
  }

  /** Forgets windows that are over (called now and then). */
  sweep(): void {
    const t = this.now();
    for (const [a, e] of this.unknown) if (t - e.since >= this.windowMs) this.unknown.delete(a);
  }
}
