import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventFiles } from './generate-yucho';

const EVENTS = join(__dirname, '../scenarios/yucho-2020/events');

describe('scripts/generate-yucho.ts', () => {
  it("writes the scenario's event files byte for byte from its seed", () => {
    for (const [file, text] of Object.entries(eventFiles(20200924)))
      expect(text === readFileSync(join(EVENTS, file), 'utf8')).toBe(true);
  });

  it('gives other events for another seed', () => {
    expect(eventFiles(1)['cases.yaml']).not.toBe(eventFiles(20200924)['cases.yaml']);
  });
});
