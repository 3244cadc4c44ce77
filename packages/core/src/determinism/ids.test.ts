import { nameUuid } from './ids';

describe('nameUuid', () => {
  it('gives the ids it always gave (computed with a hash object per id, before the one-call hash)', () => {
    expect(nameUuid('')).toBe('5b2b0323-0ff7-5f9c-adf0-10fc87524288');
    expect(nameUuid('bench/1/0')).toBe('58780cdf-a38c-5ff8-8af8-95bf79f0199f');
    expect(nameUuid('docomo/ケース/001')).toBe('6bb99b23-1136-5e70-96ad-02be5a228531');
    expect(nameUuid('x'.repeat(300))).toBe('f0264121-987e-5359-97d5-94608b935257'); // longer than the first buffer
    expect(nameUuid('bench/1/0')).toBe('58780cdf-a38c-5ff8-8af8-95bf79f0199f'); // nothing left over from a longer name
  });
});
