/**
 * Every failure spice-ts reports is a SpiceError with a stable `code`, and,
 * where it is known, the channel and the message type it concerns.
 */

export const ErrorCode = {
  /** A message, link message or structure ends before its fields do. */
  TRUNCATED: 'ERR_TRUNCATED',
  /** A message is larger than the configured limit. */
  OVERSIZED: 'ERR_OVERSIZED',
  /** A count, size or dimension is over a configured limit. */
  LIMIT: 'ERR_LIMIT',
  /** A pointer (offset from the message body) is outside the body, or NULL where it may not be. */
  BAD_POINTER: 'ERR_BAD_POINTER',
  /** Fields disagree with each other (a length that does not match its data, ...). */
  INCONSISTENT: 'ERR_INCONSISTENT',
  /** A message type that the channel does not define. */
  UNKNOWN_MESSAGE: 'ERR_UNKNOWN_MESSAGE',
  /** The link header does not start with "REDQ". */
  BAD_MAGIC: 'ERR_BAD_MAGIC',
  /** The peer speaks another major protocol version. */
  VERSION_MISMATCH: 'ERR_VERSION_MISMATCH',
  /** The server refused the link with a SpiceLinkErr code (see `linkError`). */
  LINK_REFUSED: 'ERR_LINK_REFUSED',
  /** The password was refused (SPICE_LINK_ERR_PERMISSION_DENIED). */
  AUTH_FAILED: 'ERR_AUTH_FAILED',
  /** The server offers no authentication mechanism we can use. */
  AUTH_UNSUPPORTED: 'ERR_AUTH_UNSUPPORTED',
  /** SASL was asked for; it is not implemented yet. */
  SASL_UNSUPPORTED: 'ERR_SASL_UNSUPPORTED',
  /** The password is longer than SPICE allows. */
  PASSWORD_TOO_LONG: 'ERR_PASSWORD_TOO_LONG',
  /** A value given to the writer cannot be encoded (missing field, wrong length, out of range). */
  ENCODE: 'ERR_ENCODE',
  /** A TCP/UNIX connection could not be made. */
  CONNECT: 'ERR_CONNECT',
  /** The TLS handshake or certificate check failed. */
  TLS: 'ERR_TLS',
  /** Nothing arrived in time. */
  TIMEOUT: 'ERR_TIMEOUT',
  /** The connection closed while more was expected. */
  CLOSED: 'ERR_CLOSED',
  /** The peer asked for something this implementation refuses (migration, ...). */
  UNSUPPORTED: 'ERR_UNSUPPORTED',
  /** A spice:// URI or .vv file that cannot be understood. */
  BAD_TARGET: 'ERR_BAD_TARGET',
  /** Bad arguments or options given by the caller. */
  BAD_ARGUMENT: 'ERR_BAD_ARGUMENT',
  /** Compressed image data that does not decode (bad magic, overrun, bad reference, wrong size). */
  CORRUPT_IMAGE: 'ERR_CORRUPT_IMAGE',
  /** A GLZ image refers to a dictionary image that is not there (evicted, or never sent). */
  GLZ_MISSING: 'ERR_GLZ_MISSING',
  /** The display source (X server, program) failed or went away. */
  SOURCE: 'ERR_SOURCE',
  /** The X server refused a request (x11 source). */
  X11: 'ERR_X11',
  /** A peer sends more than it may (messages per second, queued bytes). */
  FLOOD: 'ERR_FLOOD',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface SpiceErrorContext {
  /** Channel type name, e.g. 'display'. */
  channel?: string;
  /** Channel id within its type. */
  channelId?: number;
  /** Numeric message type, when the error concerns one message. */
  messageType?: number;
  /** Message name from the schema, when known. */
  messageName?: string;
  /** SpiceLinkErr value, for LINK_REFUSED/AUTH_FAILED. */
  linkError?: number;
  cause?: unknown;
}

export class SpiceError extends Error {
  readonly code: ErrorCode;
  channel?: string;
  channelId?: number;
  messageType?: number;
  messageName?: string;
  linkError?: number;

  constructor(code: ErrorCode, message: string, ctx: SpiceErrorContext = {}) {
    super(message, ctx.cause !== undefined ? { cause: ctx.cause } : undefined);
    this.name = 'SpiceError';
    this.code = code;
    this.channel = ctx.channel;
    this.channelId = ctx.channelId;
    this.messageType = ctx.messageType;
    this.messageName = ctx.messageName;
    this.linkError = ctx.linkError;
  }

  /** Adds channel/message context that was not known where the error was thrown. */
  withContext(ctx: SpiceErrorContext): this {
    this.channel ??= ctx.channel;
    this.channelId ??= ctx.channelId;
    this.messageType ??= ctx.messageType;
    this.messageName ??= ctx.messageName;
    return this;
  }

  /** One line: code, where, what. */
  describe(): string {
    const where: string[] = [];
    if (this.channel !== undefined) where.push(`${this.channel}${this.channelId !== undefined ? `:${this.channelId}` : ''}`);
    if (this.messageType !== undefined) where.push(`msg ${this.messageName ?? '?'}(${this.messageType})`);
    return `${this.code}${where.length ? ` [${where.join(' ')}]` : ''}: ${this.message}`;
  }
}

export function isSpiceError(e: unknown): e is SpiceError {
  return e instanceof SpiceError;
}

/** Wraps anything thrown into a SpiceError (unexpected exceptions keep their text). */
export function toSpiceError(e: unknown, fallback: ErrorCode, ctx: SpiceErrorContext = {}): SpiceError {
  if (e instanceof SpiceError) return e.withContext(ctx);
  if (e instanceof RangeError) return new SpiceError(ErrorCode.TRUNCATED, e.message, { ...ctx, cause: e });
  const msg = e instanceof Error ? e.message : String(e);
  return new SpiceError(fallback, msg, { ...ctx, cause: e });
}
