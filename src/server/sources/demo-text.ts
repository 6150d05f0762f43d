/**
 * What the viewer typed into the demo's text box, and how it wraps into rows of `cols`
 * characters. Text is only added or removed at the end (the caret always follows it), the
 * box shows the last rows, and very old rows are dropped so memory stays bounded; `dropped`
 * counts them so a row keeps its number (the demo scrolls by comparing row numbers).
 */

/** Characters kept before the oldest rows are dropped. */
const MAX_CHARS = 16384;

export interface Wrapped {
  /** Rows of at most `cols` characters; a line of exactly `cols` has no empty row after it. */
  rows: string[];
  /** Offset of each row in the text. */
  starts: number[];
}

/** Breaks `text` into rows: at each '\n' and after every `cols` characters. */
export function wrap(text: string, cols: number): Wrapped {
  const rows: string[] = [], starts: number[] = [];
  let lineStart = 0;
  for (;;) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 ? text.length : nl;
    let s = lineStart;
    do {
      const e = Math.min(lineEnd, s + cols);
      rows.push(text.slice(s, e));
      starts.push(s);
      s = e;
    } while (s < lineEnd);
    if (nl < 0) break;
    lineStart = nl + 1;
  }
  return { rows, starts };
}

export class TypedText {
  private text = '';
  private wrapped: Wrapped;
  /** Rows dropped from the front since the text was created or the width changed. */
  dropped = 0;

  constructor(private cols: number) {
    this.wrapped = wrap('', cols);
  }

  get value(): string {
    return this.text;
  }

  get rows(): readonly string[] {
    return this.wrapped.rows;
  }

  /** The column where the next character goes (may equal `cols`: the row is full). */
  get caretCol(): number {
    const r = this.wrapped.rows;
    return r[r.length - 1]!.length;
  }

  append(s: string): void {
    if (!s) return;
    this.text += s;
    this.rewrap();
    if (this.text.length > MAX_CHARS) {
      // Drop whole rows so the remaining ones wrap exactly as before.
      const { starts } = this.wrapped;
      const keepFrom = starts.findIndex((o) => this.text.length - o <= MAX_CHARS / 2);
      const k = Math.max(1, keepFrom);
      this.text = this.text.slice(starts[k]!);
      this.dropped += k;
      this.rewrap();
    }
  }

  /** Removes the last character; false when there was none. */
  backspace(): boolean {
    if (!this.text) return false;
    this.text = this.text.slice(0, -1);
    this.rewrap();
    return true;
  }

  clear(): void {
    this.dropped += this.wrapped.rows.length;
    this.text = '';
    this.rewrap();
  }

  setCols(cols: number): void {
    this.cols = cols;
    this.dropped = 0;
    this.rewrap();
  }

  private rewrap(): void {
    this.wrapped = wrap(this.text, this.cols);
  }
}
