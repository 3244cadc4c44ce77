import type { LoadPass, LoadProgress } from '@incident-ledger/scenario';

/**
 * One progress line for a command's long work, phase after phase (loading, importing, replaying):
 * the phase, its events, events per second, the percent done (of the bytes to read, or of the
 * events) and time left, redrawn in place on a terminal at most ten times a second. Silent when
 * stderr is not a terminal (piped, CI) or when the user asked for --quiet, so scripted output stays
 * clean. Wall-clock time is read here, at the CLI edge, for display only: it never reaches a
 * projection, nor the scenario loader, which only counts (LoadProgress).
 */
export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/** What a phase counts up to: its events, or the bytes it reads (then its percent is of those). */
export interface PhaseTotals {
  events?: number;
  bytes?: number;
}

/**
 * The phase each pass of the scenario loader is shown as. A later pass (`again`) is the import's,
 * which shows it (importEvents): its bytes read are that phase's, its events the ones appended.
 */
const LOAD_PHASES: Record<Exclude<LoadPass, 'again'>, string> = {
  check: 'loading',
  repeats: 'loading (events written twice)',
};

/** The phase of an import (importEvents), whichever pass of the loader reads its events. */
export const IMPORTING = 'importing';

const MiB = 1024 * 1024;

export class Progress {
  private label = '';
  private totals: PhaseTotals = {};
  private done = 0;
  private bytesRead = 0;
  private started = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly sink: ProgressSink = process.stderr,
    private readonly enabled = sink.isTTY === true,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Starts a phase, counted from zero and shown at once: the user sees it from its first byte. */
  phase(label: string, totals: PhaseTotals = {}): this {
    this.label = label;
    this.totals = totals;
    this.done = 0;
    this.bytesRead = 0;
    if (!this.enabled) return this;
    this.started = this.lastDraw = this.now();
    this.draw(this.started);
    return this;
  }

  /** Counts `n` more events done (call per batch, not per event). */
  tick(n: number): void {
    this.done += n;
    this.redraw(this.done === this.totals.events);
  }

  /** Counts `n` more bytes read. */
  read(n: number): void {
    this.bytesRead += n;
    this.redraw(this.bytesRead === this.totals.bytes);
  }

  /**
   * The scenario loader's passes as phases, its bytes and events as this line's. The pass that an
   * import reads (`again`, or the one pass of an import that validates as it appends) is shown by
   * the importing phase: its bytes read are that phase's, its events the ones appended.
   */
  loading(): LoadProgress {
    let importing = false;
    return {
      pass: (pass, bytes) => {
        importing = pass === 'again' || (pass === 'check' && this.label === IMPORTING);
        if (!importing && pass !== 'again') this.phase(LOAD_PHASES[pass], { bytes });
      },
      read: (bytes) => this.read(bytes),
      events: (events) => void (importing || this.tick(events)),
    };
  }

  /** Clears the line, leaving the terminal as it was. */
  finish(): void {
    if (this.enabled && this.drawn) this.sink.write('\r\x1b[2K');
    this.drawn = false;
  }

  /** Draws when a tenth of a second has passed since the last draw, or at the phase's end. */
  private redraw(last: boolean): void {
    if (!this.enabled) return;
    const t = this.now();
    if (t - this.lastDraw < 100 && !last) return;
    this.lastDraw = t;
    this.draw(t);
  }

  private draw(t: number): void {
    const seconds = Math.max((t - this.started) / 1000, 1e-3);
    const { events, bytes } = this.totals;
    const parts = [this.label];
    if (events !== undefined) parts[0] += ` ${count(this.done)} / ${count(events)}`;
    else if (this.done > 0) parts[0] += ` ${count(this.done)} events`;
    if (bytes !== undefined) parts.push(`${mib(this.bytesRead)} / ${mib(bytes)} MiB`);
    const fraction =
      bytes !== undefined && bytes > 0
        ? this.bytesRead / bytes
        : events !== undefined && events > 0
          ? this.done / events
          : undefined;
    if (fraction !== undefined) {
      const f = Math.min(fraction, 1);
      const width = 20;
      const filled = Math.round(f * width);
      parts.unshift(
        `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}%`,
      );
      if (f > 0 && this.done > 0) parts.push(`ETA ${formatDuration((seconds * (1 - f)) / f)}`);
    }
    // No rate before the phase has counted anything.
    if (this.done > 0) parts.push(`${count(Math.round(this.done / seconds))} events/s`);
    // A terminal of unknown width (0 under `script`) is taken as 80 columns.
    const line = parts.join('  ').slice(0, Math.max((this.sink.columns || 80) - 1, 20));
    this.sink.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }
}

/** The progress line of a command: off with --quiet, and anywhere stderr is not a terminal. */
export function progressOf(quiet: boolean | undefined): Progress {
  return new Progress(process.stderr, quiet !== true && process.stderr.isTTY === true);
}

const count = (n: number) => n.toLocaleString('en-US');
const mib = (bytes: number) => (bytes / MiB).toFixed(1);

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
