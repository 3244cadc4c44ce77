import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { IMPORTING, Progress } from './progress';
import { runCli } from './run-cli.testing';

const DOCOMO = resolve(__dirname, '../../../scenarios/docomo-kouza-2020');

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, columns: 120, writes, write: (t: string) => void writes.push(t) };
}

describe('Progress', () => {
  it('draws done / total, percent, rate and ETA on a terminal, throttled, then clears the line', () => {
    let t = 0;
    const s = sink(true);
    const p = new Progress(s, true, () => t).phase('replay', { events: 1000 });
    t = 500;
    p.tick(250);
    t = 550; // within 100 ms of the last draw: not redrawn
    p.tick(250);
    t = 1000;
    p.tick(100);
    expect(s.writes).toHaveLength(3);
    expect(s.writes[0]).toBe('\r\x1b[2K[....................]   0%  replay 0 / 1,000');
    expect(s.writes[1]).toContain(
      '[#####...............]  25%  replay 250 / 1,000  ETA 2s  500 events/s',
    );
    expect(s.writes[2]).toContain(' 60%  replay 600 / 1,000');
    p.finish();
    expect(s.writes[3]).toBe('\r\x1b[2K');
  });

  it('always draws the last tick, so the line ends at 100%', () => {
    let t = 0;
    const s = sink(true);
    const p = new Progress(s, true, () => t).phase('import', { events: 10 });
    t = 200;
    p.tick(5);
    t = 210;
    p.tick(5);
    expect(s.writes.at(-1)).toContain('100%');
  });

  it('counts a reading phase in percent of its bytes, with its events and their rate', () => {
    let t = 0;
    const s = sink(true);
    const p = new Progress(s, true, () => t).phase('loading', { bytes: 4 * 1024 * 1024 });
    t = 1000;
    p.read(1024 * 1024);
    t = 1200;
    p.tick(1000);
    t = 1210; // the last byte is drawn, throttle or not
    p.read(3 * 1024 * 1024);
    expect(s.writes.slice(1)).toEqual([
      '\r\x1b[2K[#####...............]  25%  loading  1.0 / 4.0 MiB',
      '\r\x1b[2K[#####...............]  25%  loading 1,000 events  1.0 / 4.0 MiB  ETA 4s  833 events/s',
      '\r\x1b[2K[####################] 100%  loading 1,000 events  4.0 / 4.0 MiB  ETA 0s  826 events/s',
    ]);
  });

  it("shows the loader's passes as loading, except the pass an import reads", () => {
    const s = sink(true);
    const p = new Progress(s, true, () => 0);
    const loader = p.loading();
    loader.pass('check', 100); // a validation of its own, before an import
    loader.events(5);
    p.phase(IMPORTING, { bytes: 100 });
    loader.pass('again', 100); // the import's second pass
    loader.events(5); // counted by the import as it appends, not as read
    p.tick(7);
    p.phase(IMPORTING, { bytes: 100 });
    loader.pass('check', 100); // the one pass of an import that validates as it appends
    loader.events(5);
    loader.read(50, 'events.ndjson');
    const shown = s.writes.map((w) => w.replace('\r\x1b[2K', ''));
    expect(shown).toEqual([
      '[....................]   0%  loading  0.0 / 0.0 MiB',
      '[....................]   0%  importing  0.0 / 0.0 MiB',
      '[....................]   0%  importing  0.0 / 0.0 MiB',
    ]);
  });

  it('shows a phase that has counted nothing yet by its name alone, without a rate', () => {
    const s = sink(true);
    new Progress(s, true, () => 0).phase('reading publications');
    expect(s.writes).toEqual(['\r\x1b[2Kreading publications']);
  });

  it('says nothing when not on a terminal, or when told to be quiet', () => {
    const piped = sink(false);
    new Progress(piped).phase('replay', { events: 10 }).tick(10);
    expect(piped.writes).toEqual([]);
    const quiet = sink(true);
    const p = new Progress(quiet, false).phase('replay', { events: 10 });
    p.tick(10);
    p.read(10);
    p.finish();
    expect(quiet.writes).toEqual([]);
  });
});

/** The phases a progress line showed, in order, each once per run of it. */
function phasesShown(writes: string[]): string[] {
  const phases = writes.map(
    (w) => /(loading|importing|reading publications|replaying)/.exec(w)?.[1] ?? '',
  );
  return phases.filter((p, i) => p !== '' && p !== phases[i - 1]);
}

describe('the progress line of a command', () => {
  /**
   * Runs the CLI with stderr a terminal (or not) and a clock that moves 150 ms each time it is
   * read, so that every tick draws: what is drawn depends on the work, never on the machine's speed.
   */
  async function stderrOf(isTTY: boolean, ...argv: string[]) {
    const writes: string[] = [];
    const before = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: isTTY, configurable: true });
    const write = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((t) => (writes.push(String(t)), true));
    let t = 0;
    const now = jest.spyOn(performance, 'now').mockImplementation(() => (t += 150));
    try {
      const r = await runCli(...argv);
      expect(r.code).toBe(0);
      return { writes, stderr: r.stderr };
    } finally {
      now.mockRestore();
      write.mockRestore();
      if (before) Object.defineProperty(process.stderr, 'isTTY', before);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
  }

  it('shows importing (percent of the files read) from the first byte, then replaying', async () => {
    // The store appends atomically: the files are read once, validated as they are appended.
    const { writes } = await stderrOf(true, 'replay', DOCOMO, '--store', 'memory:');
    expect(phasesShown(writes)).toEqual(['importing', 'replaying']);
    const lines = writes.map((w) => w.replace('\r\x1b[2K', '')).filter((l) => l !== '');
    // Four files of different sizes: the percent of bytes read rises file by file, to 100%.
    const percents = lines
      .filter((l) => l.includes('importing'))
      .map((l) => Number(/(\d+)%/.exec(l)![1]));
    expect(percents[0]).toBe(0);
    expect(percents.at(-1)).toBe(100);
    expect(new Set(percents).size).toBeGreaterThanOrEqual(4);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    // Importing: the events appended batch by batch and their rate, in percent of the files read.
    const importing = lines.filter((l) => l.includes('importing'));
    expect(importing[0]).toMatch(/^\[\.{20}\]   0%  importing  0\.0 \/ \d+\.\d MiB$/);
    expect(importing.at(-1)).toMatch(
      /^\[#{20}\] 100%  importing 1,246 events  (\d+\.\d) \/ \1 MiB  ETA 0s  \d/, // a rate, cut at 80
    );
    expect(lines.at(-1)).toMatch(/100%  replaying ([\d,]+) \/ \1 .* events\/s/);
    expect(writes.at(-1)).toBe('\r\x1b[2K'); // the line is cleared before the report prints
  });

  it('shows the replays of verify, and of report, by name after importing', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'progress-'));
    try {
      const report = ['report', DOCOMO, '--store', 'memory:', '--out', join(tmp, 'r.html')];
      const verify = ['verify', DOCOMO, '--store', 'memory:'];
      const checks = ['importing', 'reading publications', 'replaying'];
      expect(phasesShown((await stderrOf(true, ...verify)).writes)).toEqual(checks);
      expect(phasesShown((await stderrOf(true, ...report)).writes)).toEqual([
        'importing',
        'replaying',
        'reading publications',
        'replaying',
      ]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it.each([
    ['with --quiet', true, ['--quiet']],
    ['when stderr is not a terminal', false, []],
  ])('prints nothing on stderr %s', async (_, isTTY, quiet) => {
    const tmp = mkdtempSync(join(tmpdir(), 'progress-'));
    try {
      for (const [command, ...more] of [
        ['replay'],
        ['verify'],
        ['timeline'],
        ['report', '--out', join(tmp, 'report.html')],
      ]) {
        const { writes, stderr } = await stderrOf(
          isTTY,
          command!,
          DOCOMO,
          '--store',
          'memory:',
          ...more,
          ...quiet,
        );
        expect({ command, writes, stderr }).toEqual({ command, writes: [], stderr: '' });
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
