/**
 * The viewer's sound: an AudioPlayer for the playback channel, the "Click to enable sound"
 * hint over the screen while the browser waits for a user gesture, and that gesture (any
 * click or key in the viewer) starting the sound.
 */
import { ErrorCode, toSpiceError, type SpiceError } from '../protocol/errors.js';
import { AudioPlayer, type AudioPlayerOptions, type AudioStatus } from './audio.js';

export interface ViewerAudio {
  player: AudioPlayer;
  hint: HTMLDivElement;
  /** Removes the hint's listeners and closes the player. */
  detach(): void;
}

export function attachAudio(
  screen: HTMLElement, options: AudioPlayerOptions,
  report: { status(st: AudioStatus): void; error(e: SpiceError): void },
): ViewerAudio {
  const doc = screen.ownerDocument;
  const player = new AudioPlayer(options);
  const hint = doc.createElement('div');
  hint.className = 'spice-audio-hint';
  hint.textContent = 'Click to enable sound';
  hint.hidden = true;
  Object.assign(hint.style, {
    position: 'absolute', right: '8px', top: '8px', padding: '2px 8px', borderRadius: '4px', zIndex: '2',
    background: 'rgba(0,0,0,0.6)', color: '#fff', font: '12px sans-serif', pointerEvents: 'none',
  });
  screen.appendChild(hint);
  player.onStatus = (st) => { hint.hidden = st.state !== 'blocked' || st.muted; report.status(st); };
  player.onError = (e) => report.error(toSpiceError(e, ErrorCode.UNSUPPORTED).withContext({ channel: 'playback' }));
  // Sound may start only from a user gesture: any click or key in the viewer resumes it.
  const gesture = () => { if (player.status.state === 'blocked' || player.status.state === 'idle') void player.resume(); };
  screen.addEventListener('pointerdown', gesture, true);
  screen.addEventListener('keydown', gesture, true);
  return {
    player,
    hint,
    detach: () => {
      screen.removeEventListener('pointerdown', gesture, true);
      screen.removeEventListener('keydown', gesture, true);
      player.close();
    },
  };
}
