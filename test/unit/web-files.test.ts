/**
 * viewerHttpHandler (src/server/web-files.ts): the viewer's files with their content types,
 * '/' as index.html, HEAD without a body, 404 for missing and hidden files, no way out of
 * the directory (dot segments, encoded slashes and dots, backslashes, NUL), 405 for other
 * methods. Raw request paths are sent with node:http (fetch would normalise them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { viewerHttpHandler, resolveViewerPath, defaultViewerDir, VIEWER_CSP } from '../../src/server/web-files.js';

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

async function serve(t: import('node:test').TestContext, dir: string) {
  const srv = http.createServer(viewerHttpHandler(dir));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => srv.close(r)));
  const port = (srv.address() as AddressInfo).port;
  return (path: string, method = 'GET') => new Promise<Reply>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function fixture(t: import('node:test').TestContext): { root: string; dir: string } {
  // dir holds the viewer; a secret sits next to it, where traversal would lead.
  const root = mkdtempSync(join(tmpdir(), 'spice-ts-web-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'viewer');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(root, 'secret.js'), 'SECRET');
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>v</title>');
  writeFileSync(join(dir, 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'app.js.map'), '{}');
  writeFileSync(join(dir, 'style.css'), 'body{}');
  writeFileSync(join(dir, 'sub', 'x.js'), 'SUB');
  writeFileSync(join(dir, '.hidden.js'), 'HIDDEN');
  writeFileSync(join(dir, 'notes.bin'), 'BIN');
  return { root, dir };
}

test('serves the viewer files with their content types; / is index.html with a CSP', async (t) => {
  const { dir } = fixture(t);
  const get = await serve(t, dir);
  const index = await get('/');
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(index.headers['content-security-policy'], VIEWER_CSP);
  assert.equal(index.headers['x-content-type-options'], 'nosniff');
  assert.match(index.body, /<title>v<\/title>/);
  assert.equal((await get('/index.html')).body, index.body);
  const app = await get('/app.js?v=3');
  assert.deepEqual([app.status, app.headers['content-type'], app.body, app.headers['content-length']],
    [200, 'text/javascript; charset=utf-8', 'console.log(1)', '14']);
  assert.equal(app.headers['content-security-policy'], undefined);
  assert.equal((await get('/app.js.map')).headers['content-type'], 'application/json; charset=utf-8');
  assert.equal((await get('/style.css')).headers['content-type'], 'text/css; charset=utf-8');
  assert.equal((await get('/sub/x.js')).body, 'SUB');
});

test('HEAD gives the headers without a body; other methods get 405', async (t) => {
  const { dir } = fixture(t);
  const get = await serve(t, dir);
  const head = await get('/app.js', 'HEAD');
  assert.deepEqual([head.status, head.headers['content-length'], head.body], [200, '14', '']);
  const post = await get('/app.js', 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
});

test('404 for missing files, directories, hidden files and unknown types', async (t) => {
  const { dir } = fixture(t);
  const get = await serve(t, dir);
  for (const p of ['/nope.js', '/sub', '/sub/', '/.hidden.js', '/notes.bin', '/index.html/x']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    assert.doesNotMatch(r.body, /SECRET|HIDDEN|BIN/, p);
  }
});

test('no path leaves the directory', async (t) => {
  const { dir } = fixture(t);
  const get = await serve(t, dir);
  for (const p of ['/../secret.js', '/sub/../../secret.js', '/%2e%2e/secret.js', '/%2E%2E%2Fsecret.js', '/..%2fsecret.js',
    '/..%5csecret.js', '/sub%2f..%2f..%2fsecret.js', '/app.js%00.html', '//etc/passwd', '/%ZZ']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    assert.doesNotMatch(r.body, /SECRET|root:/, p);
  }
  assert.equal(resolveViewerPath(dir, '/../secret.js'), undefined);
  assert.equal(resolveViewerPath(dir, 'app.js'), undefined, 'not absolute');
  assert.equal(resolveViewerPath(dir, '/app.js'), join(dir, 'app.js'));
});

test('a directory with no viewer says how to build it', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'spice-ts-web-empty-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const get = await serve(t, root);
  const r = await get('/');
  assert.equal(r.status, 404);
  assert.match(r.body, /not built.*npm run build/);
  assert.match(defaultViewerDir(), /[/\\]viewer[/\\]$/);
});
