/**
 * Serves the bundled web viewer (dist/viewer: index.html, app.js, ...) over HTTP, for
 * listen()'s `http` option: `spice-ts serve` answers a browser on the SPICE port itself,
 * and the page's WebSocket comes back to the same port.
 *
 * GET and HEAD of files inside the directory only ('/' is index.html); no directory
 * listings, no path that leaves the directory (dot segments, encoded slashes, NUL),
 * 404 for anything else.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * What the page may do: its own scripts and styles, WebSockets anywhere (`?url=` may name
 * another server or gateway), cursor images from data: URLs.
 */
export const VIEWER_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
  + "img-src 'self' data: blob:; connect-src 'self' ws: wss:; worker-src 'self' blob:; "
  + "object-src 'none'; base-uri 'none'; form-action 'none'";

/** Where `npm run build` puts the viewer: dist/viewer, two levels above this compiled file. */
export function defaultViewerDir(): string {
  // dist/src/server/web-files.js and the CLI bundle (dist/src/cli-bundle/*.js) sit at the
  // same depth, so one relative path serves both.
  return fileURLToPath(new URL('../../viewer/', import.meta.url));
}

/** The file a request path names inside `dir`, or undefined when it may not be served. */
export function resolveViewerPath(dir: string, urlPath: string): string | undefined {
  const raw = urlPath.split(/[?#]/, 1)[0] ?? '';
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (!path.startsWith('/') || path.includes('\0') || path.includes('\\')) return undefined;
  const segments = path.split('/').slice(1);
  // No dot segments and no hidden files.
  if (segments.some((s) => s.startsWith('.'))) return undefined;
  const rel = path === '/' ? 'index.html' : segments.join('/');
  if (rel === '' || rel.endsWith('/')) return undefined;
  const base = resolve(dir);
  const file = resolve(base, rel);
  if (!file.startsWith(base + sep)) return undefined;
  return file;
}

function plain(res: ServerResponse, status: number, text: string, head: boolean, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...extra });
  res.end(head ? undefined : text);
}

/**
 * An HTTP handler serving the viewer files in `dir` (default: dist/viewer of this package).
 * Files are read on each request (they are small; a rebuilt viewer shows without restart).
 */
export function viewerHttpHandler(dir = defaultViewerDir()): (req: IncomingMessage, res: ServerResponse) => void {
  const base = resolve(dir);
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const head = method === 'HEAD';
    if (method !== 'GET' && !head) {
      plain(res, 405, 'Only GET and HEAD are served here.\n', false, { allow: 'GET, HEAD' });
      return;
    }
    const file = resolveViewerPath(base, req.url ?? '/');
    const type = file ? TYPES[extname(file).toLowerCase()] : undefined;
    let body: Buffer | undefined;
    if (file && type) {
      try {
        if ((await stat(file)).isFile()) body = await readFile(file);
      } catch {
        body = undefined;
      }
    }
    if (!body) {
      const missing = (req.url === '/' || req.url === '/index.html') && !body;
      plain(res, 404, missing
        ? `The web viewer is not built here (${join(base, 'index.html')} is missing): run npm run build.\n`
        : 'Not found.\n', head);
      return;
    }
    const headers: Record<string, string | number> = {
      'content-type': type!,
      'content-length': body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    };
    if (type!.startsWith('text/html')) headers['content-security-policy'] = VIEWER_CSP;
    res.writeHead(200, headers);
    res.end(head ? undefined : body);
  };
  return (req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) plain(res, 500, 'Internal error.\n', false);
      else res.destroy();
    });
  };
}
