import { describe } from '@incident-ledger/core';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Scenario } from './scenario';
import { MAX_YAML_FILE_BYTES } from './limits';
import { YamlFile } from './yaml-file';
import { YamlReader } from './yaml-reader';

/**
 * The attack generator of a scenario, described in its optional simulation.yaml: how many
 * victims per bank, the attack pattern, amounts, when victims report and the operator locks,
 * and the controls timeline. Each bank's auth policy is its `auth` in scenario.yaml.
 */
export interface Range {
  min: number;
  max: number;
}

export const CONTROLS = [
  'suspend-linking',
  'resume-linking',
  'stop-charges',
  'resume-charges',
  'require-ekyc',
] as const;
export type ControlKind = (typeof CONTROLS)[number];

export interface Simulation {
  file: string;
  victims: { bankCode: string; count: number }[];
  attack: {
    waves: { from: number; to: number; percent: number }[];
    linkAttempts: Range;
    minutesBetweenAttempts: Range;
    knowsCredentialsPercent: number;
    hasSecondFactorPercent: number;
    chargesPerAccount: Range;
    chargeYen: Range & { step: number };
    minutesBetweenCharges: Range;
    spendPercent: Range;
    minutesToSpend: Range;
    merchants: string[];
  };
  reportAfterHours: Range;
  lockAfterHours: Range;
  controls: { at: number; control: ControlKind; bank?: string; reason: string }[];
}

export const SIMULATION_FILE = 'simulation.yaml';

const TOP_KEYS = ['victims', 'attack', 'reportAfterHours', 'lockAfterHours', 'controls'];
const ATTACK_KEYS = [
  'waves',
  'linkAttempts',
  'minutesBetweenAttempts',
  'knowsCredentialsPercent',
  'hasSecondFactorPercent',
  'chargesPerAccount',
  'chargeYen',
  'minutesBetweenCharges',
  'spendPercent',
  'minutesToSpend',
  'merchants',
];
const CONTROL_KEYS = ['at', 'control', 'bank', 'reason'];
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Loads `<scenario-dir>/simulation.yaml`; undefined when the scenario has none. Problems are
 * located ScenarioErrors.
 */
export function loadSimulation(scenario: Scenario): Simulation | undefined {
  const path = join(scenario.dir, SIMULATION_FILE);
  if (!existsSync(path)) return undefined;
  const r = new YamlReader(
    YamlFile.read(
      scenario.dir,
      SIMULATION_FILE,
      relative(process.cwd(), path) || path,
      MAX_YAML_FILE_BYTES,
    ),
  );
  const banks = new Set(scenario.banks.map((b) => b.code));
  r.mapping([], TOP_KEYS);

  const victimsAt = ['victims'];
  const victims = Object.keys(r.mapping(victimsAt)).map((bankCode) => {
    if (!banks.has(bankCode))
      throw r.yf.error(
        [...victimsAt, bankCode],
        `unknown bank code ${describe(bankCode)}`,
        'declare it under banks in scenario.yaml',
      );
    return { bankCode, count: r.int([...victimsAt, bankCode], 1) };
  });
  if (victims.length === 0)
    throw r.yf.error(
      victimsAt,
      'names no bank',
      'give each attacked bank its number of victims, e.g. BANK-A: 10',
    );

  r.mapping(['attack'], ATTACK_KEYS);
  const at = (k: string) => ['attack', k];
  const waves = r.list(at('waves')).map((_, i) => {
    const p = [...at('waves'), i];
    r.mapping(p, ['from', 'to', 'percent']);
    const from = r.instant([...p, 'from']);
    const to = r.instant([...p, 'to']);
    if (to <= from) throw r.yf.error([...p, 'to'], 'must be after from');
    return { from, to, percent: r.int([...p, 'percent'], 1, 100) };
  });
  if (waves.length === 0)
    throw r.yf.error(at('waves'), 'lists no wave', 'give at least one { from, to, percent: 100 }');
  const percents = waves.reduce((n, w) => n + w.percent, 0);
  if (percents !== 100) throw r.yf.error(at('waves'), `percents add up to ${percents}, not 100`);
  const chargeYen = {
    ...r.range(at('chargeYen'), 1, ['step']),
    step: r.int([...at('chargeYen'), 'step'], 1),
  };
  const chargesPerAccount = r.range(at('chargesPerAccount'), 1);
  const victimCount = victims.reduce((n, v) => n + BigInt(v.count), 0n);
  // Every sum a report makes stays exact while the most the attacks could charge does.
  if (victimCount * BigInt(chargesPerAccount.max) * BigInt(chargeYen.max) > MAX_SAFE)
    throw r.yf.error(
      [...at('chargeYen'), 'max'],
      `lets ${victimCount} victims be charged up to ${chargesPerAccount.max} times, more than ${Number.MAX_SAFE_INTEGER.toLocaleString('en-US')} yen in all`,
      'lower the victims, chargesPerAccount.max or chargeYen.max: every total is kept exact',
    );
  const merchants = r.list(at('merchants')).map((_, i) => r.text([...at('merchants'), i]));
  if (merchants.length === 0) throw r.yf.error(at('merchants'), 'lists no merchant category');

  const controls = r.list(['controls']).map((_, i) => {
    const p = ['controls', i];
    const m = r.mapping(p, CONTROL_KEYS);
    const control = r.text([...p, 'control']);
    if (!(CONTROLS as readonly string[]).includes(control))
      throw r.yf.error(
        [...p, 'control'],
        `must be one of ${CONTROLS.join(', ')}; got ${describe(control)}`,
      );
    const needsBank = control === 'stop-charges' || control === 'resume-charges';
    if (needsBank !== (m.bank !== undefined))
      throw r.yf.error(
        [...p, needsBank ? 'control' : 'bank'],
        needsBank ? `${control} needs bank:` : `${control} applies to every bank: remove bank:`,
      );
    const bank = needsBank ? r.text([...p, 'bank']) : undefined;
    if (bank !== undefined && !banks.has(bank))
      throw r.yf.error(
        [...p, 'bank'],
        `unknown bank code ${describe(bank)}`,
        'declare it under banks in scenario.yaml',
      );
    return {
      at: r.instant([...p, 'at']),
      control: control as ControlKind,
      ...(bank !== undefined && { bank }),
      reason: m.reason === undefined ? control : r.text([...p, 'reason']),
    };
  });

  return {
    file: r.yf.file,
    victims,
    attack: {
      waves,
      linkAttempts: r.range(at('linkAttempts'), 1),
      minutesBetweenAttempts: r.range(at('minutesBetweenAttempts'), 0),
      knowsCredentialsPercent: r.int(at('knowsCredentialsPercent'), 0, 100),
      hasSecondFactorPercent: r.int(at('hasSecondFactorPercent'), 0, 100),
      chargesPerAccount,
      chargeYen,
      minutesBetweenCharges: r.range(at('minutesBetweenCharges'), 0),
      spendPercent: r.range(at('spendPercent'), 0, [], 100),
      minutesToSpend: r.range(at('minutesToSpend'), 0),
      merchants,
    },
    reportAfterHours: r.range(['reportAfterHours'], 0),
    lockAfterHours: r.range(['lockAfterHours'], 0),
    controls,
  };
}
