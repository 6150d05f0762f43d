/**
 * Scripted input reaches real X clients through Xspice: text typed with
 * `spice-ts type` and keys from `send-keys` arrive in an xterm; clicks and
 * wheel steps from `spice-ts mouse` land where they were sent (xev reports
 * them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needPeers, startXspice } from '../harness/peers.js';
import { sleep, waitUntil } from '../harness/proc.js';

const BIN = join(process.cwd(), 'bin', 'spice-ts');

function spiceTs(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, _stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stderr });
    });
  });
}

async function ok(...args: string[]): Promise<void> {
  const r = await spiceTs(...args);
  assert.equal(r.code, 0, `spice-ts ${args.join(' ')}: ${r.stderr}`);
}

async function windowUp(x: { exec(c: string, a: string[]): Promise<{ stdout: string }> }, name: string): Promise<void> {
  await waitUntil(`window ${name}`, async () => (await x.exec('xdotool', ['search', '--name', name]).catch(() => ({ stdout: '' }))).stdout.trim() !== '', { timeoutMs: 20_000 });
}

test('type and send-keys reach an xterm on Xspice', async (t) => {
  if (!needPeers(t, 'Xspice', 'xterm', 'xdotool')) return;
  const x = await startXspice({ demo: false });
  t.after(() => x.stop());
  const out = join(x.dir, 'typed.txt');
  // No window manager: keyboard focus follows the pointer (PointerRoot).
  x.run('xterm', ['-title', 'typing-target', '-geometry', '80x10+0+0', '-e', 'sh', '-c', `stty -echo; cat > ${out}`]);
  await windowUp(x, 'typing-target');
  await sleep(500);
  const uri = `spice://127.0.0.1:${x.port}`;
  await ok('mouse', uri, 'move', '200', '60');
  // Focus follows the pointer: type only once X has put it over the xterm.
  await waitUntil('the pointer over the xterm', async () => /x:200 y:60\b/.test((await x.exec('xdotool', ['getmouselocation'])).stdout), { timeoutMs: 10_000 });
  const text = 'Hello, World! 0123456789 ~!@#$%^&*()_+{}|:"<>? `-=[]\\;\',./';
  await ok('type', uri, `${text}\n`);
  await ok('send-keys', uri, 'x', 'y', 'BackSpace', 'shift+z', 'Return', 'ctrl+d');
  await waitUntil('the xterm wrote what it received', () => existsSync(out) && readFileSync(out, 'utf8').split('\n').length >= 3, { timeoutMs: 10_000 })
    .catch((e: Error) => { throw new Error(`${e.message}; it has: ${JSON.stringify(existsSync(out) ? readFileSync(out, 'utf8') : null)}`); });
  assert.equal(readFileSync(out, 'utf8'), `${text}\nxZ\n`);
});

test('mouse clicks and wheel steps land where they are sent (xev on Xspice)', async (t) => {
  if (!needPeers(t, 'Xspice', 'xev', 'xdotool')) return;
  const x = await startXspice({ demo: false });
  t.after(() => x.stop());
  const xev = x.run('xev', ['-name', 'click-target', '-geometry', '400x300+300+200', '-event', 'button']);
  await windowUp(x, 'click-target');
  await sleep(300);
  const uri = `spice://127.0.0.1:${x.port}`;
  await ok('mouse', uri, 'move', '450', '350', 'click', 'move', '612', '401', 'click', 'right', 'scroll', '2');
  const log = () => readFileSync(xev.logFile, 'utf8');
  await waitUntil('xev saw the clicks', () => (log().match(/ButtonRelease/g) ?? []).length >= 4, { timeoutMs: 10_000 });
  const presses = [...log().matchAll(/ButtonPress event[\s\S]*?root:\((\d+),(\d+)\)[\s\S]*?button (\d+)/g)].map((m) => `${m[1]},${m[2]}:${m[3]}`);
  assert.deepEqual(presses, ['450,350:1', '612,401:3', '612,401:5', '612,401:5']);
});

test('cursor channel: Xspice cursor shapes (alpha, with hot spot) follow the X cursor and the pointer position', async (t) => {
  if (!needPeers(t, 'Xspice', 'xsetroot')) return;
  const x = await startXspice({ demo: false });
  t.after(() => x.stop());
  const { connect } = await import('../../src/client/node.js');
  const s = await connect(`spice://127.0.0.1:${x.port}`, { channels: ['display', 'inputs', 'cursor'] });
  t.after(() => s.close());
  const shapes: { w: number; h: number; type: number; hot: [number, number]; opaque: number; x: number; y: number }[] = [];
  s.on('cursor', (e) => {
    if (e.kind === 'shape' && e.shape) {
      const opaque = e.shape.pixels.reduce((n, p) => n + ((p >>> 24) > 0 ? 1 : 0), 0);
      shapes.push({ w: e.shape.width, h: e.shape.height, type: e.shape.type, hot: [e.shape.hotX, e.shape.hotY], opaque, x: e.x, y: e.y });
    }
  });
  await waitUntil('client mouse mode', () => s.mouseMode === 'client', { timeoutMs: 5000 });
  await x.exec('xsetroot', ['-cursor_name', 'pirate']);
  s.inputs!.position(300, 200);
  await waitUntil('a cursor shape', () => shapes.length > 0, { timeoutMs: 5000 });
  await sleep(300);
  const pirate = shapes[shapes.length - 1]!;
  const before = shapes.length;
  await x.exec('xsetroot', ['-cursor_name', 'hand2']);
  s.inputs!.position(310, 210);
  await waitUntil('a new cursor shape', () => shapes.length > before, { timeoutMs: 5000 });
  await sleep(300);
  const hand = shapes[shapes.length - 1]!;
  for (const c of [pirate, hand]) {
    assert.ok(c.w > 0 && c.w <= 64 && c.h > 0 && c.h <= 64, `size ${c.w}x${c.h}`);
    assert.ok(c.hot[0] <= c.w && c.hot[1] <= c.h, 'hot spot inside the shape');
    assert.ok(c.opaque > 10, 'the shape has visible pixels');
  }
  assert.notDeepEqual([pirate.opaque, pirate.hot], [hand.opaque, hand.hot], 'different X cursors give different shapes');
  // Xspice reports the cursor position shifted by a hot spot (which one
  // depends on timing): it lies within one shape's size of the pointer.
  const c = s.cursor!;
  assert.ok(Math.abs(c.x - 310) <= 64 && Math.abs(c.y - 210) <= 64, `cursor at ${c.x},${c.y} follows the pointer at 310,210`);
});
