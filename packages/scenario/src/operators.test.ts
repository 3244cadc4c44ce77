import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '@incident-ledger/core';
import { ScenarioError } from './errors';
import { loadScenario } from './scenario';
import { tinyScenario } from './tiny.testing';

/** tiny's scenario.yaml with `operators` declared before its event files. */
const withOperators = (operators: string) =>
  tinyScenario(['events.yaml']).replace('eventFiles:', `operators:\n${operators}\neventFiles:`);
const TWO = withOperators(
  '  - { code: OP-A, name: Service A, sources: [src] }\n  - { code: OP-B }',
);
const event = (type: string, data: string) => `events:
  - { key: k, type: ${type}, stream: s, occurredAt: "2020-08-01T11:00:00+09:00", data: ${data} }
`;
const CHARGE = 'walletId: w1, bankCode: BANK-A, accountId: a1, amountYen: 30000';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'operators-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function load(main: string, events: string) {
  writeFileSync(join(dir, 'scenario.yaml'), main);
  writeFileSync(join(dir, 'events.yaml'), events);
  return loadScenario(dir);
}
function problem(main: string, events: string): string {
  try {
    load(main, events);
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  throw new Error('the scenario was accepted');
}

describe('operators in scenario.yaml and the events', () => {
  it('declares operators with their names and sources, and events name them', () => {
    const s = load(TWO, event('ChargeExecuted', `{ ${CHARGE}, operatorCode: OP-B }`));
    expect(s.operators).toEqual([
      { code: 'OP-A', name: 'Service A', sources: ['src'] },
      { code: 'OP-B', sources: [] },
    ]);
    expect(s.events[0]!.data).toMatchObject({ operatorCode: 'OP-B' });
  });

  it('lets a scenario with one operator or none omit it, and its content stays as before', () => {
    const none = load(tinyScenario(['events.yaml']), event('ChargeExecuted', `{ ${CHARGE} }`));
    expect(none.operators).toEqual([]);
    expect(none.events[0]!.data).not.toHaveProperty('operatorCode');
    // The hashed content (eventstore's eventContent holds canonicalJson(data)) is as before.
    expect(canonicalJson(none.events[0]!.data)).toBe(
      '{"accountId":"a1","amountYen":30000,"bankCode":"BANK-A","walletId":"w1"}',
    );
    const one = load(withOperators('  - { code: OP-A }'), event('ChargeExecuted', `{ ${CHARGE} }`));
    expect(one.events[0]!.data).not.toHaveProperty('operatorCode');
  });

  it('requires the operator on links, charges, rejections and cases when two are declared', () => {
    for (const [type, data] of [
      ['ChargeExecuted', CHARGE],
      ['ChargeRejected', `${CHARGE}, reason: stopped`],
      ['BankAccountLinked', 'walletId: w1, bankCode: BANK-A, accountId: a1, factors: [pin]'],
      ['CaseReported', 'caseId: c1, bankCode: BANK-A, accountId: a1'],
    ])
      expect(problem(TWO, event(type!, `{ ${data} }`))).toMatch(
        /data\.operatorCode: is required: the scenario declares 2 operators[\s\S]*one of OP-A, OP-B/,
      );
    // A bank's policy without an operator is the bank's, whatever the service.
    expect(() =>
      load(TWO, event('BankLinkPolicySet', '{ bankCode: BANK-A, requiredFactors: [pin] }')),
    ).not.toThrow();
  });

  it('refuses an undeclared operator, suggesting the nearest', () => {
    expect(problem(TWO, event('ChargeExecuted', `{ ${CHARGE}, operatorCode: OP-C }`))).toMatch(
      /data\.operatorCode: unknown operator code "OP-C" \(did you mean "OP-A"\?\)[\s\S]*declare it under operators/,
    );
    expect(
      problem(
        tinyScenario(['events.yaml']),
        event('ChargeExecuted', `{ ${CHARGE}, operatorCode: X }`),
      ),
    ).toMatch(/unknown operator code "X"/);
  });

  it('refuses an operator declared twice, an unknown key, and an undeclared source', () => {
    const charge = event('ChargeExecuted', `{ ${CHARGE} }`);
    expect(problem(withOperators('  - { code: OP-A }\n  - { code: OP-A }'), charge)).toMatch(
      /operators\[1\]\.code: operator code "OP-A" is declared twice/,
    );
    expect(problem(withOperators('  - { code: OP-A, bank: x }'), charge)).toMatch(
      /operators\[0\]\.bank: unknown key/,
    );
    expect(problem(withOperators('  - { code: OP-A, sources: [nope] }'), charge)).toMatch(
      /operators\[0\]\.sources\[0\]: unknown source "nope"/,
    );
  });
});
