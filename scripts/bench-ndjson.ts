/**
 * The benchmark's NDJSON phase: a real incident's export as a user runs it. An N-event NDJSON
 * scenario (scripts/make-large-scenario.ts) through the built `incident-ledger replay` into a fresh
 * SQLite store, beside its raw limit: the same files read and every line JSON.parse'd, nothing
 * else. Each in its own process (scripts/bench.ts), so each peak RSS is its own.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { peakRssMiB, rate, seconds, type Result } from './bench-measure';
import { LAUNCHER, launcherEnv } from './launcher';

/** The scenario's folder in the bench's folder. */
const SCENARIO = 'ndjson-scenario';
const SEED = 1;

/**
 * Writes the scenario with scripts/make-large-scenario.ts, from source in a process of its own (not
 * timed: generation is not what is measured; not bundled: the script runs its command line when
 * it is the main module, which a bundle's every module is).
 */
export function makeNdjson(dir: string, n: number): void {
  execFileSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/make-large-scenario.ts', '--out', join(dir, SCENARIO)].concat([
      '--events',
      String(n),
      '--seed',
      String(SEED),
      '--format',
      'ndjson',
    ]),
    { cwd: resolve(__dirname, '..'), stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/**
 * Phase `raw-ndjson`: the raw limit. Every line of the scenario's event files read, 1 MiB at a
 * time as the loader reads them, and JSON.parse'd: what any reader of the export must pay.
 */
export function rawNdjson(dir: string): Result {
  const t0 = performance.now();
  const buffer = Buffer.allocUnsafe(1 << 20);
  let events = 0;
  let bytes = 0;
  const folder = join(dir, SCENARIO, 'events');
  for (const name of readdirSync(folder).sort()) {
    const fd = openSync(join(folder, name), 'r');
    let carry = '';
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0;) {
      bytes += n;
      const lines = (carry + buffer.toString('utf8', 0, n)).split('\n');
      carry = lines.pop()!;
      for (const line of lines) {
        if (line === '') continue;
        JSON.parse(line);
        events++;
      }
    }
    closeSync(fd);
    if (carry !== '') {
      JSON.parse(carry);
      events++;
    }
  }
  const s = seconds(t0);
  return { events, bytes, seconds: s, eventsPerSecond: rate(events, s), peakRssMiB: peakRssMiB() };
}

/**
 * `packages/cli/bin/incident-ledger replay <scenario> --store sqlite:<fresh>`, wall clock of the
 * whole command (node's start included), and its peak RSS: VmHWM read by the CLI's own process as
 * it exits (a preloaded hook: a finished child's /proc entry is gone), as the other phases read it.
 */
export function replayNdjson(dir: string, n: number): Result {
  const hook = join(dir, 'peak-rss.cjs');
  const peakFile = join(dir, 'cli-peak-rss');
  writeFileSync(
    hook,
    `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(peakFile)}, /VmHWM:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]));\n`,
  );
  const store = join(dir, `ndjson-${process.pid}.sqlite`);
  const t0 = performance.now();
  const out = execFileSync(
    LAUNCHER,
    ['replay', join(dir, SCENARIO), '--store', `sqlite:${store}`, '--quiet'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 2 ** 20,
      env: { ...launcherEnv(), NODE_OPTIONS: `--require ${hook}` },
    },
  );
  const s = seconds(t0);
  const imported = /^import\s+(\d+) events: (\d+) appended/m.exec(out);
  if (imported === null || Number(imported[2]) !== n)
    throw new Error(`replay of the NDJSON scenario did not append ${n} events:\n${out}`);
  return {
    events: n,
    seconds: s,
    eventsPerSecond: rate(n, s),
    peakRssMiB: Math.round(Number(readFileSync(peakFile, 'utf8')) / 1024),
  };
}
