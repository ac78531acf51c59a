/**
 * What `gwsim run` shows while it runs. On a terminal: one status line redrawn in place (rate, active
 * calls, outcomes, setup p95). Otherwise (CI logs, pipes): a plain line every few seconds, never a
 * carriage return or escape sequence.
 */
import type { LoadProgress } from './load/load-types.ts';

export interface ProgressOptions {
  /** Redraw one line in place (only for a terminal). */
  tty: boolean;
  /** Where progress goes (stderr for the CLI, so stdout stays for results). */
  write: (text: string) => void;
  /** Plain mode: at most one line per this many ms. Default 5000. */
  plainEveryMs?: number;
  /** Terminal width; a longer live line is cut (default: stderr's columns, else 120). */
  columns?: number;
  now?: () => number;
}

/** `load 12 s | 3.1 calls/s | active 4 | ok 30 failed 1 | setup p95 42 ms | CONNECTED 20, MEETING_NOT_FOUND 10`. */
export function formatProgress(p: LoadProgress): string {
  const outcomes = Object.entries(p.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `load ${Math.round(p.elapsedMs / 1000)} s | ${p.rate.toFixed(1)} calls/s | active ${p.active} | ok ${p.succeeded} failed ${p.failed} | setup p95 ${p.setupP95.toFixed(1)} ms${outcomes ? ` | ${outcomes}` : ''}`;
}

export class ProgressReporter {
  readonly #o: Required<ProgressOptions>;
  #lastPlain = Number.NEGATIVE_INFINITY;
  #lineOpen = false;
  #lastWidth = 0;

  constructor(options: ProgressOptions) {
    this.#o = { plainEveryMs: 5000, columns: process.stderr.columns ?? 120, now: () => performance.now(), ...options };
  }

  /** A message on its own line (clears a live line first). */
  line(text: string): void {
    this.#closeLine();
    this.#o.write(`${text}\n`);
  }

  /** A load progress tick: redrawn in place on a terminal, else printed at most every `plainEveryMs`. */
  load(p: LoadProgress): void {
    const text = formatProgress(p);
    if (this.#o.tty) {
      const columns = this.#o.columns;
      const shown = text.length > columns - 1 ? `${text.slice(0, columns - 2)}…` : text;
      this.#o.write(`\r\x1b[2K${shown}`);
      this.#lineOpen = true;
      this.#lastWidth = shown.length;
      return;
    }
    const now = this.#o.now();
    if (now - this.#lastPlain < this.#o.plainEveryMs) return;
    this.#lastPlain = now;
    this.#o.write(`${text}\n`);
  }

  /** End a live line so what follows starts on a fresh one. */
  done(): void {
    this.#closeLine();
  }

  #closeLine(): void {
    if (!this.#lineOpen) return;
    this.#o.write(this.#lastWidth > 0 ? '\n' : '');
    this.#lineOpen = false;
  }
}
