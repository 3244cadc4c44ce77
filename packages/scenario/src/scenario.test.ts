import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nameUuid } from '@incident-ledger/core';
import { ScenarioError } from './errors';
import { loadScenario } from './scenario';
import { tinyScenario } from './tiny.testing';

const MAIN = tinyScenario(['events.yaml']);
const EVENTS = `events:
  - key: open
    type: WalletOpened
    stream: wallet-1
    occurredAt: "2020-08-01T10:00:00+09:00"
    data: { walletId: w1, openedBy: third-party }
  - key: charge
    type: ChargeExecuted
    stream: wallet-1
    occurredAt: "2020-08-01T11:00:00+09:00"
    data: { walletId: w1, bankCode: BANK-A, accountId: a1, amountYen: 30000 }
  - key: report
    type: CaseReported
    stream: case-1
    occurredAt: "2020-09-08T10:00:00+09:00"
    data: { caseId: c1, bankCode: BANK-A, accountId: a1 }
`;

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'scenario-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(main = MAIN, events = EVENTS) {
  writeFileSync(join(dir, 'scenario.yaml'), main);
  writeFileSync(join(dir, 'events.yaml'), events);
  return dir;
}

function problem(main?: string, events?: string): ScenarioError {
  try {
    loadScenario(write(main, events));
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('the scenario was accepted');
}

describe('loadScenario', () => {
  it('loads, validates and orders events by when they were recorded', () => {
    const s = loadScenario(write());
    expect(s).toMatchObject({
      id: 'tiny',
      timeZone: 'Asia/Tokyo',
      banks: [{ code: 'BANK-A', auth: 'weak' }],
    });
    expect(s.events.map((e) => e.type)).toEqual(['WalletOpened', 'ChargeExecuted', 'CaseReported']);
    expect(s.events[1]!.data).toEqual({
      walletId: 'w1',
      bankCode: 'BANK-A',
      accountId: 'a1',
      amountYen: 30000,
    });
  });

  it('gives the same event ids every time, as UUIDs', () => {
    const a = loadScenario(write()).events.map((e) => e.eventId);
    const b = loadScenario(write()).events.map((e) => e.eventId);
    expect(a).toEqual(b);
    for (const id of a)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("names an event without a key by its file, stream and place among all the stream's events", () => {
    const keyless = EVENTS.replace('  - key: charge\n    type:', '  - type:');
    const ids = loadScenario(write(MAIN, keyless)).events.map((e) => e.eventId);
    // The charge is the second event of stream wallet-1 in events.yaml (the first has a key).
    expect(ids).toContain(nameUuid('tiny/events.yaml/wallet-1#1'));
  });

  it('reports a missing folder', () => {
    expect(() => loadScenario(join(dir, 'nope'))).toThrow(/scenario folder not found/);
  });

  it('reports a YAML syntax error with its line', () => {
    const e = problem(undefined, EVENTS.replace('stream: case-1', 'stream: [case-1'));
    expect(e.message).toMatch(/events\.yaml:\d+:\d+: YAML syntax error/);
    expect(e.file).toMatch(/events\.yaml$/);
  });

  it('reports an unknown event type at its line, listing the known ones', () => {
    const e = problem(undefined, EVENTS.replace('type: ChargeExecuted', 'type: ChargeExecutd'));
    expect(e).toMatchObject({ line: 8, path: ['events', 1, 'type'] });
    expect(e.message).toMatch(/unknown event type "ChargeExecutd"/);
    expect(e.message).toMatch(/use one of: WalletOpened, BankAccountLinked/);
  });

  it.each([
    ['negative', '-30000'],
    ['fractional', '30000.5'],
  ])('reports a %s yen amount at its field', (_, amount) => {
    const e = problem(undefined, EVENTS.replace('amountYen: 30000', `amountYen: ${amount}`));
    expect(e).toMatchObject({ line: 11, path: ['events', 1, 'data', 'amountYen'] });
    expect(e.message).toMatch(/whole, non-negative number of yen/);
  });

  it('reports a time without a zone or offset', () => {
    const e = problem(
      undefined,
      EVENTS.replace('"2020-08-01T11:00:00+09:00"', '"2020-08-01T11:00:00"'),
    );
    expect(e).toMatchObject({ line: 10, path: ['events', 1, 'occurredAt'] });
    expect(e.message).toMatch(/with a zone offset/);
  });

  it('reports a duplicate event key with different content, naming the first', () => {
    const e = problem(
      undefined,
      `${EVENTS}  - key: charge\n    type: ChargeExecuted\n    stream: wallet-1\n    occurredAt: "2020-08-01T11:00:00+09:00"\n    data: { walletId: w1, bankCode: BANK-A, accountId: a1, amountYen: 99 }\n`,
    );
    expect(e.message).toMatch(
      /event key "charge" is used again with different content \(first at .*events\.yaml:7\)/,
    );
  });

  it('accepts the same event written twice as one event', () => {
    const again = `${EVENTS}  - key: charge\n    type: ChargeExecuted\n    stream: wallet-1\n    occurredAt: "2020-08-01T11:00:00+09:00"\n    data: { walletId: w1, bankCode: BANK-A, accountId: a1, amountYen: 30000 }\n`;
    expect(loadScenario(write(MAIN, again)).events).toHaveLength(3);
  });

  it('reports unknown keys and undeclared banks', () => {
    expect(problem(MAIN.replace('timeZone:', 'timezone: x\ntimeZone:')).message).toMatch(
      /scenario\.yaml:3:\d+: timezone: unknown key/,
    );
    expect(
      problem(
        undefined,
        EVENTS.replace(
          'bankCode: BANK-A, accountId: a1, amountYen',
          'bankCode: BANK-Z, accountId: a1, amountYen',
        ),
      ).message,
    ).toMatch(/unknown bank code "BANK-Z"[\s\S]*declare it under banks/);
  });

  it.each(['Asia/Kolkata', 'Etc/UTC', 'UTC'])('takes the IANA time zone %s', (zone) => {
    expect(
      loadScenario(write(MAIN.replace('timeZone: Asia/Tokyo', `timeZone: ${zone}`))).timeZone,
    ).toBe(zone);
  });

  it.each(['JST', 'UTC+9', 'Asia/Tokio'])(
    'refuses the time zone %s, asking for an IANA name',
    (zone) => {
      expect(problem(MAIN.replace('timeZone: Asia/Tokyo', `timeZone: ${zone}`)).message).toMatch(
        /unknown time zone[\s\S]*IANA zone name/,
      );
    },
  );

  it('refuses a source declared twice, a bank code with spaces, and two publications with one id', () => {
    expect(
      problem(
        MAIN.replace(
          'sources:\n',
          'sources:\n  - { id: src, title: Again, published: "2020-09-15" }\n',
        ),
      ).message,
    ).toMatch(/source id "src" is declared twice/);
    expect(problem(MAIN.replace('code: BANK-A,', 'code: " BANK-A",')).message).toMatch(
      /banks\[0\]\.code: must not start or end with spaces/,
    );
    const pub = (key: string) =>
      `  - key: ${key}\n    type: FiguresPublished\n    stream: publications\n    occurredAt: "2020-09-14T10:00:00+09:00"\n    data: { publicationId: p1, source: src, asOf: "2020-09-14T00:00:00+09:00", figures: [{ name: cases, value: 1 }] }\n`;
    expect(problem(undefined, EVENTS + pub('a') + pub('b')).message).toMatch(
      /publication id "p1" is used by another publication \(key "a"\)/,
    );
  });

  it('reports a recordedAt before occurredAt', () => {
    const e = problem(
      undefined,
      EVENTS.replace(
        'occurredAt: "2020-09-08T10:00:00+09:00"',
        'occurredAt: "2020-09-08T10:00:00+09:00"\n    recordedAt: "2020-09-07T10:00:00+09:00"',
      ),
    );
    expect(e.message).toMatch(/recordedAt: is before occurredAt/);
  });

  describe('published figures', () => {
    const publication = (figure: string) => `${EVENTS}  - key: pub
    type: FiguresPublished
    stream: publications
    occurredAt: "2020-09-14T10:00:00+09:00"
    data:
      publicationId: p1
      source: src
      asOf: "2020-09-14T00:00:00+09:00"
      figures:
        - ${figure}
`;
    it.each([
      '{ name: bankStoppedCharges, bank: BANK-A, value: 1 }',
      '{ name: compensatedCases, bank: BANK-A, value: 1 }',
      '{ name: damageYen, bank: BANK-A, value: 1 }',
      '{ name: cases, since: "2020-09-13T00:00:00+09:00", value: -2 }',
      '{ name: cases, status: suspected, value: 1 }',
      '{ name: damageYen, bank: BANK-A, status: excluded-own-use, value: 0 }',
      '{ name: damageYen, bank: BANK-A, since: "2020-09-13T00:00:00+09:00", value: -30000 }',
    ])('accepts a figure with the qualifiers it needs or takes: %s', (figure) => {
      expect(loadScenario(write(MAIN, publication(figure))).events).toHaveLength(4);
    });
    it.each([
      ['{ name: bankStoppedCharges, value: 1 }', /is about one bank: give its code as bank:/],
      ['{ name: banksReporting, value: 1 }', /counts over a window: give its start as since:/],
      [
        '{ name: banksWithDamage, bank: BANK-A, value: 1 }',
        /figure banksWithDamage is not about one bank[\s\S]*takes it: cases, operatorsWithDamage, damageYen, /,
      ],
      ['{ name: bankStoppedCharges, bank: BANK-Z, value: 1 }', /unknown bank code "BANK-Z"/],
      [
        '{ name: cases, since: "2020-09-15T00:00:00+09:00", value: 1 }',
        /since: must be before the figure's as-of time/,
      ],
      ['{ name: casez, value: 1 }', /name: must be one of cases, .*\(did you mean "cases"\?\)/],
      ['{ name: damgeYen, value: 1 }', /\(did you mean "damageYen"\?\)/],
      ['{ name: fraudTotal, value: 1 }', /got "fraudTotal"$/m],
      ['{ name: cases, value: -1 }', /value: must be 0 or more, got -1[\s\S]*give since:/],
      [
        '{ name: banksReporting, since: "2020-09-13T00:00:00+09:00", value: -1 }',
        /value: must be 0 or more[\s\S]*banksReporting is not read as a change/,
      ],
      ['{ name: cases, value: 1.5 }', /value: must be a whole number, got 1\.5/],
      [
        '{ name: compensatedYen, status: confirmed, value: 1 }',
        /figure compensatedYen is not about the cases of one status[\s\S]*takes it: cases, damageYen/,
      ],
      ['{ name: cases, status: settled, value: 1 }', /status: must be one of suspected, confirmed/],
      [
        '{ name: damageYen, value: 30000, precision: 10000 }',
        /precision 10000 is given without rounding[\s\S]*rounding: floor, round or ceil/,
      ],
      [
        '{ name: oldestDamageMonth, since: "2020-09-01T00:00:00+09:00", value: 202008 }',
        /has no meaningful change over a window/,
      ],
      [
        '{ name: largestCaseYen, since: "2020-09-01T00:00:00+09:00", value: 0 }',
        /figure largestCaseYen has no meaningful change over a window/,
      ],
      [
        '{ name: cases, asOf: "2020-09-14T10:00:01+09:00", value: 1 }',
        /figures\[0\]\.asOf: is after the publication's own time \(occurredAt "2020-09-14T10:00:00\+09:00"\)[\s\S]*set asOf at or before occurredAt/,
      ],
    ])('refuses %s', (figure, message) => {
      const e = problem(MAIN, publication(figure));
      expect(e.message).toMatch(message);
      expect(e.line).toBe(26);
    });

    it('refuses a publication as of a time after it was published, and takes one as of then', () => {
      const at = (asOf: string) =>
        publication('{ name: cases, value: 1 }').replace(
          'asOf: "2020-09-14T00:00:00+09:00"',
          `asOf: "${asOf}"`,
        );
      const e = problem(MAIN, at('2020-09-14T10:00:01+09:00'));
      expect(e.message).toMatch(
        /data\.asOf: is after the publication's own time \(occurredAt "2020-09-14T10:00:00\+09:00"\)/,
      );
      expect(e.line).toBe(24); // the line of its asOf
      expect(loadScenario(write(MAIN, at('2020-09-14T10:00:00+09:00'))).events).toHaveLength(4);
    });
  });
});
