import { DOMAIN, KEY_DOMAINS, KeyDictionary } from './columns';

describe('KeyDictionary.truncate', () => {
  it('forgets the keys numbered after the sizes given, and numbers them again', () => {
    const keys = new KeyDictionary();
    keys.id(DOMAIN.bank, 'BANK-A');
    keys.id(DOMAIN.wallet, 'w-1');
    const sizes = KEY_DOMAINS.map((_, d) => keys.size(d));
    expect(sizes).toEqual([1, 1, 0, 0, 0]);
    keys.id(DOMAIN.bank, 'BANK-B');
    keys.id(DOMAIN.category, 'food');
    keys.id(DOMAIN.wallet, 'w-1'); // known before: kept
    keys.truncate(sizes);
    expect(KEY_DOMAINS.map((_, d) => keys.size(d))).toEqual(sizes);
    expect(() => keys.name('bank', 1)).toThrow('no bank key numbered 1');
    // A key forgotten is new again, and one kept keeps its number.
    expect(keys.id(DOMAIN.category, 'other')).toBe(0);
    expect(keys.id(DOMAIN.bank, 'BANK-B')).toBe(1);
    expect(keys.id(DOMAIN.bank, 'BANK-A')).toBe(0);
    keys.learn(DOMAIN.wallet, 1, 'w-2');
    expect(keys.texts(DOMAIN.wallet)).toEqual(['w-1', 'w-2']);
  });
});
