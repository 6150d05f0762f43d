/**
 * The web viewer's keyboard against a real guest: headless Chromium (playwright-core) shows
 * Xspice, connected straight to Xspice's plain port (spice-server 0.14+ takes WebSocket
 * there), and keys pressed in the page reach an xterm running `cat > FILE`:
 * - text with letters, digits, punctuation and shifted characters arrives exactly (US layout);
 * - after `setxkbmap de` on the X display the page sends physical keys, not characters: KeyY
 *   gives 'z', Semicolon 'ö', Shift+Digit3 '§', AltGr (AltRight) + KeyQ '@', and a key whose
 *   local `key` is 'Dead' still sends its code (the guest composes the accent itself);
 * - the page's key-combination menu: Ctrl+Alt+F2 reaches `spice-ts serve`'s demo source as
 *   the set-1 scancodes 1D 38 3C, then BC B8 9D.
 *
 * Playwright types as a US keyboard: each KeyboardEvent carries the US physical key's `code`.
 * Shifted characters are pressed here as Shift + key explicitly (playwright's type() sends
 * '!' as Digit1 without a Shift keydown).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumReady, newPage, serveViewerFiles, viewerBundle } from '../harness/browser.js';
import { startXspice, waitUntil, sleep, type XspicePeer } from '../harness/peers.js';
import { viewerHttpHandler } from '../../src/server/web-files.js';
import { serveDemo } from '../harness/serve.js';
import { usStrokeFor } from '../../src/client/input/layout-us.js';

async function windowUp(x: XspicePeer, name: string): Promise<void> {
  await waitUntil(`window ${name}`, async () =>
    (await x.exec('xdotool', ['search', '--name', name]).catch(() => ({ stdout: '' }))).stdout.trim() !== '', { timeoutMs: 20_000 });
}

/** Presses the US keys for `text`, holding ShiftLeft around the characters that need it. */
async function typeUs(page: Page, text: string): Promise<void> {
  for (const ch of text) {
    const s = usStrokeFor(ch);
    assert.ok(s, `no US key types ${JSON.stringify(ch)}`);
    if (s.shift) await page.keyboard.down('ShiftLeft');
    await page.keyboard.press(s.key);
    if (s.shift) await page.keyboard.up('ShiftLeft');
  }
}

/** Presses physical keys by code: 'KeyQ', or 'AltRight+KeyQ' (held in order, released in reverse). */
async function pressCodes(page: Page, combos: string[]): Promise<void> {
  for (const combo of combos) {
    const keys = combo.split('+');
    for (const k of keys) await page.keyboard.down(k);
    for (const k of [...keys].reverse()) await page.keyboard.up(k);
  }
}

test('keys pressed in the page reach an xterm on Xspice exactly, with a US and then a German guest layout', async (t) => {
  const b = await chromiumReady(t, 'Xspice', 'xterm', 'xdotool', 'setxkbmap');
  if (!b) return;
  const x = await startXspice({ demo: false });
  t.after(() => x.stop());
  const out = join(x.dir, 'typed.txt');
  // UTF-8 so that xterm writes 'ö' as UTF-8; no echo, so only what cat wrote counts.
  x.run('xterm', ['-title', 'typing-target', '-geometry', '80x10+0+0', '-e', 'sh', '-c', `stty -echo; cat > ${out}`],
    { LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' });
  await windowUp(x, 'typing-target');
  await setLayout(x, 'us');

  // The viewer's files from a loopback HTTP port; the page connects to Xspice itself.
  const url = await serveViewerFiles(t);
  const { page, log } = await newPage(t, b, { viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(`${url}?url=${encodeURIComponent(`ws://127.0.0.1:${x.port}/`)}&scale=none`);
  const status = () => page.evaluate(() => document.getElementById('status')?.textContent ?? '');
  await waitUntil('the viewer to connect to Xspice', async () => /^Connected/.test(await status()), { timeoutMs: 15_000 })
    .catch(async () => assert.fail(`not connected: "${await status()}"; console: ${log.slice(-5).join(' | ')}`));
  await waitUntil('the first picture', () => page.evaluate(() => (document.querySelector('canvas')?.width ?? 0) > 0), { timeoutMs: 10_000 });

  // The pointer over the xterm gives it the keyboard focus (no window manager: focus follows
  // the pointer); the click also focuses the canvas.
  const box = await page.evaluate(() => {
    const r = document.querySelector('canvas')!.getBoundingClientRect();
    return { left: r.left, top: r.top };
  });
  await page.mouse.click(box.left + 200, box.top + 60);
  await waitUntil('the pointer over the xterm', async () => {
    const loc = (await x.exec('xdotool', ['getmouselocation']).catch(() => ({ stdout: '' }))).stdout;
    return /x:200 y:60 /.test(loc);
  }, { timeoutMs: 5000 });
  await sleep(200);

  const content = () => (existsSync(out) ? readFileSync(out, 'utf8') : '');
  const lines = async (what: string, n: number) => {
    await waitUntil(what, () => content().split('\n').length > n, { timeoutMs: 10_000 }).catch(() => undefined);
  };

  // US layout: every printable ASCII character.
  const us = 'Hello, World! 0123456789 ~!@#$%^&*()_+{}|:"<>? `-=[]\\;\',./';
  await typeUs(page, `${us}\n`);
  await lines('the US line', 1);
  assert.equal(content(), `${us}\n`, `console: ${log.slice(-5).join(' | ')}`);

  // German guest layout: the same physical keys now mean other characters.
  await setLayout(x, 'de');
  await pressCodes(page, [
    'KeyY', 'KeyZ', 'Semicolon', 'Quote', 'BracketLeft', 'Minus',
    'ShiftLeft+Digit2', 'ShiftLeft+Digit3', 'ShiftLeft+Digit7',
    'AltRight+KeyQ', 'AltRight+KeyE', 'AltRight+Digit8',
  ]);
  // Keys playwright's US keyboard lacks are dispatched as the browser would send them: the
  // ISO key left of Z (German '<', '>' with Shift), and a dead key on the local keyboard
  // (key 'Dead', as a French or German keyboard's accent keys), which must still send its
  // physical key: on the German guest Equal is the acute accent, composed with the next letter.
  await dispatchKey(page, 'IntlBackslash', '<');
  await page.keyboard.down('ShiftLeft');
  await dispatchKey(page, 'IntlBackslash', '>');
  await page.keyboard.up('ShiftLeft');
  await dispatchKey(page, 'Equal', 'Dead');
  await pressCodes(page, ['KeyE', 'Enter']);
  await lines('the German line', 2);
  assert.equal(content(), `${us}\nzyöäüß"§/@€[<>é\n`, `console: ${log.slice(-5).join(' | ')}`);
  assert.deepEqual(log.filter((l) => /page error|spice-ts:/.test(l)), [], 'no page or viewer errors');
});

/** A keydown and keyup with this code and key, dispatched on the viewer's canvas. */
async function dispatchKey(page: Page, code: string, key: string): Promise<void> {
  await page.evaluate(([code, key]) => {
    const c = document.querySelector('canvas')!;
    for (const type of ['keydown', 'keyup']) c.dispatchEvent(new KeyboardEvent(type, { code, key, bubbles: true, cancelable: true }));
  }, [code, key] as const);
}

async function setLayout(x: XspicePeer, layout: string): Promise<void> {
  await x.exec('setxkbmap', ['-layout', layout]);
  const q = (await x.exec('setxkbmap', ['-query'])).stdout;
  assert.match(q, new RegExp(`^layout:\\s+${layout}$`, 'm'), `setxkbmap took ${layout}: ${q}`);
}

test('the key-combination menu: Ctrl+Alt+F2 arrives at the demo source as its scancodes, in order', async (t) => {
  const b = await chromiumReady(t);
  if (!b) return;
  const s = await serveDemo(t, {}, { http: viewerHttpHandler(viewerBundle()) });
  const { page } = await newPage(t, b, { viewport: { width: 1280, height: 1000 } });
  await page.goto(`http://127.0.0.1:${s.port}/?scale=fit`);
  await waitUntil('the viewer to connect', () => page.evaluate(() => document.getElementById('status')?.dataset.state === 'connected'), { timeoutMs: 15_000 });
  // The menu lists the console switches in their own group.
  const group = await page.evaluate(() => Array.from(document.querySelectorAll('#combo optgroup option')).map((o) => (o as HTMLOptionElement).label));
  assert.deepEqual(group, Array.from({ length: 12 }, (_, i) => `Ctrl+Alt+F${i + 1}`));
  const mark = s.keys.length;
  await page.selectOption('#combo', { label: 'Ctrl+Alt+F2' });
  await waitUntil('six key events', () => s.keys.length >= mark + 6, { timeoutMs: 5000 }).catch(() => undefined);
  assert.deepEqual(s.keys.slice(mark).map((k) => `${k.scancode.toString(16)}${k.down ? '+' : '-'}`),
    ['1d+', '38+', '3c+', '3c-', '38-', '1d-']);
  assert.equal(await page.inputValue('#combo'), '', 'the menu goes back to its title');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'CANVAS', 'the keyboard focus is back on the screen');
});
