import {
  checkId,
  checkText,
  describe,
  isEventType,
  isValidZone,
  type EventType,
  type LedgerEvent,
} from '@incident-ledger/core';
import { existsSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { ScenarioError, validated } from './errors';
import { EventFiles, type EventFileSpec } from './event-files';
import { MAX_YAML_FILE_BYTES, type EventFileFormat, type LoadOptions } from './limits';
import { YamlFile } from './yaml-file';

export interface BankInfo {
  code: string;
  /** Only when a source names the bank; otherwise the neutral code stands alone. */
  name?: string;
  auth: 'weak' | 'strong';
  note?: string;
}

/** A payment service (wallet operator) through which accounts were linked and charged. */
export interface OperatorInfo {
  code: string;
  /** Only when a source names the operator in that role. */
  name?: string;
  /** The declared sources that name it. */
  sources: string[];
  note?: string;
}

export interface SourceInfo {
  id: string;
  title: string;
  published: string;
  note?: string;
}

/** What scenario.yaml says of an incident, apart from its events. */
export interface ScenarioInfo {
  dir: string;
  id: string;
  title: string;
  timeZone: string;
  description?: string;
  banks: BankInfo[];
  /** Empty when the scenario declares none: one implicit operator. */
  operators: OperatorInfo[];
  sources: SourceInfo[];
}

export interface Scenario extends ScenarioInfo {
  /** Every event, in the order they are appended: by recordedAt, then as written. */
  events: LedgerEvent[];
}

/**
 * A scenario whose events are read as they are needed: from NDJSON and CSV files of any size, in
 * memory bounded by a batch (and by the YAML files). Run `batches()` once to validate everything
 * before anything is appended, then again to import: see EventFiles.
 */
export interface StreamedScenario extends ScenarioInfo {
  readonly eventFiles: EventFiles;
}

const SCENARIO_KEYS = [
  'id',
  'title',
  'description',
  'timeZone',
  'banks',
  'operators',
  'sources',
  'eventFiles',
];
const BANK_KEYS = ['code', 'name', 'auth', 'note'];
const OPERATOR_KEYS = ['code', 'name', 'sources', 'note'];
const SOURCE_KEYS = ['id', 'title', 'published', 'note'];
const EVENT_FILE_ENTRY_KEYS = ['path', 'type'];
/** Event file formats by extension; any other is YAML. */
const FORMATS: Record<string, EventFileFormat> = { '.ndjson': 'ndjson', '.csv': 'csv' };

/**
 * Loads a scenario folder: scenario.yaml plus the event files it lists, every event in memory.
 * Everything is validated before anything is returned; the first problem is thrown as a
 * ScenarioError naming the file, line and field. For scenarios too large to hold, openScenario.
 */
export function loadScenario(dir: string, options: LoadOptions = {}): Scenario {
  const { eventFiles, ...info } = openScenario(dir, options);
  const events = [...eventFiles.events()];
  // The first run learns which events are one event written twice: read again without them.
  return { ...info, events: eventFiles.hasRepeats() ? [...eventFiles.events()] : events };
}

/**
 * Reads scenario.yaml and checks that every event file it lists can be read (inside the folder, a
 * regular file within its limit); the events are read when asked for (StreamedScenario).
 */
export function openScenario(dir: string, options: LoadOptions = {}): StreamedScenario {
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
  const main = YamlFile.read(
    dir,
    'scenario.yaml',
    shown(join(dir, 'scenario.yaml')),
    options.maxFileBytes ?? MAX_YAML_FILE_BYTES,
  );
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
      throw main.error(['banks', i, 'code'], `bank code ${describe(b.code)} is declared twice`);
    bankCodes.add(b.code);
  });

  const sources = asList(main, ['sources'], raw.sources).map((s, i) => {
    const m = asMapping(main, ['sources', i], s, SOURCE_KEYS);
    return {
      id: requireId(main, m, ['sources', i, 'id']),
      title: requireText(main, m, ['sources', i, 'title']),
      published: requireText(main, m, ['sources', i, 'published']),
      ...(m.note !== undefined && { note: requireText(main, m, ['sources', i, 'note']) }),
    };
  });
  const sourceIds = new Set<string>();
  sources.forEach((s, i) => {
    if (sourceIds.has(s.id))
      throw main.error(['sources', i, 'id'], `source id ${describe(s.id)} is declared twice`);
    sourceIds.add(s.id);
  });

  const operators = asList(main, ['operators'], raw.operators).map((o, i) => {
    const m = asMapping(main, ['operators', i], o, OPERATOR_KEYS);
    const sources = asList(main, ['operators', i, 'sources'], m.sources).map((id, j) => {
      const at = ['operators', i, 'sources', j];
      const source = validated(main, () => checkId(id, at));
      if (!sourceIds.has(source))
        throw main.error(at, `unknown source ${describe(source)}`, 'declare it under sources');
      return source;
    });
    return {
      code: requireId(main, m, ['operators', i, 'code']),
      ...(m.name !== undefined && { name: requireText(main, m, ['operators', i, 'name']) }),
      sources,
      ...(m.note !== undefined && { note: requireText(main, m, ['operators', i, 'note']) }),
    } as OperatorInfo;
  });
  const operatorCodes = new Set<string>();
  operators.forEach((o, i) => {
    if (operatorCodes.has(o.code))
      throw main.error(
        ['operators', i, 'code'],
        `operator code ${describe(o.code)} is declared twice`,
      );
    operatorCodes.add(o.code);
  });

  const specs = asList(main, ['eventFiles'], raw.eventFiles).map((f, i) =>
    eventFile(main, f, i, (path) => shown(join(dir, path))),
  );
  if (specs.length === 0)
    throw main.error(
      ['eventFiles'],
      'lists no event files',
      'list the files that hold the events, e.g. - events/cases.yaml',
    );

  const info: ScenarioInfo = {
    dir,
    id,
    title: requireText(main, raw, ['title']),
    timeZone,
    ...(raw.description !== undefined && { description: requireText(main, raw, ['description']) }),
    banks,
    operators,
    sources,
  };
  const eventFiles = new EventFiles(
    dir,
    specs,
    { id, bankCodes, operatorCodes, sourceIds },
    options,
  );
  eventFiles.check();
  return { ...info, eventFiles };
}

/** An entry of eventFiles: a path, or `{ path, type }` for a CSV file of one event type. */
function eventFile(
  main: YamlFile,
  entry: unknown,
  i: number,
  shown: (path: string) => string,
): EventFileSpec {
  const at = ['eventFiles', i];
  const m =
    entry !== null && typeof entry === 'object' && !Array.isArray(entry)
      ? asMapping(main, at, entry, EVENT_FILE_ENTRY_KEYS)
      : { path: entry };
  const pathAt = typeof entry === 'string' ? at : [...at, 'path'];
  if (typeof m.path !== 'string')
    throw main.error(pathAt, `must be a file path, got ${describe(m.path)}`);
  const path = validated(main, () => checkId(m.path, pathAt));
  const format = FORMATS[extname(path).toLowerCase()] ?? 'yaml';
  let type: EventType | undefined;
  if (m.type !== undefined) {
    if (format !== 'csv')
      throw main.error([...at, 'type'], 'only a CSV file declares the type of its events');
    if (!isEventType(m.type))
      throw main.error([...at, 'type'], `unknown event type ${describe(m.type)}`);
    type = m.type;
  }
  return {
    path,
    shown: shown(path),
    format,
    ...(type !== undefined && { type }),
    refused: (problem, hint) => main.error(pathAt, problem, hint),
  };
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

/** An id (core charset.ts): a bank code, a source id. */
function requireId(yf: YamlFile, m: Record<string, unknown>, path: (string | number)[]): string {
  if (m[path[path.length - 1] as string] === undefined) throw yf.error(path, 'is required');
  return validated(yf, () => checkId(m[path[path.length - 1] as string], path));
}

/** Non-empty text (core charset.ts): a title, a name, a note. */
function requireText(yf: YamlFile, m: Record<string, unknown>, path: (string | number)[]): string {
  const v = m[path[path.length - 1] as string];
  if (typeof v !== 'string' || v.trim() === '')
    throw yf.error(
      path,
      v === undefined ? 'is required' : `must be non-empty text, got ${describe(v)}`,
    );
  return validated(yf, () => checkText(v, path));
}
