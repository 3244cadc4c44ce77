import { readFileSync } from 'node:fs';

/** What a phase of the benchmark prints (as its RESULT line of JSON). */
export type Result = Record<string, number | string | boolean>;

export const seconds = (t0: number) => (performance.now() - t0) / 1000;
export const rate = (n: number, s: number) => Math.round(n / s);

/** This process's peak RSS (VmHWM), in MiB: each phase's own, as each runs in its own process. */
export function peakRssMiB(): number {
  return vmHwmMiB(readFileSync('/proc/self/status', 'utf8'));
}

/** VmHWM from the text of a /proc/<pid>/status, in MiB. */
export function vmHwmMiB(status: string): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : Math.round(process.memoryUsage().rss / 2 ** 20);
}
