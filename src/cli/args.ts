/**
 * A small argument parser: `--name value`, `--name=value`, boolean flags,
 * positionals. Unknown options are errors.
 */
import { ErrorCode, SpiceError } from '../protocol/errors.js';

export interface OptionSpec {
  [name: string]: { type: 'string' | 'boolean'; short?: string };
}

export interface Parsed {
  options: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: OptionSpec): Parsed {
  const options: Parsed['options'] = {};
  const positionals: string[] = [];
  const byShort = new Map(Object.entries(spec).filter(([, s]) => s.short).map(([n, s]) => [s.short!, n]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
    let name: string | undefined;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (eq >= 0) value = a.slice(eq + 1);
    } else if (a.startsWith('-') && a.length > 1) {
      name = byShort.get(a.slice(1));
      if (!name) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unknown option ${a}`);
    } else {
      positionals.push(a);
      continue;
    }
    const s = spec[name];
    if (!s) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unknown option --${name}`);
    if (s.type === 'boolean') {
      if (value !== undefined) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `--${name} takes no value`);
      options[name] = true;
    } else {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `--${name} needs a value`);
        value = argv[++i]!;
      }
      options[name] = value;
    }
  }
  return { options, positionals };
}
