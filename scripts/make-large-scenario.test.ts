import { loadScenario } from '../packages/scenario/src';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORMATS, writeLargeScenario } from './make-large-scenario';

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'large-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('make-large-scenario', () => {
  it('writes the same events as YAML, NDJSON and CSV', () => {
    const loaded = FORMATS.map((format) => {
      const dir = join(tmp, format);
      const summary = writeLargeScenario(dir, { events: 1_000, seed: 3, format });
      expect(readdirSync(join(dir, 'events')).sort()).toEqual([
        `cases.${format}`,
        `publications.${format}`,
      ]);
      expect(summary.events).toBe(1_000);
      return loadScenario(dir).events;
    });
    expect(loaded[0]).toHaveLength(1_000);
    expect(loaded[1]).toEqual(loaded[0]);
    expect(loaded[2]).toEqual(loaded[0]);
  });
});
