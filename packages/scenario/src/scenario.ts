import {
  canonicalJson,
  describe,
  isEventType,
  isValidZone,
  nameUuid,
  parseInstant,
  validateEventData,
  ValidationError,
  EVENT_TYPES,
  figureDef,
  type EventDataMap,
  type FigureName,
  type LedgerEvent,
} from '@incident-ledger/core';
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ScenarioError } from './errors';
import { YamlFile } from './yaml-file';

export interface BankInfo {
  code: string;
  /** Only when a source names the bank; otherwise the neutral code stands alone. */
  name?: string;
  auth: 'weak' | 'strong';
  note?: string;
}

export interface SourceInfo {
  id: string;
  title: string;
  published: string;
  note?: string;
}

export interface Scenario {
  dir: string;
  id: string;
  title: string;
  timeZone: string;
  description?: string;
  banks: BankInfo[];
  sources: SourceInfo[];
  /** Every event, in the order they are appended: by recordedAt, then as written. */
  events: LedgerEvent[];
}

const SCENARIO_KEYS = ['id', 'title', 'description', 'timeZone', 'banks', 'sources', 'eventFiles'];
const BANK_KEYS = ['code', 'name', 'auth', 'note'];
const SOURCE_KEYS = ['id', 'title', 'published', 'note'];
const EVENT_FILE_KEYS = ['generated', 'events'];
const EVENT_KEYS = ['key', 'type', 'stream', 'occurredAt', 'recordedAt', 'data'];
/** Event data fields that name a bank: each must be declared under `banks`. */
const BANK_FIELDS = ['bankCode'];

/**
 * Loads a scenario folder: scenario.yaml plus the event files it lists. Everything is validated
 * before anything is returned, so an import is all or nothing; the first problem is thrown as a
 * ScenarioError naming the file, line and field.
 */
export function loadScenario(dir: string): Scenario {
  const shown = (file: string) => relative(process.cwd(), file) || file;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ScenarioError(
      shown(dir),
      undefined,
      undefined,
      [],
      'scenario folder not found',
      'pass a folder that holds a scenario.yaml, e.g. scenarios/docomo-kouza-2020',
    );
  }
  const mainPath = join(dir, 'scenario.yaml');
  const main = YamlFile.read(mainPath, shown(mainPath));
  const raw = asMapping(main, [], main.toJS(), SCENARIO_KEYS);

  const id = requireText(main, raw, ['id']);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id))
    throw main.error(['id'], `must be lower-case letters, digits and dashes, got ${describe(id)}`);
  const timeZone = requireText(main, raw, ['timeZone']);
  if (!isValidZone(timeZone))
    throw main.error(
      ['timeZone'],
      `unknown time zone ${describe(timeZone)}`,
      'use an IANA zone name such as Asia/Tokyo (not an abbreviation like JST or an offset like UTC+9)',
    );

  const banks = asList(main, ['banks'], raw.banks).map((b, i) => {
    const m = asMapping(main, ['banks', i], b, BANK_KEYS);
    const auth = m.auth ?? 'weak';
    if (auth !== 'weak' && auth !== 'strong')
      throw main.error(['banks', i, 'auth'], `must be weak or strong, got ${describe(auth)}`);
    return {
      code: requireId(main, m, ['banks', i, 'code']),
      ...(m.name !== undefined && { name: requireText(main, m, ['banks', i, 'name']) }),
      auth,
      ...(m.note !== undefined && { note: requireText(main, m, ['banks', i, 'note']) }),
    } as BankInfo;
  });
  const bankCodes = new Set<string>();
  banks.forEach((b, i) => {
    if (bankCodes.has(b.code))
      throw main.error(['banks', i, 'code'], `bank code ${b.code} is declared twice`);
    bankCodes.add(b.code);
  });

  const sources = asList(main, ['sources'], raw.sources).map((s, i) => {
    const m = asMapping(main, ['sources', i], s, SOURCE_KEYS);
    return {
      id: requireText(main, m, ['sources', i, 'id']),
      title: requireText(main, m, ['sources', i, 'title']),
      published: requireText(main, m, ['sources', i, 'published']),
      ...(m.note !== undefined && { note: requireText(main, m, ['sources', i, 'note']) }),
    };
  });
  const sourceIds = new Set<string>();
  sources.forEach((s, i) => {
    if (sourceIds.has(s.id))
      throw main.error(['sources', i, 'id'], `source id ${s.id} is declared twice`);
    sourceIds.add(s.id);
  });

  const files = asList(main, ['eventFiles'], raw.eventFiles).map((f, i) => {
    if (typeof f !== 'string' || f === '')
      throw main.error(['eventFiles', i], `must be a file path, got ${describe(f)}`);
    return f;
  });
  if (files.length === 0)
    throw main.error(
      ['eventFiles'],
      'lists no event files',
      'list the YAML files that hold the events, e.g. - events/cases.yaml',
    );

  const seen = new Map<string, { content: string; where: string }>();
  const publicationIds = new Map<string, string>();
  const events: LedgerEvent[] = [];
  for (const [fileIndex, f] of files.entries()) {
    const path = join(dir, f);
    if (!existsSync(path))
      throw main.error(
        ['eventFiles', fileIndex],
        `event file ${f} not found`,
        `create ${shown(path)} or remove it from eventFiles`,
      );
    const yf = YamlFile.read(path, shown(path));
    const top = asMapping(yf, [], yf.toJS(), EVENT_FILE_KEYS);
    const ordinals = new Map<string, number>();
    for (const [i, entry] of asList(yf, ['events'], top.events).entries()) {
      const at = ['events', i];
      const e = asMapping(yf, at, entry, EVENT_KEYS);
      const type = e.type;
      if (!isEventType(type)) {
        throw yf.error(
          [...at, 'type'],
          `unknown event type ${describe(type)}`,
          `use one of: ${EVENT_TYPES.join(', ')}`,
        );
      }
      const streamId = requireText(yf, e, [...at, 'stream']);
      const occurredAt = instant(yf, e.occurredAt, [...at, 'occurredAt']);
      const recordedAt =
        e.recordedAt === undefined ? occurredAt : instant(yf, e.recordedAt, [...at, 'recordedAt']);
      if (recordedAt < occurredAt) {
        throw yf.error(
          [...at, 'recordedAt'],
          'is before occurredAt: the ledger cannot learn of something before it happens',
        );
      }
      const data = validated(yf, () =>
        validateEventData(type, e.data, [...at, 'data'], parseInstant),
      );
      for (const field of BANK_FIELDS) {
        const code = (data as Record<string, unknown>)[field];
        if (typeof code === 'string' && !bankCodes.has(code)) {
          throw yf.error(
            [...at, 'data', field],
            `unknown bank code ${describe(code)}`,
            'declare it under banks in scenario.yaml',
          );
        }
      }
      if (type === 'FiguresPublished') {
        const publication = data as EventDataMap['FiguresPublished'];
        checkPublication(yf, at, publication, sourceIds, bankCodes);
        const key = e.key === undefined ? undefined : String(e.key);
        const first = publicationIds.get(publication.publicationId);
        if (first !== undefined && first !== key) {
          throw yf.error(
            [...at, 'data', 'publicationId'],
            `publication id ${publication.publicationId} is used by another publication (key ${first})`,
            'give each publication its own publicationId',
          );
        }
        publicationIds.set(publication.publicationId, key ?? '');
      }
      const ordinal = ordinals.get(streamId) ?? 0;
      ordinals.set(streamId, ordinal + 1);
      const key =
        e.key === undefined ? `${f}/${streamId}#${ordinal}` : requireText(yf, e, [...at, 'key']);
      const event: LedgerEvent = {
        eventId: nameUuid(`${id}/${key}`),
        streamId,
        type,
        occurredAt,
        recordedAt,
        data,
      };
      const content = canonicalJson(event);
      const where = `${yf.file}:${yf.locate(at).line ?? '?'}`;
      const before = seen.get(key);
      if (before) {
        if (before.content !== content) {
          throw yf.error(
            [...at, 'key'],
            `event key ${describe(key)} is used again with different content (first at ${before.where})`,
            'give each event its own key',
          );
        }
        continue; // the same event written twice is one event
      }
      seen.set(key, { content, where });
      events.push(event);
    }
  }
  // Append order is the order the ledger learned things; ties keep the order they were written in.
  const order = events.map((e, i) => ({ e, i }));
  order.sort((a, b) => a.e.recordedAt - b.e.recordedAt || a.i - b.i);
  return {
    dir,
    id,
    title: requireText(main, raw, ['title']),
    timeZone,
    ...(raw.description !== undefined && { description: requireText(main, raw, ['description']) }),
    banks,
    sources,
    events: order.map((x) => x.e),
  };
}

/**
 * What the schema cannot say alone: sources and banks are declared, each figure has the qualifiers
 * it needs.
 */
function checkPublication(
  yf: YamlFile,
  at: (string | number)[],
  data: EventDataMap['FiguresPublished'],
  sources: Set<string>,
  banks: Set<string>,
) {
  if (!sources.has(data.source))
    throw yf.error(
      [...at, 'data', 'source'],
      `unknown source ${describe(data.source)}`,
      'declare it under sources in scenario.yaml',
    );
  data.figures.forEach((f, i) => {
    const path = [...at, 'data', 'figures', i];
    const def = figureDef(f.name as FigureName);
    if (def.requires?.includes('bank') && f.bank === undefined)
      throw yf.error(
        [...path, 'name'],
        `figure ${f.name} is about one bank: give its code as bank:`,
      );
    if (def.requires?.includes('since') && f.since === undefined)
      throw yf.error(
        [...path, 'name'],
        `figure ${f.name} counts over a window: give its start as since:`,
      );
    if (f.since !== undefined && def.since === 'none')
      throw yf.error(
        [...path, 'since'],
        `figure ${f.name} has no meaningful change over a window`,
        'state it at each as-of time instead',
      );
    if (f.precision > 1 && f.rounding === 'exact')
      throw yf.error(
        [...path, 'precision'],
        `precision ${f.precision} is given without rounding`,
        'say how the publisher rounded: rounding: floor, round or ceil',
      );
    if (f.bank !== undefined && !def.requires?.includes('bank'))
      throw yf.error(
        [...path, 'bank'],
        `figure ${f.name} is not about one bank`,
        'remove bank:, or use a per-bank figure such as bankStoppedCharges',
      );
    if (f.bank !== undefined && !banks.has(f.bank))
      throw yf.error(
        [...path, 'bank'],
        `unknown bank code ${describe(f.bank)}`,
        'declare it under banks in scenario.yaml',
      );
    const asOf = f.asOf ?? data.asOf;
    if (f.since !== undefined && f.since >= asOf)
      throw yf.error([...path, 'since'], "must be before the figure's as-of time");
  });
}

function validated<T>(yf: YamlFile, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ValidationError) throw yf.error(e.path, e.problem, e.hint);
    throw e;
  }
}

function instant(yf: YamlFile, v: unknown, path: (string | number)[]): number {
  return validated(yf, () => parseInstant(v, path));
}

function asMapping(
  yf: YamlFile,
  path: (string | number)[],
  v: unknown,
  keys: readonly string[],
): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw yf.error(path, `must be a mapping, got ${describe(v)}`);
  for (const k of Object.keys(v)) {
    if (!keys.includes(k))
      throw yf.error([...path, k], 'unknown key', `expected one of: ${keys.join(', ')}`);
  }
  return v as Record<string, unknown>;
}

function asList(yf: YamlFile, path: (string | number)[], v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw yf.error(path, `must be a list, got ${describe(v)}`);
  return v;
}

function requireId(yf: YamlFile, m: Record<string, unknown>, path: (string | number)[]): string {
  const v = requireText(yf, m, path);
  if (v !== v.trim()) throw yf.error(path, `must not start or end with spaces, got ${describe(v)}`);
  return v;
}

function requireText(yf: YamlFile, m: Record<string, unknown>, path: (string | number)[]): string {
  const v = m[path[path.length - 1] as string];
  if (typeof v !== 'string' || v.trim() === '')
    throw yf.error(
      path,
      v === undefined ? 'is required' : `must be non-empty text, got ${describe(v)}`,
    );
  return v;
}
