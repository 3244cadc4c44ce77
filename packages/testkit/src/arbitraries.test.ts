import { sampleSequences } from './arbitraries';

describe('attack sequences', () => {
  it('have exactly minCommands commands when it equals maxCommands, and the same seed draws the same ones', () => {
    const shape = { minCommands: 50, maxCommands: 50 };
    const drawn = sampleSequences(200, 11, shape);
    expect(drawn.every((s) => s.steps.length === 50)).toBe(true);
    expect(sampleSequences(200, 11, shape)).toEqual(drawn);
  });

  it('between minCommands and maxCommands, reaching both ends', () => {
    const lengths = sampleSequences(300, 5, { minCommands: 10, maxCommands: 20 }).map(
      (s) => s.steps.length,
    );
    expect(Math.min(...lengths)).toBe(10);
    expect(Math.max(...lengths)).toBe(20);
  });
});
