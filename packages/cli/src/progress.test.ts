import { Progress } from './progress';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, columns: 100, writes, write: (t: string) => void writes.push(t) };
}

describe('Progress', () => {
  it('draws done / total, percent, rate and ETA on a terminal, throttled, then clears the line', () => {
    let t = 0;
    const s = sink(true);
    const p = new Progress('replay', 1000, s, true, () => t);
    t = 500;
    p.tick(250);
    t = 550; // within 100 ms of the last draw: not redrawn
    p.tick(250);
    t = 1000;
    p.tick(100);
    expect(s.writes).toHaveLength(2);
    expect(s.writes[0]).toContain(
      '[#####...............]  25%  replay 250 / 1,000  ETA 2s  500 events/s',
    );
    expect(s.writes[1]).toContain(' 60%  replay 600 / 1,000');
    p.finish();
    expect(s.writes[2]).toBe('\r\x1b[2K');
  });

  it('always draws the last tick, so the line ends at 100%', () => {
    let t = 0;
    const s = sink(true);
    const p = new Progress('import', 10, s, true, () => t);
    t = 200;
    p.tick(5);
    t = 210;
    p.tick(5);
    expect(s.writes.at(-1)).toContain('100%');
  });

  it('says nothing when not on a terminal, or when told to be quiet', () => {
    const piped = sink(false);
    new Progress('replay', 10, piped).tick(10);
    expect(piped.writes).toEqual([]);
    const quiet = sink(true);
    const p = new Progress('replay', 10, quiet, false);
    p.tick(10);
    p.finish();
    expect(quiet.writes).toEqual([]);
  });
});
