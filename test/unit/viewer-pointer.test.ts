/**
 * The web viewer's pointer logic (src/viewer/pointer.ts) and canvas sizing
 * (src/viewer/render.ts): page coordinates through the canvas's scaling to surface
 * pixels, held-button changes, wheel clicks, and the DOM wiring with fake events for
 * client mode (absolute) and server mode (Pointer Lock, relative).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientToSurface, buttonChanges, WheelAccumulator, PointerInput, type PointerSink } from '../../src/viewer/pointer.js';
import { canvasCssSize } from '../../src/viewer/render.js';
import { MouseButton } from '../../src/protocol/enums/index.js';

test('clientToSurface: 1:1, scaled down to fit, scaled up, offset, clamped', () => {
  const surf = { width: 1024, height: 768 };
  assert.deepEqual(clientToSurface(110.5, 20.5, { left: 10, top: 20, width: 1024, height: 768 }, surf), { x: 100, y: 0 });
  // Fit in 800x600: scale 0.78125 (800/1024), canvas 800x600 at (0, 37).
  const fit = { left: 0, top: 37, width: 800, height: 600 };
  for (const [sx, sy] of [[0, 0], [700, 300], [1023, 767], [511, 384]] as const) {
    const cx = fit.left + (sx + 0.5) * fit.width / surf.width;
    const cy = fit.top + (sy + 0.5) * fit.height / surf.height;
    assert.deepEqual(clientToSurface(cx, cy, fit, surf), { x: sx, y: sy }, `surface ${sx},${sy}`);
  }
  // Scaled up 2x: each surface pixel covers 2x2 CSS pixels.
  const big = { left: 0, top: 0, width: 2048, height: 1536 };
  assert.deepEqual(clientToSurface(201.9, 3.1, big, surf), { x: 100, y: 1 });
  // Outside the canvas (pointer captured during a drag): clamped to the edge.
  assert.deepEqual(clientToSurface(-50, 5000, fit, surf), { x: 0, y: 767 });
  assert.deepEqual(clientToSurface(9999, -1, fit, surf), { x: 1023, y: 0 });
});

test('canvasCssSize: fit keeps the aspect both ways; none is one device pixel per surface pixel', () => {
  const surf = { width: 1024, height: 768 };
  assert.deepEqual(canvasCssSize('fit', surf, { width: 800, height: 700 }), { width: 800, height: 600, scale: 800 / 1024 });
  const tall = canvasCssSize('fit', surf, { width: 2000, height: 1152 });
  assert.deepEqual([tall.width, tall.height, tall.scale], [1536, 1152, 1.5]);
  assert.deepEqual(canvasCssSize('none', surf, { width: 800, height: 600 }, 1), { width: 1024, height: 768, scale: 1 });
  assert.deepEqual(canvasCssSize('none', surf, { width: 800, height: 600 }, 2), { width: 512, height: 384, scale: 0.5 });
  // A container with no size yet (not laid out): shown 1:1 rather than at size 0.
  assert.deepEqual(canvasCssSize('fit', surf, { width: 0, height: 0 }, 1), { width: 1024, height: 768, scale: 1 });
  assert.deepEqual(canvasCssSize('fit', { width: 0, height: 0 }, { width: 10, height: 10 }), { width: 0, height: 0, scale: 1 });
});

test('buttonChanges maps DOM button bits to SPICE buttons', () => {
  assert.deepEqual(buttonChanges(0, 1), { press: [MouseButton.LEFT], release: [] });
  assert.deepEqual(buttonChanges(1, 1 | 2), { press: [MouseButton.RIGHT], release: [] });
  assert.deepEqual(buttonChanges(3, 4), { press: [MouseButton.MIDDLE], release: [MouseButton.LEFT, MouseButton.RIGHT] });
  assert.deepEqual(buttonChanges(0, 8 | 16), { press: [MouseButton.SIDE, MouseButton.EXTRA], release: [] });
  assert.deepEqual(buttonChanges(24, 0), { press: [], release: [MouseButton.SIDE, MouseButton.EXTRA] });
});

test('WheelAccumulator: notches, touchpad deltas add up, lines and pages, direction change', () => {
  const w = new WheelAccumulator();
  assert.equal(w.add(100), 1);
  assert.equal(w.add(-240), -2);
  assert.equal(w.add(30), 0, 'a small touchpad delta waits');
  assert.equal(w.add(30), 0);
  assert.equal(w.add(45), 1, '30+30+45 = 105 px: one click');
  assert.equal(w.add(-60), 0, 'the 5 px left over are dropped on a direction change');
  assert.equal(w.add(-40), -1);
  assert.equal(w.add(3, 1), 1, 'three lines (Firefox) = one click');
  assert.equal(w.add(1, 2), 1, 'a page = one click');
  assert.equal(w.add(0), 0);
  assert.equal(w.add(NaN), 0);
});

// ---------------------------------------------------------------- DOM wiring, faked

function rig(mode: 'client' | 'server') {
  const sent: string[] = [];
  const doc = Object.assign(new EventTarget(), { pointerLockElement: null as unknown });
  let lockRequests = 0;
  const el = Object.assign(new EventTarget(), {
    ownerDocument: doc as unknown as Document,
    getBoundingClientRect: () => ({ left: 100, top: 50, width: 512, height: 384 }),
    setPointerCapture: () => {},
    requestPointerLock: () => { lockRequests++; },
    focus: () => {},
  });
  const sink: PointerSink = {
    mode: () => mode,
    surfaceSize: () => ({ width: 1024, height: 768 }),
    position: (x, y) => sent.push(`pos ${x},${y}`),
    motion: (dx, dy) => sent.push(`motion ${dx},${dy}`),
    press: (b) => sent.push(`press ${b}`),
    release: (b) => sent.push(`release ${b}`),
  };
  const p = new PointerInput(el, sink);
  const detach = p.attach();
  const fire = (type: string, props: Record<string, number>) => {
    const ev = Object.assign(new Event(type, { cancelable: true }), { pointerId: 1, movementX: 0, movementY: 0, deltaMode: 0, ...props });
    el.dispatchEvent(ev);
    return ev;
  };
  return { sent, fire, detach, doc, el, locks: () => lockRequests, p };
}

test('client mode: positions through the scaling, buttons, chorded buttons, wheel', () => {
  const { sent, fire, detach } = rig('client');
  const down = fire('pointerdown', { clientX: 100 + 350.25, clientY: 50 + 150.25, buttons: 1, button: 0 });
  assert.equal(down.defaultPrevented, true);
  fire('pointermove', { clientX: 100 + 351, clientY: 50 + 151, buttons: 1 | 2, button: 2 });
  fire('pointerup', { clientX: 100 + 351, clientY: 50 + 151, buttons: 0, button: 0 });
  fire('wheel', { clientX: 100 + 351, clientY: 50 + 151, deltaY: -200, buttons: 0 });
  assert.equal(fire('contextmenu', {}).defaultPrevented, true, 'no context menu over the guest');
  assert.deepEqual(sent, [
    'pos 700,300', `press ${MouseButton.LEFT}`,
    'pos 702,302', `press ${MouseButton.RIGHT}`,
    'pos 702,302', `release ${MouseButton.LEFT}`, `release ${MouseButton.RIGHT}`,
    'pos 702,302', `press ${MouseButton.UP}`, `release ${MouseButton.UP}`, `press ${MouseButton.UP}`, `release ${MouseButton.UP}`,
  ]);
  detach();
  fire('pointermove', { clientX: 0, clientY: 0, buttons: 0 });
  assert.equal(sent.length, 12, 'no listener after detach');
});

test('server mode: the first click takes Pointer Lock and is not sent; then relative motion and buttons', () => {
  const { sent, fire, doc, el, locks, p } = rig('server');
  fire('pointerdown', { clientX: 10, clientY: 10, buttons: 1, button: 0 });
  fire('pointerup', { clientX: 10, clientY: 10, buttons: 0, button: 0 });
  fire('pointermove', { clientX: 20, clientY: 20, buttons: 0, movementX: 5, movementY: 5 });
  assert.equal(locks(), 1);
  assert.deepEqual(sent, [], 'nothing reaches the guest before the lock');
  doc.pointerLockElement = el;
  doc.dispatchEvent(new Event('pointerlockchange'));
  assert.equal(p.locked, true);
  fire('pointermove', { clientX: 20, clientY: 20, buttons: 0, movementX: 3, movementY: -2 });
  fire('pointerdown', { clientX: 20, clientY: 20, buttons: 4, button: 1 });
  doc.pointerLockElement = null;
  doc.dispatchEvent(new Event('pointerlockchange'));
  assert.deepEqual(sent, ['motion 3,-2', `press ${MouseButton.MIDDLE}`, `release ${MouseButton.MIDDLE}`],
    'losing the lock releases the held button');
});

test('not connected: nothing is sent and the page keeps its events', () => {
  const sent: string[] = [];
  const doc = Object.assign(new EventTarget(), { pointerLockElement: null });
  const el = Object.assign(new EventTarget(), {
    ownerDocument: doc as unknown as Document,
    getBoundingClientRect: () => ({ left: 0, top: 0, width: 10, height: 10 }),
  });
  const p = new PointerInput(el, {
    mode: () => undefined, surfaceSize: () => undefined,
    position: () => sent.push('pos'), motion: () => sent.push('motion'), press: () => sent.push('press'), release: () => sent.push('release'),
  });
  p.attach();
  const ev = Object.assign(new Event('pointerdown', { cancelable: true }), { clientX: 1, clientY: 1, buttons: 1, pointerId: 1 });
  el.dispatchEvent(ev);
  const ctx = new Event('contextmenu', { cancelable: true });
  el.dispatchEvent(ctx);
  assert.equal(ev.defaultPrevented, false);
  assert.equal(ctx.defaultPrevented, false);
  assert.deepEqual(sent, []);
});
