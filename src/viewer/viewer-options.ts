/**
 * SpiceViewer's options, events and connect() target (re-exported by viewer.ts).
 */
import type { SessionEvents, SessionOptions } from '../client/session.js';
import type { SpiceError } from '../protocol/errors.js';
import type { AgentState } from '../client/agent.js';
import type { WebSocketOpener } from './ws-transport.js';
import type { ScaleMode } from './render.js';
import type { ViewerStatus } from './status.js';
import type { ReconnectOptions } from './reconnect.js';
import type { KeyboardOptions } from './keyboard.js';
import type { AudioPlayerOptions, AudioStatus } from './audio.js';
import type { ViewerMonitor } from './monitors.js';

export interface SpiceViewerOptions {
  /**
   * 'fit' (default): scale to the container, aspect kept; 'none': 1:1 (device pixels) with
   * scroll; 'resize': the guest is asked for the container's size (needs a guest agent).
   */
  scale?: ScaleMode;
  /**
   * Share clipboard text with the guest through the browser's Clipboard API (default true):
   * guest text is written with navigator.clipboard.writeText; the page's is read when the
   * viewer gets the focus (if the page may read it without asking) and on paste events.
   */
  clipboard?: boolean;
  /** Which display channel to show while no `monitor` is chosen. Default 0. */
  display?: number;
  /**
   * Which monitor to show (0-based, see SpiceViewer.monitors): a display channel's surface, or
   * one head's part of it. Unset: the whole primary surface of channel `display`.
   */
  monitor?: number;
  /** Mouse mode to ask the server for. Default 'client' (absolute positions). */
  mouseMode?: 'client' | 'server';
  /** Decode JPEG and MJPEG with the browser's decoder (faster; not bit-exact). Default true. */
  browserJpeg?: boolean;
  /**
   * Where the image-decoding worker script is (default: decode-worker.js next to the viewer
   * bundle), or false to decode on the page. When the worker cannot start, the page decodes.
   */
  decodeWorker?: string | URL | false;
  /** Time allowed to connect and set the session up, ms. Default 10000. */
  timeoutMs?: number;
  /** Keyboard behaviour (which locks follow the local keyboard). */
  keyboard?: KeyboardOptions;
  /** How channels are opened; default one WebSocket per channel to the URL (a gateway may differ). */
  opener?: (url: string) => WebSocketOpener;
  /** Anything else for the session (image compression preference, limits...). */
  session?: Partial<Omit<SessionOptions, 'open' | 'hasPlain' | 'hasTls' | 'password'>>;
  /**
   * Connect again by itself when a session ends that disconnect() did not end (server
   * restarted, network lost): status 'reconnecting', delays from 0.5 s doubling to 15 s with
   * jitter, 20 attempts (see ReconnectOptions). Not after a refusal that would repeat (wrong
   * password, TLS-only server, unknown gateway token). false: never. Default on.
   */
  reconnect?: false | ReconnectOptions;
  /**
   * Play the guest's sound (playback channel; Opus through WebCodecs when the browser has
   * it, else raw PCM). Browsers start sound only after a click or key press in the page:
   * until then a hint is shown on the screen. false: no playback channel. Default true.
   */
  audio?: boolean | AudioPlayerOptions;
}

export interface ViewerEvents {
  status: ViewerStatus;
  error: SpiceError;
  /** The shown surface (or the shown monitor's part of it) was created or changed size. */
  resize: { width: number; height: number };
  'mouse-mode': { mode: 'client' | 'server' };
  /** Pointer Lock taken or given back (server mouse mode). */
  'pointer-lock': { locked: boolean };
  /** The guest agent came, went or is ready (clipboard, resize). */
  agent: AgentState;
  /** The guest copied text; `copied`: it is on the browser's clipboard too (else show it). */
  clipboard: { text: string; copied: boolean };
  /** Sound: idle, blocked (waiting for a click or key), playing; muted here or by the guest. */
  audio: AudioStatus;
  /**
   * The session's monitors changed (a display channel or head came, went, moved or changed
   * size); `shown`: the chosen monitor, if any.
   */
  monitors: { monitors: readonly ViewerMonitor[]; shown: number | undefined };
  /**
   * A video stream started (with its codec), ended, or could not be shown (the server then
   * sends that area as images: the picture stays right, only the codec was not usable here).
   */
  stream: SessionEvents['stream'];
}

export interface ConnectOptions {
  /** ws:// or wss:// URL of the SPICE server's (or gateway's) WebSocket. */
  url: string;
  password?: string;
}
