/**
 * Why a connection failed or ended, in words a user of the viewer understands, and
 * whether asking for a password would help. No DOM here.
 */
import { LinkErr } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { WebSocketClosed } from './ws-transport.js';

/**
 * 'reconnecting': the session ended by itself and the viewer tries again (waiting for the
 * next attempt, or making it); 'disconnected' only after disconnect(), a failed connect(),
 * a refusal that would repeat, or when the attempts ran out.
 */
export type ViewerState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface ViewerStatus {
  state: ViewerState;
  /** One sentence for a status line. */
  reason: string;
  /** What went wrong, when something did. */
  error?: SpiceError;
  /** The server refused the (missing or wrong) password: ask the user for one. */
  needsPassword?: boolean;
  /** While reconnecting: the attempt (1-based) waited for or under way. */
  attempt?: number;
  /** While reconnecting: how long until the attempt starts, ms (absent once it runs). */
  delayMs?: number;
}

export interface ErrorWords {
  text: string;
  needsPassword: boolean;
}

/** Words for a failed connection or a session that ended with an error. */
export function describeError(e: unknown, ctx: { url: string; passwordGiven: boolean }): ErrorWords {
  if (!(e instanceof SpiceError)) return { text: `Error: ${e instanceof Error ? e.message : String(e)}`, needsPassword: false };
  switch (e.code) {
    case ErrorCode.AUTH_FAILED:
      return ctx.passwordGiven
        ? { text: 'The server refused the password.', needsPassword: true }
        : { text: 'The server needs a password.', needsPassword: true };
    case ErrorCode.PASSWORD_TOO_LONG:
      return { text: 'The password is too long: SPICE allows at most 60 bytes.', needsPassword: true };
    case ErrorCode.CONNECT:
      return { text: `Cannot reach a SPICE server at ${ctx.url}.`, needsPassword: false };
    case ErrorCode.TIMEOUT:
      return { text: `The server at ${ctx.url} did not answer in time.`, needsPassword: false };
    case ErrorCode.BAD_TARGET:
      return { text: `Bad address: ${e.message}`, needsPassword: false };
    case ErrorCode.LINK_REFUSED:
      if (e.linkError === LinkErr.NEED_SECURED) {
        return { text: 'The server accepts only encrypted (TLS) connections; connect through a wss:// gateway.', needsPassword: false };
      }
      return { text: `The server refused the connection: ${e.message}`, needsPassword: false };
    case ErrorCode.VERSION_MISMATCH:
      return { text: 'The server speaks another SPICE protocol version.', needsPassword: false };
    case ErrorCode.BAD_MAGIC:
      return { text: `${ctx.url} is not a SPICE server.`, needsPassword: false };
    case ErrorCode.CLOSED:
      // 1006: the socket went without a word (server stopped, network gone).
      if (e.cause instanceof WebSocketClosed && e.cause.closeCode === 1006) {
        return { text: `The connection to ${ctx.url} was lost.`, needsPassword: false };
      }
      return { text: `The connection was closed: ${e.message}`, needsPassword: false };
    default:
      return { text: `Disconnected: ${e.message}`, needsPassword: false };
  }
}
