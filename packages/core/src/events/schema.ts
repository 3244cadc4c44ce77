import { figureDef, FIGURE_NAMES, type FigureName } from '../projections/figures';
import { didYouMean } from '../text/suggest';
import { charsetHint, codePoints, idProblem, textProblem } from './charset';
import { AUTH_FACTORS, CASE_STATUSES, ROUNDINGS, type EventDataMap, type EventType } from './types';

/**
 * Validation at the boundary. One small declarative schema per event type, one validator:
 * every error names the field path and says how to fix it. Unknown keys are errors.
 */

export class ValidationError extends Error {
  constructor(
    /** Path of the offending field, e.g. ['data', 'amountYen']. */
    readonly path: (string | number)[],
    readonly problem: string,
    readonly hint?: string,
  ) {
    super(`${formatPath(path)}: ${problem}${hint ? ` (${hint})` : ''}`);
    this.name = 'ValidationError';
  }
}

/**
 * `events[3].data.amountYen`. A key that is not a plain name (too long, or holding what a terminal
 * would act on) is quoted as describe quotes values: `events[3]["\u001b[2J"]`.
 */
export function formatPath(path: (string | number)[]): string {
  return (
    path.reduce<string>(
      (s, p) =>
        typeof p === 'number'
          ? `${s}[${p}]`
          : !PLAIN_KEY.test(p)
            ? `${s}[${describe(p)}]`
            : s
              ? `${s}.${p}`
              : p,
      '',
    ) || '(root)'
  );
}
const PLAIN_KEY = /^[\p{L}\p{N}_$-]{1,60}$/u;

/**
 * Converts an input instant (ISO text with zone) to epoch ms; supplied by the caller so core stays
 * parse-agnostic.
 */
export type InstantParser = (value: unknown, path: (string | number)[]) => number;

type Field =
  | { kind: 'id' }
  | { kind: 'text' }
  | { kind: 'yen' }
  | { kind: 'count' }
  | { kind: 'whole' }
  | { kind: 'positive' }
  | { kind: 'instant' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list'; of: Field }
  | { kind: 'object'; fields: Shape };
interface Shape {
  [key: string]: Field | { optional: Field };
}

const id: Field = { kind: 'id' };
const text: Field = { kind: 'text' };
const yen: Field = { kind: 'yen' };
const enumOf = (values: readonly string[]): Field => ({ kind: 'enum', values });
const opt = (f: Field) => ({ optional: f });

const figure: Field = {
  kind: 'object',
  fields: {
    name: enumOf(FIGURE_NAMES),
    /** 0 or more, but for a change since an earlier time (figureSigns). */
    value: { kind: 'whole' },
    precision: opt({ kind: 'positive' }),
    rounding: opt(enumOf(ROUNDINGS)),
    asOf: opt({ kind: 'instant' }),
    since: opt({ kind: 'instant' }),
    bank: opt(id),
    operator: opt(id),
    status: opt(enumOf(CASE_STATUSES)),
    note: opt(text),
  },
};
const factors: Field = { kind: 'list', of: enumOf(AUTH_FACTORS) };

export const EVENT_SCHEMAS: { [T in EventType]: Shape } = {
  WalletOpened: { walletId: id, openedBy: enumOf(['holder', 'third-party']) },
  BankAccountLinked: { walletId: id, bankCode: id, accountId: id, factors, operatorCode: opt(id) },
  BankLinkRejected: {
    walletId: id,
    bankCode: id,
    accountId: id,
    factors,
    reason: text,
    operatorCode: opt(id),
  },
  ChargeExecuted: {
    walletId: id,
    bankCode: id,
    accountId: id,
    amountYen: yen,
    operatorCode: opt(id),
  },
  ChargeRejected: {
    walletId: id,
    bankCode: id,
    accountId: id,
    amountYen: yen,
    reason: text,
    operatorCode: opt(id),
  },
  PurchaseMade: { walletId: id, amountYen: yen, merchantCategory: id },
  PurchaseRejected: { walletId: id, amountYen: yen, merchantCategory: id, reason: text },
  WalletLocked: { walletId: id, reason: text },
  NewLinkingSuspended: { reason: text, bankCode: opt(id), operatorCode: opt(id) },
  NewLinkingResumed: { reason: text, bankCode: opt(id), operatorCode: opt(id) },
  BankLinkPolicySet: { bankCode: id, requiredFactors: factors, operatorCode: opt(id) },
  BankChargesStopped: { bankCode: opt(id), operatorCode: opt(id) },
  BankChargesResumed: { bankCode: opt(id), operatorCode: opt(id) },
  EkycRequired: { reason: text },
  EkycCompleted: { walletId: id },
  CaseReported: {
    caseId: id,
    bankCode: id,
    accountId: id,
    status: opt(enumOf(['suspected', 'confirmed'])),
    operatorCode: opt(id),
  },
  CaseReclassified: { caseId: id, status: enumOf(CASE_STATUSES), reason: text },
  CompensationStarted: { reason: text },
  CompensationPaid: { caseId: id, amountYen: yen, paidBy: enumOf(['operator', 'bank']) },
  InquiriesReceived: {
    channel: id,
    count: { kind: 'count' },
    periodStart: { kind: 'instant' },
    periodEnd: { kind: 'instant' },
  },
  FiguresPublished: {
    publicationId: id,
    source: text,
    asOf: { kind: 'instant' },
    figures: { kind: 'list', of: figure },
  },
};

export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];

export function isEventType(t: unknown): t is EventType {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(EVENT_SCHEMAS, t);
}

/** Defaults filled in at the boundary, so stored events are always complete. */
const DEFAULTS: Partial<Record<string, Record<string, unknown>>> = {
  CaseReported: { status: 'confirmed' },
  'FiguresPublished.figures': { precision: 1, rounding: 'exact' },
};

/**
 * Validates `raw` as the data of an event of `type` and returns a normalised copy
 * (defaults filled, instants converted with `parseInstant`).
 */
export function validateEventData<T extends EventType>(
  type: T,
  raw: unknown,
  path: (string | number)[],
  parseInstant: InstantParser,
): EventDataMap[T] {
  const data = checkObject(EVENT_SCHEMAS[type], raw, path, parseInstant, type);
  for (const [start, end] of RANGES[type] ?? []) {
    if ((data[end] as number) < (data[start] as number))
      throw new ValidationError(
        [...path, end],
        `is before ${start}`,
        `a range ends at or after its start`,
      );
  }
  if (type === 'FiguresPublished') figureSigns(data as EventDataMap['FiguresPublished'], path);
  return data as EventDataMap[T];
}

/**
 * A figure is a count or a sum, 0 or more; only a change since an earlier time (a difference, as
 * figures.ts reads `since`) may go down: a correction lowering a count.
 */
function figureSigns(data: EventDataMap['FiguresPublished'], path: (string | number)[]): void {
  data.figures.forEach((f, i) => {
    const change = f.since !== undefined && (figureDef(f.name as FigureName).since ?? 'difference');
    if (f.value < 0 && change !== 'difference')
      throw new ValidationError(
        [...path, 'figures', i, 'value'],
        `must be 0 or more, got ${f.value}`,
        f.since === undefined
          ? 'only a change since an earlier time (give since:) may be below 0'
          : `figure ${f.name} is not read as a change since an earlier time`,
      );
  });
}

/** Pairs of instant fields that bound a range: the second must not precede the first. */
const RANGES: Partial<Record<EventType, [string, string][]>> = {
  InquiriesReceived: [['periodStart', 'periodEnd']],
};

/** A shape's fields, listed once: validation runs for every event loaded. */
const FIELDS = new WeakMap<Shape, [string, Field, boolean][]>();
function fieldsOf(shape: Shape): [string, Field, boolean][] {
  let fields = FIELDS.get(shape);
  if (fields === undefined) {
    fields = Object.entries(shape).map(([key, spec]) =>
      'optional' in spec ? [key, spec.optional, true] : [key, spec, false],
    );
    FIELDS.set(shape, fields);
  }
  return fields;
}
const NO_DEFAULTS: Record<string, unknown> = {};

function checkObject(
  shape: Shape,
  raw: unknown,
  path: (string | number)[],
  parse: InstantParser,
  defaultsKey: string,
) {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError(path, `must be a mapping, got ${describe(raw)}`);
  }
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(key in shape)) {
      throw new ValidationError(
        [...path, key],
        'unknown field',
        `expected one of: ${Object.keys(shape).join(', ')}`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  const defaults = DEFAULTS[defaultsKey] ?? NO_DEFAULTS;
  for (const [key, field, optional] of fieldsOf(shape)) {
    const value = input[key];
    if (value === undefined || value === null) {
      if (key in defaults) out[key] = defaults[key];
      else if (!optional) throw new ValidationError([...path, key], 'is required');
      continue;
    }
    out[key] = checkField(field, value, path, key, parse, defaultsKey);
  }
  return out;
}

/**
 * The value of field `key` of the object at `parent`, checked. The field's path is made only for
 * a message or a nested value: most fields are plain and valid.
 */
function checkField(
  f: Field,
  v: unknown,
  parent: (string | number)[],
  key: string | number,
  parse: InstantParser,
  defaultsKey: string,
): unknown {
  const path = () => [...parent, key];
  switch (f.kind) {
    case 'id':
      return typeof v === 'string' && idProblem(v) === undefined ? v : checkId(v, path());
    case 'text':
      return typeof v === 'string' && textProblem(v) === undefined ? v : checkText(v, path());
    case 'yen':
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
        throw new ValidationError(
          path(),
          `must be a whole, non-negative number of yen, got ${describe(v)}`,
          'money is integer yen: write 12000, not 12000.5, -12000 or "12,000"',
        );
      }
      return v;
    case 'count':
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
        throw new ValidationError(
          path(),
          `must be a whole, non-negative number, got ${describe(v)}`,
        );
      }
      return v;
    case 'whole':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
        throw new ValidationError(path(), `must be a whole number, got ${describe(v)}`);
      }
      return v;
    case 'positive':
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
        throw new ValidationError(
          path(),
          `must be a whole number of at least 1, got ${describe(v)}`,
        );
      }
      return v;
    case 'instant':
      return parse(v, path());
    case 'enum':
      if (typeof v !== 'string' || !f.values.includes(v)) {
        throw new ValidationError(
          path(),
          `must be one of ${f.values.join(', ')}; got ${describe(v)}${typeof v === 'string' ? didYouMean(v, f.values) : ''}`,
        );
      }
      return v;
    case 'list': {
      if (!Array.isArray(v))
        throw new ValidationError(path(), `must be a list, got ${describe(v)}`);
      const at = path();
      const itemsKey = `${defaultsKey}.${key}`;
      return v.map((item, i) => checkField(f.of, item, at, i, parse, itemsKey));
    }
    case 'object':
      return checkObject(
        f.fields,
        v,
        path(),
        parse,
        typeof key === 'number' ? defaultsKey : `${defaultsKey}.${key}`,
      );
  }
}

/** An id (charset.ts): non-empty, no surrounding spaces, printable characters only. */
export function checkId(v: unknown, path: (string | number)[]): string {
  if (typeof v !== 'string')
    throw new ValidationError(path, `must be a non-empty identifier, got ${describe(v)}`);
  const problem = idProblem(v);
  if (problem !== undefined)
    throw new ValidationError(path, `${problem}, got ${describe(v)}`, charsetHint('id'));
  return v;
}

/** Free text (charset.ts): no NUL, escapes or unpaired surrogates. */
export function checkText(v: unknown, path: (string | number)[]): string {
  if (typeof v !== 'string') throw new ValidationError(path, `must be text, got ${describe(v)}`);
  const problem = textProblem(v);
  if (problem !== undefined)
    throw new ValidationError(path, `${problem}, got ${describe(v)}`, charsetHint('text'));
  return v;
}

/** Longest excerpt of a value quoted in a message, in characters. */
export const MAX_QUOTED_CHARS = 60;
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const counted = new Intl.NumberFormat('en-US');

/**
 * A value as every message quotes it: text as a JSON string cut to MAX_QUOTED_CHARS characters
 * with its length (`"xxxx"… (52,428,800 characters)`), control and format characters escaped, so a
 * message stays short and a terminal shows it as written; other values by kind. The one place
 * values are described.
 */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') {
    const cut = excerpt(v);
    const quoted = JSON.stringify(cut).replace(UNPRINTABLE, (c) =>
      [...Array(c.length).keys()]
        .map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`)
        .join(''),
    );
    return cut === v ? quoted : `${quoted}… (${counted.format(codePoints(v))} characters)`;
  }
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  return String(v);
}

/** The first MAX_QUOTED_CHARS characters of `v`, never cutting a surrogate pair. */
function excerpt(v: string): string {
  if (v.length <= MAX_QUOTED_CHARS) return v;
  let end = 0;
  for (let n = 0; n < MAX_QUOTED_CHARS && end < v.length; n++) {
    const c = v.charCodeAt(end);
    end += c >= 0xd800 && c <= 0xdbff && end + 1 < v.length ? 2 : 1;
  }
  return v.slice(0, end);
}
