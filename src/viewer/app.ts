/**
 * The web viewer page (index.html + this script, bundled into dist/viewer/app.js): one
 * SpiceViewer filling the window, a status line, a password prompt when the server wants
 * one, key combinations, scaling and full screen, clipboard text shared with the guest, and
 * reconnection by itself when the session is lost (a "Retry now" button while it waits).
 *
 * It connects to the WebSocket at the page's own address (ws://host:port/ of the page:
 * `spice-ts serve` answers both on one port), or to `?url=ws://...`. `?scale=none` starts
 * at 1:1, `?scale=fit` scaled; unless one is chosen, the guest is resized to the window
 * ('resize') once a guest agent is there; `?mouse=server` asks for server mouse mode (relative,
 * Pointer Lock); `?reconnect=off` stays disconnected when the session is lost; `?token=` is
 * passed on to the WebSocket (spice-ts gateway); `?monitor=N` shows only monitor N (0-based:
 * a display channel, or one head of the screen), and a menu offers the others when the
 * session has more than one; `?video=vp8,h264` asks the server for those video codecs first
 * (those the browser decodes; the server's own order otherwise, MJPEG first for spice-server).
 */
import { SpiceViewer } from './viewer.js';
import { isScaleMode } from './render.js';
import { KEY_COMBOS } from './keyboard.js';
import type { ViewerMonitor } from './monitors.js';
import { VideoCodecType } from '../protocol/enums/index.js';
import { videoCodecByName, videoCodecName } from '../client/channels/stream-decoder.js';

function element<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`index.html has no #${id}`);
  return e as T;
}

/**
 * ws(s)://host:port/ of the page, or the `url` query parameter. The page's `token` (a
 * gateway's name for the server, `?token=abc`) goes on to the WebSocket URL unless that
 * already has one.
 */
export function targetUrl(loc: Pick<Location, 'search' | 'href' | 'protocol' | 'host'>): string {
  const params = new URLSearchParams(loc.search);
  const given = params.get('url');
  const u = new URL(given ? new URL(given, loc.href).toString() : `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/`);
  const token = params.get('token');
  if (token !== null && !u.searchParams.has('token')) u.searchParams.set('token', token);
  return u.toString();
}

function start(): void {
  const status = element<HTMLSpanElement>('status');
  const login = element<HTMLFormElement>('login');
  const password = element<HTMLInputElement>('password');
  const combo = element<HTMLSelectElement>('combo');
  const cad = element<HTMLButtonElement>('cad');
  const scale = element<HTMLSelectElement>('scale');
  const fullscreen = element<HTMLButtonElement>('fullscreen');
  const toggle = element<HTMLButtonElement>('toggle');
  const retry = element<HTMLButtonElement>('retry');
  const mute = element<HTMLButtonElement>('mute');
  const monitor = element<HTMLSelectElement>('monitor');
  const params = new URLSearchParams(location.search);
  const url = targetUrl(location);

  const initialScale = params.get('scale') ?? localStorage.getItem('spice-ts.scale');
  // A scale mode the user chose; without one, 'resize' once an agent can do it.
  let chosenScale = isScaleMode(initialScale) ? initialScale : undefined;
  const viewer = new SpiceViewer(element('screen'), {
    scale: chosenScale ?? 'fit',
    mouseMode: params.get('mouse') === 'server' ? 'server' : 'client',
    reconnect: /^(off|false|0|no)$/i.test(params.get('reconnect') ?? '') ? false : {},
    monitor: monitorNumber(params.get('monitor')),
    session: videoCodecList(params.get('video')),
  });
  scale.value = viewer.scale;
  monitorMenu(viewer, monitor);
  viewer.on('agent', (a) => {
    if (chosenScale || !a.ready || !a.monitorsConfig || viewer.scale === 'resize') return;
    viewer.setScale('resize');
    scale.value = 'resize';
  });
  clipboardMenu(viewer, fullscreen);
  muteButton(viewer, mute);
  (window as unknown as { spiceViewer: SpiceViewer }).spiceViewer = viewer;

  let lastPassword: string | undefined;
  const connect = (pw?: string) => {
    lastPassword = pw;
    viewer.connect({ url, password: pw }).then(() => viewer.focus(), () => undefined);
  };

  viewer.on('status', (s) => {
    status.textContent = s.reason;
    status.dataset.state = s.state;
    status.title = s.error ? s.error.describe() : s.reason;
    toggle.textContent = s.state === 'disconnected' ? 'Connect' : 'Disconnect';
    retry.hidden = !(s.state === 'reconnecting' && s.delayMs !== undefined);
    const ask = s.state === 'disconnected' && !!s.needsPassword;
    login.hidden = !ask;
    if (ask) {
      password.value = '';
      password.focus();
    }
    if (s.state === 'connected') document.title = `${viewer.session?.serverName ?? location.host} – spice-ts`;
  });
  viewer.on('error', (e) => console.warn(`spice-ts: ${e.describe()}`));

  login.addEventListener('submit', (e) => {
    e.preventDefault();
    login.hidden = true;
    connect(password.value);
  });

  comboMenu(combo);
  combo.addEventListener('change', () => {
    if (combo.value) viewer.sendCombo(combo.value);
    combo.value = '';
  });
  cad.addEventListener('click', () => viewer.sendCombo('ctrl+alt+Delete'));

  scale.addEventListener('change', () => {
    if (!isScaleMode(scale.value)) return;
    chosenScale = scale.value;
    viewer.setScale(scale.value);
    localStorage.setItem('spice-ts.scale', scale.value);
    viewer.focus();
  });

  fullscreen.addEventListener('click', () => {
    void document.documentElement.requestFullscreen?.().then(() => viewer.focus(), () => undefined);
  });
  document.addEventListener('fullscreenchange', () => {
    document.body.classList.toggle('fullscreen', document.fullscreenElement !== null);
  });

  retry.addEventListener('click', () => { viewer.reconnectNow(); });
  toggle.addEventListener('click', () => {
    if (viewer.status.state === 'disconnected') connect(lastPassword);
    else viewer.disconnect();
  });

  connect(undefined);
}

/**
 * `?video=vp8,h264`: those codecs first, then the others spice-ts knows (so a browser without
 * them still gets video), as session options; unknown names are ignored; nothing when absent.
 */
export function videoCodecList(v: string | null): { videoCodecs?: string[] } {
  const all = (Object.values(VideoCodecType) as unknown[]).filter((c): c is number => typeof c === 'number').map((c) => videoCodecName(c));
  const asked = (v ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => videoCodecByName(s) !== undefined);
  if (!asked.length) return {};
  return { videoCodecs: [...new Set([...asked, ...all])] };
}

/** `?monitor=N`: a monitor number (0, 1, ...), else undefined (the whole screen). */
export function monitorNumber(v: string | null): number | undefined {
  return v !== null && /^\d{1,3}$/.test(v) ? Number(v) : undefined;
}

/** The words for a monitor in the menu: its number (as ?monitor=N takes it) and size. */
export function monitorLabel(m: ViewerMonitor): string {
  return m.rect.width > 0 ? `Monitor ${m.id} (${m.rect.width}×${m.rect.height})` : `Monitor ${m.id} (off)`;
}

/**
 * The monitor menu, shown when the session has more than one monitor: each one, and "All
 * monitors" (the whole screen) when heads share one screen. The choice goes into the page's
 * address (?monitor=N), so reloading keeps it.
 */
function monitorMenu(viewer: SpiceViewer, select: HTMLSelectElement): void {
  const fill = (monitors: readonly ViewerMonitor[], shown: number | undefined) => {
    select.hidden = monitors.length <= 1;
    const heads = monitors.some((m, i) => monitors.findIndex((o) => o.display === m.display) !== i);
    const options = monitors.map((m) => new Option(monitorLabel(m), String(m.id)));
    if (heads) options.unshift(new Option('All monitors', ''));
    select.replaceChildren(...options);
    select.value = shown !== undefined && shown < monitors.length ? String(shown) : heads ? '' : '0';
  };
  viewer.on('monitors', ({ monitors, shown }) => fill(monitors, shown));
  select.addEventListener('change', () => {
    const n = monitorNumber(select.value);
    viewer.setMonitor(n);
    const u = new URL(location.href);
    if (n === undefined) u.searchParams.delete('monitor');
    else u.searchParams.set('monitor', String(n));
    history.replaceState(history.state, '', u);
    viewer.focus();
  });
  fill(viewer.monitors, viewer.monitor);
}

/**
 * The mute button: mutes the guest's sound here (remembered), shows when the guest muted it
 * or the browser waits for a click to play sound. Clicking it also lets sound start.
 */
function muteButton(viewer: SpiceViewer, button: HTMLButtonElement): void {
  let muted = localStorage.getItem('spice-ts.muted') === '1';
  const show = () => {
    const st = viewer.audio?.status;
    button.hidden = !viewer.audio;
    button.setAttribute('aria-pressed', String(muted));
    button.textContent = muted ? 'Sound off' : st?.muted ? 'Sound (muted by guest)' : st?.state === 'blocked' ? 'Sound (click to enable)' : 'Sound on';
  };
  viewer.setMuted(muted);
  button.addEventListener('click', () => {
    muted = !muted;
    localStorage.setItem('spice-ts.muted', muted ? '1' : '0');
    viewer.setMuted(muted);
    void viewer.enableAudio();
    show();
    viewer.focus();
  });
  viewer.on('audio', show);
  show();
}

/** The key combinations of KEY_COMBOS in the menu, in groups (Ctrl+Alt+F1…F12 together). */
function comboMenu(select: HTMLSelectElement): void {
  const groups = new Map<string, HTMLOptGroupElement>();
  for (const c of KEY_COMBOS) {
    const option = new Option(c.label, c.combo);
    if (!c.group) { select.add(option); continue; }
    let g = groups.get(c.group);
    if (!g) {
      g = document.createElement('optgroup');
      g.label = c.group;
      groups.set(c.group, g);
      select.append(g);
    }
    g.append(option);
  }
}

/**
 * The clipboard menu: a text field holding what the guest copied, for browsers that do not
 * let the page write the clipboard, and where text can be put to send to the guest.
 */
function clipboardMenu(viewer: SpiceViewer, before: HTMLElement): void {
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'clipboard';
  button.textContent = 'Clipboard';
  button.title = 'Clipboard text shared with the remote machine';
  const panel = document.createElement('div');
  panel.id = 'clipboard-panel';
  panel.hidden = true;
  Object.assign(panel.style, {
    position: 'fixed', right: '8px', top: '40px', zIndex: '10', padding: '6px', background: '#1d232b',
    border: '1px solid #3b4654', borderRadius: '4px',
  });
  const text = document.createElement('textarea');
  text.id = 'clipboard-text';
  text.rows = 6;
  text.cols = 40;
  text.placeholder = 'Text copied on the remote machine appears here; text put here can be sent to it.';
  Object.assign(text.style, { display: 'block', marginBottom: '4px', font: 'inherit', color: 'inherit', background: '#111418' });
  const send = document.createElement('button');
  send.type = 'button';
  send.id = 'clipboard-send';
  send.textContent = 'Send to remote';
  panel.append(text, send);
  before.before(button);
  document.body.append(panel);

  const mark = (fresh: boolean) => { button.textContent = fresh ? 'Clipboard •' : 'Clipboard'; };
  button.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    mark(false);
    if (!panel.hidden) text.select();
  });
  send.addEventListener('click', () => {
    if (text.value) viewer.setClipboard(text.value);
    panel.hidden = true;
    viewer.focus();
  });
  viewer.on('clipboard', (c) => {
    text.value = c.text;
    // Not on the browser's clipboard: point at the field, from which it can be copied.
    if (!c.copied && panel.hidden) mark(true);
  });
  viewer.on('agent', (a) => { button.disabled = !a.clipboard; });
  button.disabled = true;
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}
