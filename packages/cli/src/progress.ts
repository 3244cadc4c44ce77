/**
 * A progress line for long work: done / total, events per second and time left, redrawn in place
 * on a terminal at most ten times a second. Silent when stderr is not a terminal (piped, CI) or
 * when the user asked for --quiet, so scripted output stays clean. Wall-clock time is read here,
 * at the CLI edge, for display only: it never reaches a projection.
 */
export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export class Progress {
  private done = 0;
  private lastDraw = 0;
  private readonly started: number;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly sink: ProgressSink = process.stderr,
    private readonly enabled = sink.isTTY === true,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** Counts `n` more units done (call per batch, not per event). */
  tick(n: number): void {
    this.done += n;
    if (!this.enabled) return;
    const t = this.now();
    if (t - this.lastDraw < 100 && this.done !== this.total) return;
    this.lastDraw = t;
    this.draw(t);
  }

  /** Clears the line, leaving the terminal as it was. */
  finish(): void {
    if (this.enabled && this.drawn) this.sink.write('\r\x1b[2K');
  }

  private draw(t: number): void {
    const seconds = Math.max((t - this.started) / 1000, 1e-3);
    const rate = this.done / seconds;
    const parts = [`${this.label} ${this.done.toLocaleString('en-US')}`];
    if (this.total !== undefined && this.total > 0) {
      const fraction = Math.min(this.done / this.total, 1);
      const width = 20;
      const filled = Math.round(fraction * width);
      parts[0] += ` / ${this.total.toLocaleString('en-US')}`;
      parts.unshift(
        `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`,
      );
      if (rate > 0) parts.push(`ETA ${formatDuration((this.total - this.done) / rate)}`);
    }
    parts.push(`${Math.round(rate).toLocaleString('en-US')} events/s`);
    const line = parts.join('  ').slice(0, Math.max((this.sink.columns ?? 80) - 1, 20));
    this.sink.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
