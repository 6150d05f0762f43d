/**
 * Exit statuses of the CLI: each kind of failure has its own, so scripts can
 * tell a refused connection from a bad password from a TLS problem.
 */
import { ErrorCode, type SpiceError } from '../protocol/errors.js';

export const Exit = {
  OK: 0,
  /** Anything not listed below. */
  FAILURE: 1,
  /** Bad command line or target. */
  USAGE: 2,
  /** The server could not be reached (refused, unreachable, no such socket). */
  CONNECT: 3,
  /** The password was refused, or no usable auth mechanism. */
  AUTH: 4,
  /** TLS handshake or certificate check failed. */
  TLS: 5,
  /** The peer broke the protocol or refused the link. */
  PROTOCOL: 6,
  /** Nothing (or not enough) arrived in time. */
  TIMEOUT: 7,
} as const;

export function exitCodeFor(e: SpiceError): number {
  switch (e.code) {
    case ErrorCode.BAD_TARGET:
    case ErrorCode.BAD_ARGUMENT:
    case ErrorCode.PASSWORD_TOO_LONG:
      return Exit.USAGE;
    case ErrorCode.CONNECT:
      return Exit.CONNECT;
    case ErrorCode.AUTH_FAILED:
    case ErrorCode.AUTH_UNSUPPORTED:
    case ErrorCode.SASL_UNSUPPORTED:
      return Exit.AUTH;
    case ErrorCode.TLS:
      return Exit.TLS;
    case ErrorCode.TIMEOUT:
      return Exit.TIMEOUT;
    default:
      return Exit.PROTOCOL;
  }
}
