/**
 * The web viewer page (index.html + this script, bundled into dist/viewer/app.js): one
 * SpiceViewer filling the window, a status line, a password prompt when the server wants
 * one, key combinations, scaling and full screen.
 *
 * It connects to the WebSocket at the page's own address (ws://host:port/ of the page:
 * `spice-ts serve` answers both on one port), or to `?url=ws://...`. `?scale=none` starts
 * at 1:1; `?mouse=server` asks for server mouse mode (relative, Pointer Lock).
 */
import { SpiceViewer } from './viewer.js';
import { KEY_COMBOS } from './keyboard.js';
import { isScaleMode } from './render.js';

function element<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`index.html has no #${id}`);
  return e as T;
}

/** ws(s)://host:port/ of the page, or the `url` query parameter. */
export function targetUrl(loc: Location): string {
  const given = new URLSearchParams(loc.search).get('url');
  if (given) return new URL(given, loc.href).toString();
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/`;
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
  const params = new URLSearchParams(location.search);
  const url = targetUrl(location);

  const initialScale = params.get('scale') ?? localStorage.getItem('spice-ts.scale');
  const viewer = new SpiceViewer(element('screen'), {
    scale: isScaleMode(initialScale) ? initialScale : 'fit',
    mouseMode: params.get('mouse') === 'server' ? 'server' : 'client',
  });
  scale.value = viewer.scale;
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

  for (const c of KEY_COMBOS) combo.add(new Option(c.label, c.combo));
  combo.addEventListener('change', () => {
    if (combo.value) viewer.sendCombo(combo.value);
    combo.value = '';
  });
  cad.addEventListener('click', () => viewer.sendCombo('ctrl+alt+Delete'));

  scale.addEventListener('change', () => {
    if (!isScaleMode(scale.value)) return;
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

  toggle.addEventListener('click', () => {
    if (viewer.status.state === 'disconnected') connect(lastPassword);
    else viewer.disconnect();
  });

  connect(undefined);
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}
