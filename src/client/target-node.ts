/**
 * Node-only companion of target.ts: a command-line argument may also be the path
 * of a virt-viewer connection file (.vv).
 */

// Synchronous fs on purpose: one stat and a few kilobytes at start-up, and
// node:fs/promises would add a few ms to every CLI run's start.
import { readFileSync, statSync } from 'node:fs';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { parseTarget, parseVvFile, type SpiceTarget } from './target.js';

/** Connection files are a few kilobytes; refuse to read anything absurdly large. */
const MAX_VV_BYTES = 1024 * 1024;

/**
 * Resolves a command-line target: a path ending in ".vv", or any existing regular
 * file, is read as a virt-viewer connection file; anything else goes to parseTarget
 * (spice:// URI, host:port, [v6addr]:port).
 */
export async function loadTarget(arg: string): Promise<SpiceTarget> {
  const looksLikeVv = /\.vv$/i.test(arg.trim());
  let isFile = false;
  let size = 0;
  try {
    const st = statSync(arg);
    isFile = st.isFile();
    size = st.size;
  } catch (e) {
    if (looksLikeVv) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      throw new SpiceError(ErrorCode.BAD_TARGET, `cannot read connection file "${arg}": ${why}`, { cause: e });
    }
  }
  if (!isFile) {
    if (looksLikeVv) throw new SpiceError(ErrorCode.BAD_TARGET, `"${arg}" is not a regular file`);
    return parseTarget(arg);
  }
  if (size > MAX_VV_BYTES) {
    throw new SpiceError(ErrorCode.BAD_TARGET, `"${arg}" is too large (${size} bytes) to be a connection file`);
  }
  let text: string;
  try {
    text = readFileSync(arg, 'utf8');
  } catch (e) {
    throw new SpiceError(ErrorCode.BAD_TARGET, `cannot read connection file "${arg}": ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    return parseVvFile(text);
  } catch (e) {
    if (e instanceof SpiceError) {
      throw new SpiceError(e.code, `${arg}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}
