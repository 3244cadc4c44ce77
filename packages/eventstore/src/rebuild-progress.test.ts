import { rebuildProgress } from './rebuild-progress';

describe('rebuildProgress', () => {
  it('says what it rebuilds, then a line each time a million more events are done', () => {
    const lines: string[] = [];
    const progress = rebuildProgress('the columns of x', 2_500_000, (l) => lines.push(l));
    for (let i = 0; i < 2_500_000 / 16_384; i++) progress(16_384);
    progress(2_500_000 % 16_384);
    expect(lines).toEqual([
      'rebuilding the columns of x (2500000 events): they were derived under another column declaration',
      'rebuilt the replay columns of 1015808 of 2500000 events',
      'rebuilt the replay columns of 2015232 of 2500000 events',
    ]);
  });
});
