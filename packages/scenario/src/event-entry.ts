import {
  checkId,
  describe,
  EVENT_TYPES,
  FIGURE_NAMES,
  figureDef,
  isEventType,
  nameUuid,
  parseInstant,
  takesBank,
  takesOperator,
  takesStatus,
  validateEventData,
  didYouMean,
  type EventDataMap,
  type EventType,
  type FigureName,
  type LedgerEvent,
} from '@incident-ledger/core';
import { validated, type Locator } from './errors';

/** One event as a file holds it, before validation, whatever the file's format. */
export interface RawEvent extends Locator {
  /** Its fields as parsed: key, type, stream, occurredAt, recordedAt, data. */
  fields: unknown;
  /** The line it starts on. Its error() locates a path inside it (`['data', 'amountYen']`). */
  line: number;
}

/** What every event is checked against: the scenario's id and declarations. */
export interface ScenarioDeclarations {
  id: string;
  bankCodes: ReadonlySet<string>;
  /** Declared operators; with two or more, every event of OPERATOR_EVENTS must name one. */
  operatorCodes: ReadonlySet<string>;
  sourceIds: ReadonlySet<string>;
}

export const EVENT_KEYS = ['key', 'type', 'stream', 'occurredAt', 'recordedAt', 'data'];
/** Event data fields that name a bank: each must be declared under `banks`. */
const BANK_FIELDS = ['bankCode'];
/**
 * Events that happen through one payment service: with several operators declared, which one is
 * part of what happened; with one (or none), it goes without saying.
 */
const OPERATOR_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  'BankAccountLinked',
  'BankLinkRejected',
  'ChargeExecuted',
  'ChargeRejected',
  'CaseReported',
]);
/** Every sum a report makes of these fields stays exact while their total does. */
const SUMMED_FIELDS = [
  ['amountYen', "the scenario's amounts", 'yen'],
  ['count', "the scenario's inquiry counts", 'inquiries'],
] as const;

/**
 * The one validation of an event, for every format: the envelope (type, stream, times, key), the
 * data (core's validateEventData), declared banks and sources, publications, and the bound on
 * sums. One checker reads one scenario: it remembers publication ids and running totals.
 */
export class EventChecker {
  private readonly publicationIds = new Map<string, string>();
  private readonly totals = SUMMED_FIELDS.map(() => 0);

  constructor(private readonly scenario: ScenarioDeclarations) {}

  /**
   * The event, validated; its key is `autoKey(stream)` when it gives none (YAML files), and
   * required when autoKey is undefined (NDJSON and CSV files). autoKey is called for every event,
   * keyed or not: an event's place in its stream counts them all.
   */
  check(
    raw: RawEvent,
    autoKey: ((stream: string) => string) | undefined,
  ): { event: LedgerEvent; key: string } {
    const e = fieldsOf(raw);
    const type = e.type;
    if (!isEventType(type))
      throw raw.error(
        ['type'],
        e.type === undefined ? 'is required' : `unknown event type ${describe(type)}`,
        `use one of: ${EVENT_TYPES.join(', ')}`,
      );
    const streamId = validated(raw, () => checkId(e.stream, ['stream']));
    const occurredAt = validated(raw, () => parseInstant(e.occurredAt, ['occurredAt']));
    const recordedAt =
      e.recordedAt === undefined
        ? occurredAt
        : validated(raw, () => parseInstant(e.recordedAt, ['recordedAt']));
    if (recordedAt < occurredAt)
      throw raw.error(
        ['recordedAt'],
        'is before occurredAt: the ledger cannot learn of something before it happens',
      );
    const data = validated(raw, () => validateEventData(type, e.data, ['data'], parseInstant));
    const fields = data as Record<string, unknown>;
    for (const field of BANK_FIELDS) {
      const code = fields[field];
      if (typeof code === 'string' && !this.scenario.bankCodes.has(code))
        throw raw.error(
          ['data', field],
          `unknown bank code ${describe(code)}`,
          'declare it under banks in scenario.yaml',
        );
    }
    this.checkOperator(raw, type, fields.operatorCode);
    SUMMED_FIELDS.forEach(([field, what, unit], i) => {
      const v = fields[field];
      if (typeof v !== 'number') return;
      this.totals[i]! += v;
      if (this.totals[i]! > Number.MAX_SAFE_INTEGER)
        throw raw.error(
          ['data', field],
          `brings ${what} to more than ${Number.MAX_SAFE_INTEGER.toLocaleString('en-US')} ${unit}`,
          `every total is kept exact: the ${field} of all events together must stay within 2^53 - 1; split the incident into several scenarios`,
        );
    });
    if (e.key === undefined && autoKey === undefined)
      throw raw.error(
        ['key'],
        'is required in NDJSON and CSV files',
        'give every event a key, e.g. C1/charge-2: its id is made from it',
      );
    const auto = autoKey?.(streamId); // for every event: keyed ones count in their stream too
    const key = e.key === undefined ? auto! : validated(raw, () => checkId(e.key, ['key']));
    if (type === 'FiguresPublished')
      this.checkPublication(raw, data as EventDataMap['FiguresPublished'], key, occurredAt, e);
    const event: LedgerEvent = {
      eventId: nameUuid(`${this.scenario.id}/${key}`),
      streamId,
      type,
      occurredAt,
      recordedAt,
      data,
    };
    return { event, key };
  }

  /** An operator code names a declared operator, and is given where several could be meant. */
  private checkOperator(raw: RawEvent, type: EventType, code: unknown): void {
    const declared = this.scenario.operatorCodes;
    if (code === undefined) {
      if (declared.size > 1 && OPERATOR_EVENTS.has(type))
        throw raw.error(
          ['data', 'operatorCode'],
          `is required: the scenario declares ${declared.size} operators`,
          `name the payment service this ${type} went through: one of ${[...declared].join(', ')}`,
        );
      return;
    }
    if (typeof code === 'string' && !declared.has(code))
      throw raw.error(
        ['data', 'operatorCode'],
        `unknown operator code ${describe(code)}${didYouMean(code, [...declared])}`,
        'declare it under operators in scenario.yaml',
      );
  }

  /**
   * What the schema cannot say alone: sources and banks are declared, each figure has the
   * qualifiers it needs, and a publication id names one publication.
   */
  private checkPublication(
    raw: RawEvent,
    data: EventDataMap['FiguresPublished'],
    key: string,
    publishedAt: number,
    e: Record<string, unknown>,
  ) {
    // A publication states what its publisher knew when it was published (occurredAt): figures
    // as of a later time would be checked against events it could not have known.
    const later = (path: (string | number)[]) =>
      raw.error(
        path,
        `is after the publication's own time (occurredAt ${describe(e.occurredAt)}): a publication cannot state figures as of a later time`,
        'set asOf at or before occurredAt, or occurredAt to when the figures were published',
      );
    if (data.asOf > publishedAt) throw later(['data', 'asOf']);
    if (!this.scenario.sourceIds.has(data.source))
      throw raw.error(
        ['data', 'source'],
        `unknown source ${describe(data.source)}`,
        'declare it under sources in scenario.yaml',
      );
    data.figures.forEach((f, i) => {
      const path = ['data', 'figures', i];
      const def = figureDef(f.name as FigureName);
      if (def.requires?.includes('bank') && f.bank === undefined)
        throw raw.error(
          [...path, 'name'],
          `figure ${f.name} is about one bank: give its code as bank:`,
        );
      if (def.requires?.includes('since') && f.since === undefined)
        throw raw.error(
          [...path, 'name'],
          `figure ${f.name} counts over a window: give its start as since:`,
        );
      if (f.since !== undefined && def.since === 'none')
        throw raw.error(
          [...path, 'since'],
          `figure ${f.name} has no meaningful change over a window`,
          'state it at each as-of time instead',
        );
      if (f.precision > 1 && f.rounding === 'exact')
        throw raw.error(
          [...path, 'precision'],
          `precision ${f.precision} is given without rounding`,
          'say how the publisher rounded: rounding: floor, round or ceil',
        );
      if (f.bank !== undefined && !takesBank(f.name as FigureName))
        throw raw.error(
          [...path, 'bank'],
          `figure ${f.name} is not about one bank`,
          `remove bank:, or use a figure that takes it: ${FIGURE_NAMES.filter(takesBank).join(', ')}`,
        );
      if (f.operator !== undefined && !takesOperator(f.name as FigureName))
        throw raw.error(
          [...path, 'operator'],
          `figure ${f.name} is not about one operator`,
          `remove operator:, or use a figure that takes it: ${FIGURE_NAMES.filter(takesOperator).join(', ')}`,
        );
      if (f.operator !== undefined && f.status !== undefined)
        throw raw.error(
          [...path, 'operator'],
          'a figure is about one operator or about the cases of one status, not both',
          'state the two figures apart',
        );
      if (f.operator !== undefined && !this.scenario.operatorCodes.has(f.operator))
        throw raw.error(
          [...path, 'operator'],
          `unknown operator code ${describe(f.operator)}${didYouMean(f.operator, [...this.scenario.operatorCodes])}`,
          'declare it under operators in scenario.yaml',
        );
      if (f.status !== undefined && !takesStatus(f.name as FigureName))
        throw raw.error(
          [...path, 'status'],
          `figure ${f.name} is not about the cases of one status`,
          `remove status:, or use a figure that takes it: ${FIGURE_NAMES.filter(takesStatus).join(', ')}`,
        );
      if (f.bank !== undefined && !this.scenario.bankCodes.has(f.bank))
        throw raw.error(
          [...path, 'bank'],
          `unknown bank code ${describe(f.bank)}`,
          'declare it under banks in scenario.yaml',
        );
      if (f.asOf !== undefined && f.asOf > publishedAt) throw later([...path, 'asOf']);
      const asOf = f.asOf ?? data.asOf;
      if (f.since !== undefined && f.since >= asOf)
        throw raw.error([...path, 'since'], "must be before the figure's as-of time");
    });
    const first = this.publicationIds.get(data.publicationId);
    if (first !== undefined && first !== key)
      throw raw.error(
        ['data', 'publicationId'],
        `publication id ${describe(data.publicationId)} is used by another publication (key ${describe(first)})`,
        'give each publication its own publicationId',
      );
    this.publicationIds.set(data.publicationId, key);
  }
}

function fieldsOf(raw: RawEvent): Record<string, unknown> {
  const v = raw.fields;
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw raw.error([], `must be a mapping, got ${describe(v)}`);
  for (const k of Object.keys(v))
    if (!EVENT_KEYS.includes(k))
      throw raw.error([k], 'unknown key', `expected one of: ${EVENT_KEYS.join(', ')}`);
  return v as Record<string, unknown>;
}
