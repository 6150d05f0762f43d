/**
 * The x11 display source against a real X server (Xvfb): the frame equals
 * `import -window root`, damage covers what X clients draw, keys and clicks
 * sent through the source reach xterm and xev, XFIXES reports cursor shapes,
 * the CLIPBOARD goes both ways (xclip / xsel), RandR resizes the screen, an
 * Xauthority cookie is used, and a dying X server is a SpiceError, not a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandExists, needPeers, startXvfb, type XDisplay } from '../harness/peers.js';
import { sleep, waitUntil, spawnPeer, makeTempDir, removeTempDir, isAlive } from '../harness/proc.js';
import { freeDisplays, cleanStaleDisplay } from '../harness/x11.js';
import { rootImage, settledRoot, diffImages } from '../harness/scene.js';
import type { RgbaImage } from '../../src/cli/image-files.js';
import { createX11Source, type X11SourceOptions } from '../../src/server/sources/x11/source.js';
import { encodeXauthority, Family } from '../../src/server/sources/x11/auth.js';
import type { DisplaySource, SourceCursor, SourceRect, SourceSink } from '../../src/server/source.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import { scancodeBytes, textToKeyEvents } from '../../src/client/input/index.js';

interface Recorded {
  damage: SourceRect[][];
  resized: [number, number][];
  cursors: (SourceCursor | null)[];
  pointers: [number, number][];
  clipboard: (string | null)[];
  errors: Error[];
  logs: string[];
}

async function startSource(t: { after(fn: () => unknown): void }, x: XDisplay, opts: X11SourceOptions = {}): Promise<{ src: DisplaySource; rec: Recorded }> {
  const rec: Recorded = { damage: [], resized: [], cursors: [], pointers: [], clipboard: [], errors: [], logs: [] };
  const sink: SourceSink = {
    damage: (r) => rec.damage.push(r),
    resized: (w, h) => rec.resized.push([w, h]),
    cursor: (c) => rec.cursors.push(c),
    pointer: (px, py) => rec.pointers.push([px, py]),
    clipboard: (s) => rec.clipboard.push(s),
    error: (e) => rec.errors.push(e),
  };
  const src = createX11Source(x.display, { log: (m) => rec.logs.push(m), ...opts });
  await src.start(sink);
  t.after(() => src.stop());
  return { src, rec };
}

async function windowUp(x: XDisplay, name: string): Promise<void> {
  await waitUntil(`window ${name}`, async () => (await x.exec('xdotool', ['search', '--name', name]).catch(() => ({ stdout: '' }))).stdout.trim() !== '', { timeoutMs: 20_000 });
}

const sc = (key: string) => {
  const b = scancodeBytes(key, true);
  return key === 'Pause' ? 0xe11d : b.length === 2 ? (b[0]! << 8) | b[1]! : b[0]!;
};

function typeKeys(src: DisplaySource, keys: { key: string; down: boolean }[]): void {
  for (const k of keys) src.key!({ scancode: sc(k.key), down: k.down, code: k.key });
}

/** The frame as an RgbaImage-like object for diffImages. */
const frameImage = (src: DisplaySource): RgbaImage => {
  const f = src.frame();
  const pixels = new Uint32Array(f.width * f.height);
  for (let y = 0; y < f.height; y++) pixels.set(f.pixels.subarray(y * f.stride, y * f.stride + f.width), y * f.width);
  return { width: f.width, height: f.height, pixels };
};

function assertFrameIsRoot(src: DisplaySource, root: RgbaImage, what: string): void {
  const d = diffImages(frameImage(src), root);
  assert.equal(d.count, 0, `${what}: ${d.count} pixels differ (first ${JSON.stringify(d.first)})`);
}

test('x11 source: frame() after capture equals import -window root, pixel for pixel', async (t) => {
  if (!needPeers(t, 'Xvfb', 'xterm', 'xlogo', 'xdotool', 'xsetroot', 'import')) return;
  const x = await startXvfb({ size: '1280x800' });
  t.after(() => x.stop());
  await x.exec('xsetroot', ['-solid', '#3a5f7f']);
  x.run('xterm', ['-title', 'frame-xterm', '-geometry', '80x24+10+10', '-bg', 'black', '-fg', 'grey90', '-e', 'sh', '-c', 'seq 1 30; printf "\\033[31mred \\033[42mgreen bg\\033[0m\\n"; exec sleep 100000']);
  x.run('xlogo', ['-geometry', '200x200+700+100', '-render', '-fg', 'darkred', '-bg', 'ivory']);
  await windowUp(x, 'frame-xterm');
  await windowUp(x, 'xlogo');
  const root = await settledRoot(x);
  const { src, rec } = await startSource(t, x);
  assert.equal(src.name, `x11:${x.display}`);
  assert.deepEqual([src.frame().width, src.frame().height], [1280, 800]);
  await src.capture!([{ x: 0, y: 0, width: 1280, height: 800 }]);
  assertFrameIsRoot(src, root, 'whole screen');
  // Odd rectangles (clipped at the edges, read in bands of a few rows) land in the right place.
  const f = src.frame();
  f.pixels.fill(0);
  await src.capture!([{ x: -10, y: -10, width: 700, height: 300 }, { x: 690, y: 290, width: 1000, height: 1000 }, { x: 0, y: 290, width: 690, height: 600 }, { x: 690, y: 0, width: 600, height: 290 }]);
  assertFrameIsRoot(src, root, 'four clipped rectangles');
  const small = await startSource(t, x, { maxImageBytes: 5000 });
  assertFrameIsRoot(small.src, root, 'bands of 5000 bytes');
  assert.deepEqual(rec.errors, []);
});

test('x11 source: damage rectangles cover what an xterm draws', async (t) => {
  if (!needPeers(t, 'Xvfb', 'xterm', 'xdotool', 'import')) return;
  const x = await startXvfb({ size: '1280x800' });
  t.after(() => x.stop());
  const file = join(x.dir, 'feed.txt');
  writeFileSync(file, 'start\n');
  x.run('xterm', ['-title', 'damage-xterm', '-geometry', '60x15+100+80', '-e', 'tail', '-n', '+1', '-f', file]);
  await windowUp(x, 'damage-xterm');
  for (const mode of ['region', 'raw'] as const) {
    const before = await settledRoot(x);
    const { src, rec } = await startSource(t, x, { damage: mode, pointerPollMs: 0 });
    assertFrameIsRoot(src, before, `${mode}: frame at start`);
    appendFileSync(file, Array.from({ length: 20 }, (_, i) => `${mode} line ${i} ${'#'.repeat(i * 2)}`).join('\n') + '\n');
    const after = await settledRoot(x);
    await waitUntil(`${mode}: damage reported`, () => rec.damage.length > 0, { timeoutMs: 5000 });
    await sleep(200);
    const rects = rec.damage.flat();
    const inside = (px: number, py: number) => rects.some((r) => px >= r.x && py >= r.y && px < r.x + r.width && py < r.y + r.height);
    let changed = 0, uncovered = 0;
    for (let i = 0; i < after.pixels.length; i++) {
      if (((after.pixels[i]! ^ before.pixels[i]!) & 0xffffff) === 0) continue;
      changed++;
      if (!inside(i % after.width, Math.floor(i / after.width))) uncovered++;
    }
    assert.ok(changed > 500, `${mode}: the xterm drew (${changed} pixels changed)`);
    assert.equal(uncovered, 0, `${mode}: ${uncovered} of ${changed} changed pixels are outside the ${rects.length} damage rectangles`);
    // The damaged rectangles alone bring the frame up to date.
    await src.capture!(rects);
    assertFrameIsRoot(src, after, `${mode}: frame after capturing the damage`);
    const area = rects.reduce((n, r) => n + r.width * r.height, 0);
    assert.ok(area < 1280 * 800 / 4, `${mode}: damage is local (${area} pixels in ${rects.length} rectangles)`);
    await src.stop();
    assert.deepEqual(rec.errors, []);
  }
});

test('x11 source: keys reach an xterm and xev with the keysyms of the X keymap', async (t) => {
  if (!needPeers(t, 'Xvfb', 'xterm', 'xev', 'xdotool')) return;
  const x = await startXvfb({ size: '1280x800' });
  t.after(() => x.stop());
  const out = join(x.dir, 'typed.txt');
  x.run('xterm', ['-title', 'typing-target', '-geometry', '80x10+0+0', '-e', 'sh', '-c', `stty -echo; cat > ${out}`]);
  const xev = x.run('xev', ['-name', 'key-target', '-geometry', '300x200+700+300', '-event', 'keyboard']);
  await windowUp(x, 'typing-target');
  await windowUp(x, 'key-target');
  await sleep(300);
  const { src, rec } = await startSource(t, x);
  // No window manager: the keyboard focus follows the pointer (PointerRoot).
  src.pointer!({ x: 200, y: 60, buttons: 0 });
  const text = 'Hello, World! 0123456789 ~!@#$%^&*()_+{}|:"<>? `-=[]\\;\',./';
  typeKeys(src, textToKeyEvents(`${text}\n`));
  typeKeys(src, [{ key: 'ControlLeft', down: true }, { key: 'KeyD', down: true }, { key: 'KeyD', down: false }, { key: 'ControlLeft', down: false }]);
  await waitUntil('the xterm wrote what it received', () => existsSync(out) && readFileSync(out, 'utf8').includes('\n'), { timeoutMs: 10_000 });
  await sleep(200);
  assert.equal(readFileSync(out, 'utf8'), `${text}\n`);

  // Extended and special keys, checked against the keysyms the X server's own keymap gives.
  const expected: [string, string][] = [
    ['ArrowUp', 'Up'], ['ArrowDown', 'Down'], ['ArrowLeft', 'Left'], ['ArrowRight', 'Right'], ['Home', 'Home'], ['End', 'End'],
    ['PageUp', 'Prior'], ['PageDown', 'Next'], ['Insert', 'Insert'], ['Delete', 'Delete'], ['ControlRight', 'Control_R'],
    ['AltRight', 'Alt_R'], ['NumpadEnter', 'KP_Enter'], ['NumpadDivide', 'KP_Divide'], ['MetaLeft', 'Super_L'], ['MetaRight', 'Super_R'],
    ['ContextMenu', 'Menu'], ['PrintScreen', 'Print'], ['Pause', 'Pause'], ['Escape', 'Escape'], ['F1', 'F1'], ['F12', 'F12'],
    ['KeyQ', 'q'], ['Backquote', 'grave'], ['IntlBackslash', 'less'], ['ShiftRight', 'Shift_R'], ['NumpadMultiply', 'KP_Multiply'],
  ];
  src.pointer!({ x: 850, y: 400, buttons: 0 });
  await sleep(100);
  for (const [key] of expected) typeKeys(src, [{ key, down: true }, { key, down: false }]);
  const log = () => readFileSync(xev.logFile, 'utf8');
  await waitUntil('xev saw the keys', () => (log().match(/KeyRelease event/g) ?? []).length >= expected.length, { timeoutMs: 10_000 });
  const got = [...log().matchAll(/KeyPress event[\s\S]*?keycode (\d+) \(keysym 0x[0-9a-f]+, (\w+)\)/g)].map((m) => m[2]);
  assert.deepEqual(got, expected.map((e) => e[1]));
  assert.deepEqual(rec.errors, []);
});

test('x11 source: clicks and wheel land where they are sent (xev), and the pointer position is reported', async (t) => {
  if (!needPeers(t, 'Xvfb', 'xev', 'xdotool')) return;
  const x = await startXvfb({ size: '1280x800' });
  t.after(() => x.stop());
  const xev = x.run('xev', ['-name', 'click-target', '-geometry', '400x300+300+200', '-event', 'button']);
  await windowUp(x, 'click-target');
  await sleep(300);
  const { src, rec } = await startSource(t, x, { pointerPollMs: 20 });
  src.pointer!({ x: 450, y: 350, buttons: 0 });
  src.pointer!({ x: 450, y: 350, buttons: 1 });
  src.pointer!({ x: 450, y: 350, buttons: 0 });
  src.pointer!({ x: 612, y: 401, buttons: 4 });
  src.pointer!({ x: 612, y: 401, buttons: 0 });
  src.pointer!({ x: 612, y: 401, buttons: 0, wheel: 2 });
  src.pointer!({ x: 612, y: 401, buttons: 0, wheel: -1 });
  const log = () => readFileSync(xev.logFile, 'utf8');
  await waitUntil('xev saw the clicks', () => (log().match(/ButtonRelease/g) ?? []).length >= 5, { timeoutMs: 10_000 });
  const presses = [...log().matchAll(/ButtonPress event[\s\S]*?root:\((\d+),(\d+)\)[\s\S]*?button (\d+)/g)].map((m) => `${m[1]},${m[2]}:${m[3]}`);
  assert.deepEqual(presses, ['450,350:1', '612,401:3', '612,401:5', '612,401:5', '612,401:4']);
  // A move made by another X client is reported through the sink.
  await x.exec('xdotool', ['mousemove', '77', '88']);
  await waitUntil('pointer position reported', () => rec.pointers.some(([px, py]) => px === 77 && py === 88), { timeoutMs: 5000 });
  assert.deepEqual(rec.errors, []);
});

test('x11 source: the cursor shape follows the window under the pointer (XFIXES)', async (t) => {
  if (!needPeers(t, 'Xvfb', 'xterm', 'xdotool')) return;
  const x = await startXvfb({ size: '1280x800' });
  t.after(() => x.stop());
  x.run('xterm', ['-title', 'cursor-xterm', '-geometry', '40x10+400+300']);
  await windowUp(x, 'cursor-xterm');
  const { src, rec } = await startSource(t, x);
  src.pointer!({ x: 50, y: 50, buttons: 0 });
  await sleep(300);
  const onRoot = src.cursor();
  assert.ok(onRoot, `a cursor shape on the root window (logs: ${rec.logs.join('; ')})`);
  const n = rec.cursors.length;
  src.pointer!({ x: 500, y: 350, buttons: 0 });
  await waitUntil('a new cursor over the xterm', () => rec.cursors.length > n, { timeoutMs: 5000 });
  const overXterm = rec.cursors.at(-1)!;
  assert.ok(overXterm && overXterm.width > 0 && overXterm.height > 0);
  assert.equal(overXterm.pixels.length, overXterm.width * overXterm.height);
  assert.ok(overXterm.hotX < overXterm.width && overXterm.hotY < overXterm.height);
  assert.ok(overXterm.pixels.some((p) => p >>> 24 === 255), 'the shape has opaque pixels');
  const same = onRoot.width === overXterm.width && onRoot.height === overXterm.height && onRoot.pixels.every((p, i) => p === overXterm.pixels[i]);
  assert.ok(!same, 'the xterm cursor differs from the root cursor');
  assert.equal(src.cursor(), overXterm);
  const m = rec.cursors.length;
  src.pointer!({ x: 50, y: 50, buttons: 0 });
  await waitUntil('the root cursor again', () => rec.cursors.length > m, { timeoutMs: 5000 });
  const back = rec.cursors.at(-1)!;
  assert.ok(back && back.width === onRoot.width && back.pixels.every((p, i) => p === onRoot.pixels[i]), 'the root cursor is back');
  assert.deepEqual(rec.errors, []);
});

test('x11 source: CLIPBOARD both ways (xclip; xsel for INCR transfers)', async (t) => {
  if (!needPeers(t, 'Xvfb')) return;
  // xclip/xsel are not among the harness's peers yet: their absence skips, even under SPICE_INTEROP=required.
  if (!commandExists('xclip')) { t.skip('clipboard: xclip is not installed (apt-get install xclip xsel)'); return; }
  const x = await startXvfb({ size: '640x480' });
  t.after(() => x.stop());
  const { src, rec } = await startSource(t, x);
  const text = 'héllo ✓ from a viewer\nline 2';
  src.setClipboard!(text);
  await sleep(100);
  assert.equal((await x.exec('xclip', ['-o', '-selection', 'clipboard'])).stdout, text);
  const targets = (await x.exec('xclip', ['-o', '-selection', 'clipboard', '-t', 'TARGETS'])).stdout.split('\n');
  for (const tg of ['TARGETS', 'UTF8_STRING', 'STRING']) assert.ok(targets.includes(tg), `TARGETS lists ${tg}: ${targets.join(',')}`);
  assert.equal(Buffer.from((await x.exec('xclip', ['-o', '-selection', 'clipboard', '-t', 'STRING'])).stdout, 'latin1').toString('latin1').startsWith('h'), true);
  // Large text (written as Replace + Appends) still arrives whole.
  const big = Array.from({ length: 40_000 }, (_, i) => `line ${i} é✓`).join('\n');
  src.setClipboard!(big);
  await sleep(100);
  assert.ok((await x.exec('xclip', ['-o', '-selection', 'clipboard'])).stdout === big, 'big text read back by xclip');
  // Another client takes the clipboard: its text reaches the sink.
  const file = join(x.dir, 'clip.txt');
  writeFileSync(file, 'from xclip ✓');
  x.run('xclip', ['-quiet', '-i', '-selection', 'clipboard', file]);
  await waitUntil('xclip text reported', () => rec.clipboard.includes('from xclip ✓'), { timeoutMs: 5000 });
  if (!commandExists('xsel')) t.diagnostic('clipboard: xsel is not installed: the INCR transfer is not checked');
  else {
    // xsel hands over large text with the INCR protocol.
    const big2 = big.replaceAll('line', 'LINE');
    writeFileSync(file, big2);
    const xsel = x.run('sh', ['-c', `xsel -i -b -n < ${file}`]);
    await waitUntil('xsel text reported', () => rec.clipboard.includes(big2), { timeoutMs: 10_000 });
    await xsel.stop();
  }
  assert.deepEqual(rec.errors, []);
});

test('x11 source: resizeRequest resizes the Xvfb screen with RandR (up to its start size)', async (t) => {
  if (!needPeers(t, 'Xvfb', 'xdpyinfo', 'xsetroot', 'import')) return;
  const x = await startXvfb({ size: '1280x800' });
  t.after(() => x.stop());
  await x.exec('xsetroot', ['-solid', '#204060']);
  const { src, rec } = await startSource(t, x);
  const dims = async () => /dimensions:\s+(\d+x\d+)/.exec((await x.exec('xdpyinfo')).stdout)?.[1];
  src.resizeRequest!(1024, 768);
  await waitUntil('resized to 1024x768', () => rec.resized.some(([w, h]) => w === 1024 && h === 768), { timeoutMs: 5000 });
  assert.equal(await dims(), '1024x768');
  assert.deepEqual([src.frame().width, src.frame().height], [1024, 768]);
  assert.deepEqual(rec.damage.at(-1), [{ x: 0, y: 0, width: 1024, height: 768 }]);
  await src.capture!(rec.damage.at(-1)!);
  assertFrameIsRoot(src, await rootImage(x), 'after resize');
  // Larger than Xvfb started with: clamped to its maximum.
  src.resizeRequest!(1920, 1200);
  await waitUntil('resized to the maximum', () => rec.resized.some(([w, h]) => w === 1280 && h === 800), { timeoutMs: 5000 });
  assert.equal(await dims(), '1280x800');
  assert.ok(rec.logs.some((l) => /clamped to 1280x800/.test(l)), rec.logs.join('\n'));
  assert.deepEqual(rec.errors, []);
});

test('x11 source: MIT-MAGIC-COOKIE-1 from the Xauthority file; a wrong cookie is AUTH_FAILED', async (t) => {
  if (!needPeers(t, 'Xvfb')) return;
  const dir = makeTempDir('x11-auth');
  t.after(() => removeTempDir(dir));
  const n = freeDisplays().next().value as number;
  const cookie = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 255);
  const serverAuth = join(dir, 'server.auth');
  const entry = (data: Uint8Array) => ({ family: Family.Wild, address: new Uint8Array(0), number: String(n), name: 'MIT-MAGIC-COOKIE-1', data });
  writeFileSync(serverAuth, encodeXauthority([entry(cookie)]));
  const xvfb = spawnPeer('Xvfb', [`:${n}`, '-screen', '0', '320x200x24', '-nolisten', 'tcp', '-noreset', '-auth', serverAuth], { role: 'xvfb-auth', logFile: join(dir, 'xvfb.log') });
  t.after(async () => { await xvfb.stop(); cleanStaleDisplay(n); });
  await waitUntil('Xvfb with -auth', () => existsSync(`/tmp/.X11-unix/X${n}`), { timeoutMs: 10_000, died: () => (xvfb.alive() ? undefined : 'Xvfb exited') });
  await sleep(200);
  const sink: SourceSink = { damage() {}, resized() {}, cursor() {}, pointer() {}, error() {} };
  const good = createX11Source(`:${n}`, { xauthority: serverAuth });
  await good.start(sink);
  assert.deepEqual([good.frame().width, good.frame().height], [320, 200]);
  await good.stop();
  const wrongAuth = join(dir, 'wrong.auth');
  writeFileSync(wrongAuth, encodeXauthority([entry(cookie.map((b) => b ^ 1))]));
  await assert.rejects(createX11Source(`:${n}`, { xauthority: wrongAuth }).start(sink), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.AUTH_FAILED);
  await assert.rejects(createX11Source(`:${n}`, { xauthority: join(dir, 'none') }).start(sink), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.AUTH_FAILED);
  assert.ok(isAlive(xvfb.pid));
});

test('x11 source: the X server dying is sink.error(SpiceError CLOSED); stop() ends everything', async (t) => {
  if (!needPeers(t, 'Xvfb', 'xsetroot')) return;
  const x = await startXvfb({ size: '640x480' });
  t.after(() => x.stop());
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  t.after(() => process.off('unhandledRejection', onUnhandled));
  // stop(): no more reports afterwards, calls after stop are harmless.
  const a = await startSource(t, x);
  await a.src.stop();
  await x.exec('xsetroot', ['-solid', '#ff0000']);
  await sleep(200);
  assert.equal(a.rec.damage.length, 0);
  a.src.key!({ scancode: 0x1e, down: true });
  a.src.pointer!({ x: 1, y: 1, buttons: 1 });
  a.src.setClipboard!('x');
  a.src.resizeRequest!(100, 100);
  await a.src.capture!([{ x: 0, y: 0, width: 10, height: 10 }]);
  await a.src.stop();
  // The server dies under a running source.
  const b = await startSource(t, x, { pointerPollMs: 10 });
  const capturing = b.src.capture!([{ x: 0, y: 0, width: 640, height: 480 }]).catch((e: unknown) => e);
  await x.process.stop();
  await waitUntil('sink.error', () => b.rec.errors.length > 0, { timeoutMs: 5000 });
  const err = b.rec.errors[0]!;
  assert.ok(err instanceof SpiceError && err.code === ErrorCode.CLOSED, `got ${String(err)}`);
  const c = await capturing;
  assert.ok(c === undefined || (c instanceof SpiceError && c.code === ErrorCode.CLOSED));
  await sleep(100);
  assert.equal(b.rec.errors.length, 1, 'one error report');
  await b.src.stop();
  assert.deepEqual(unhandled, []);
});
