/**
 * `spice-ts screenshot` is pixel-exact with the server's own framebuffer:
 * QEMU (monitor `screendump`) and Xspice running real X clients (`import
 * -window root`), under every image-compression setting the servers offer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needPeers, startQemu, startXspice } from '../harness/peers.js';
import { makeTempDir, removeTempDir, sleep } from '../harness/proc.js';
import { settledRoot, startScene, diffImages, sameImage } from '../harness/scene.js';
import { decodePnm, decodePng, type RgbaImage } from '../../src/cli/image-files.js';
import { connect } from '../../src/client/node.js';
import { defaultDecoders } from '../../src/codecs/index.js';

const BIN = join(process.cwd(), 'bin', 'spice-ts');

function spiceTs(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function screenshot(uri: string, file: string, ...extra: string[]): Promise<RgbaImage> {
  const r = await spiceTs('screenshot', uri, '-o', file, ...extra);
  assert.equal(r.code, 0, `screenshot failed (${r.code}): ${r.stderr}`);
  const bytes = new Uint8Array(readFileSync(file));
  return file.endsWith('.png') ? decodePng(bytes) : decodePnm(bytes);
}

function describeDiff(a: RgbaImage, b: RgbaImage): string {
  const d = diffImages(a, b);
  if (d.count === Infinity) return `sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`;
  return `${d.count} pixels differ (max channel delta ${d.maxDelta}); first at (${d.first?.x},${d.first?.y}): ours ${d.first?.a}, server ${d.first?.b}`;
}

let dumps = 0;
async function dumpOnce(q: Awaited<ReturnType<typeof startQemu>>, dir: string): Promise<RgbaImage> {
  const f = join(dir, `once-${dumps++}.ppm`);
  await q.screendump(f);
  return decodePnm(new Uint8Array(readFileSync(f)));
}

async function qemuScreendump(q: Awaited<ReturnType<typeof startQemu>>, dir: string): Promise<RgbaImage> {
  let last: RgbaImage | undefined;
  for (let i = 0; i < 30; i++) {
    const f = join(dir, `dump-${i}.ppm`);
    await q.screendump(f);
    const img = decodePnm(new Uint8Array(readFileSync(f)));
    if (last && sameImage(last, img)) return img;
    last = img;
    await sleep(300);
  }
  throw new Error('QEMU screen never settled');
}

const QEMU_COMPRESSIONS = ['off', 'auto_glz', 'auto_lz', 'quic', 'glz', 'lz'];

test('screenshot of QEMU equals its screendump, under every image-compression', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64')) return;
  for (const ic of [...QEMU_COMPRESSIONS, 'zlib-glz']) {
    const spiceOptions: Record<string, string> = ic === 'zlib-glz'
      ? { 'image-compression': 'auto_glz', 'zlib-glz-wan-compression': 'always' }
      : { 'image-compression': ic };
    const q = await startQemu({ spiceOptions });
    const dir = makeTempDir('shot-qemu');
    try {
      // The VGA text cursor blinks: ours must equal the screen as it was just
      // before or just after the screenshot (retried when it blinked between).
      let verdict = '';
      await qemuScreendump(q, dir); // booted to the "No bootable device" screen
      for (let attempt = 0; attempt < 4 && verdict !== 'same'; attempt++) {
        const before = await dumpOnce(q, dir);
        const ours = await screenshot(`spice://127.0.0.1:${q.port}`, join(dir, 'ours.png'));
        const after = await dumpOnce(q, dir);
        verdict = sameImage(ours, before) || sameImage(ours, after) ? 'same' : describeDiff(ours, after);
      }
      assert.equal(verdict, 'same', `${ic}: ${verdict}`);
    } finally {
      await q.stop();
      removeTempDir(dir);
    }
  }
});

test('screenshot --settle 0 (the picture at MARK, like spicy-screenshot) to PPM equals QEMU\'s screendump; a negative settle is refused', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64')) return;
  const q = await startQemu({});
  const dir = makeTempDir('shot-settle');
  try {
    await qemuScreendump(q, dir);
    let verdict = '';
    for (let attempt = 0; attempt < 4 && verdict !== 'same'; attempt++) {
      const before = await dumpOnce(q, dir);
      const ours = await screenshot(`spice://127.0.0.1:${q.port}`, join(dir, 'ours.ppm'), '--settle', '0');
      const after = await dumpOnce(q, dir);
      verdict = sameImage(ours, before) || sameImage(ours, after) ? 'same' : describeDiff(ours, after);
    }
    assert.equal(verdict, 'same', verdict);
    const bad = await spiceTs('screenshot', `spice://127.0.0.1:${q.port}`, '-o', join(dir, 'x.ppm'), '--settle', '-1');
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--settle needs a non-negative number of seconds/);
  } finally {
    await q.stop();
    removeTempDir(dir);
  }
});

const XSPICE_SETTINGS: { name: string; options: Record<string, string> }[] = [
  ...QEMU_COMPRESSIONS.map((c) => ({ name: c, options: { SpiceImageCompression: c } })),
  { name: 'zlib-glz always', options: { SpiceImageCompression: 'auto_glz', SpiceZlibGlzWanCompression: 'always' } },
];

for (const setting of XSPICE_SETTINGS) {
  test(`screenshot of Xspice running X clients equals the X framebuffer (image compression ${setting.name})`, async (t) => {
    if (!needPeers(t, 'Xspice', 'import', 'xterm', 'xdotool', 'convert')) return;
    const x = await startXspice({ demo: false, driverOptions: setting.options });
    t.after(() => x.stop());
    await startScene(x);
    let verdict = '';
    // The scene is static, but X clients may still be drawing when we look:
    // a mismatch is retried once on a freshly settled screen.
    for (let attempt = 0; attempt < 2; attempt++) {
      const expected = await settledRoot(x);
      const ours = await screenshot(`spice://127.0.0.1:${x.port}`, join(x.dir, `ours-${attempt}.png`));
      const after = await settledRoot(x);
      if (!sameImage(expected, after)) { verdict = 'the X screen changed during the screenshot'; continue; }
      if (sameImage(ours, expected)) return;
      verdict = describeDiff(ours, expected);
    }
    assert.fail(`${setting.name}: ${verdict}`);
  });
}

test('LZ4 over a UNIX socket (preferred compression lz4): the picture equals QEMU\'s screendump', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64')) return;
  const q = await startQemu({ unix: true });
  const dir = makeTempDir('shot-lz4');
  t.after(async () => { await q.stop(); removeTempDir(dir); });
  const expected = await qemuScreendump(q, dir);
  let lz4 = 0;
  const session = await connect(`spice+unix://${q.unixPath}`, {
    channels: ['display'], mouseMode: 'keep', preferredCompression: 'lz4',
    decoders: (shared) => {
      const d = defaultDecoders({ glzWindowPixels: shared.glzWindowPixels });
      return { ...d, lz4: (data: Uint8Array, w: number, h: number) => { lz4++; return d.lz4!(data, w, h); } };
    },
  });
  t.after(() => session.close());
  const d0 = session.displays.get(0)!;
  if (!d0.marked) await new Promise<void>((resolve) => session.once('mark', () => resolve()));
  await session.idle();
  const ours = session.primary(0)!;
  const img = { width: ours.width, height: ours.height, pixels: ours.pixels.slice() };
  const after = await dumpOnce(q, dir); // the text cursor may have blinked meanwhile
  assert.ok(sameImage(img, expected) || sameImage(img, after), describeDiff(img, after));
  t.diagnostic(`LZ4 images decoded: ${lz4}`);
  assert.ok(lz4 > 0, 'the server sent LZ4 images');
});

test('screenshot errors: nothing listening (3), wrong password (4), bad output name (2)', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64')) return;
  const { freePort } = await import('../harness/net.js');
  const dir = makeTempDir('shot-err');
  t.after(() => removeTempDir(dir));
  const refused = await spiceTs('screenshot', `spice://127.0.0.1:${await freePort()}`, '-o', join(dir, 'x.png'));
  assert.equal(refused.code, 3, refused.stderr);
  assert.match(refused.stderr, /connection refused/);
  const q = await startQemu({ password: 'right' });
  t.after(() => q.stop());
  const wrong = await spiceTs('screenshot', `spice://127.0.0.1:${q.port}`, '--password', 'wrong', '-o', join(dir, 'x.png'));
  assert.equal(wrong.code, 4, wrong.stderr);
  assert.match(wrong.stderr, /refused the password/);
  const good = await screenshot(`spice://127.0.0.1:${q.port}`, join(dir, 'ok.ppm'), '--password', 'right');
  assert.equal(good.width, 720);
  const badName = await spiceTs('screenshot', `spice://127.0.0.1:${q.port}`, '--password', 'right', '-o', join(dir, 'x.gif'));
  assert.equal(badName.code, 2, badName.stderr);
});

function crop(img: RgbaImage, x: number, y: number, w: number, h: number): RgbaImage {
  const pixels = new Uint32Array(w * h);
  for (let r = 0; r < h; r++) pixels.set(img.pixels.subarray((y + r) * img.width + x, (y + r) * img.width + x + w), r * w);
  return { width: w, height: h, pixels };
}

test('screenshot --monitor N of a two-head Xspice equals that monitor\'s part of the X framebuffer', async (t) => {
  if (!needPeers(t, 'Xspice', 'xrandr', 'import', 'xdotool')) return;
  const x = await startXspice({ demo: false, driverOptions: { NumHeads: '2' } });
  t.after(() => x.stop());
  await x.exec('xrandr', ['--addmode', 'qxl-1', '1280x720']);
  await x.exec('xrandr', ['--output', 'qxl-1', '--mode', '1280x720', '--right-of', 'qxl-0']);
  await x.exec('xsetroot', ['-solid', '#204060']);
  x.run('xlogo', ['-geometry', '300x300+1200+100']);
  x.run('xeyes', ['-geometry', '200x200+100+100']);
  const root = await settledRoot(x);
  assert.equal(root.width, 1024 + 1280, 'X has both monitors side by side');
  const uri = `spice://127.0.0.1:${x.port}`;
  const m0 = await screenshot(uri, join(x.dir, 'm0.png'), '--monitor', '0');
  assert.ok(sameImage(m0, crop(root, 0, 0, 1024, 768)), `monitor 0: ${describeDiff(m0, crop(root, 0, 0, 1024, 768))}`);
  const m1 = await screenshot(uri, join(x.dir, 'm1.png'), '--monitor', '1');
  assert.ok(sameImage(m1, crop(root, 1024, 0, 1280, 720)), `monitor 1: ${describeDiff(m1, crop(root, 1024, 0, 1280, 720))}`);
  const whole = await screenshot(uri, join(x.dir, 'all.png'));
  assert.ok(sameImage(whole, root), `whole surface: ${describeDiff(whole, root)}`);
  const none = await spiceTs('screenshot', uri, '--monitor', '2', '-o', join(x.dir, 'm2.png'));
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /no monitor 2/);
});

test('QEMU with two QXL devices: both display channels link; monitor 0 is exact, the blank second head times out clearly', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64')) return;
  const q = await startQemu({ extraArgs: ['-device', 'qxl'] });
  const dir = makeTempDir('shot-2qxl');
  t.after(async () => { await q.stop(); removeTempDir(dir); });
  const session = await connect(`spice://127.0.0.1:${q.port}`, { channels: ['display'], mouseMode: 'keep' });
  assert.deepEqual([...session.displays.keys()].sort(), [0, 1], 'one display channel per QXL device');
  await session.disconnect();
  await qemuScreendump(q, dir);
  let verdict = '';
  for (let attempt = 0; attempt < 4 && verdict !== 'same'; attempt++) {
    const before = await dumpOnce(q, dir);
    const ours = await screenshot(`spice://127.0.0.1:${q.port}`, join(dir, 'm0.png'), '--monitor', '0');
    const after = await dumpOnce(q, dir);
    verdict = sameImage(ours, before) || sameImage(ours, after) ? 'same' : describeDiff(ours, after);
  }
  assert.equal(verdict, 'same');
  // SeaBIOS never sets the second device up: no picture, a timeout (7) that says so.
  const blank = await spiceTs('screenshot', `spice://127.0.0.1:${q.port}`, '--monitor', '1', '--timeout', '2', '-o', join(dir, 'm1.png'));
  assert.equal(blank.code, 7, blank.stderr);
  assert.match(blank.stderr, /no complete picture/);
});
