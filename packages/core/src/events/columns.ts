import type { CaseStatus, EventType, StoredEvent } from './types';
import { CASE_STATUSES } from './types';

/**
 * The columnar form of events: what the replay hot path folds instead of event objects.
 *
 * Every field a projection reads becomes a typed column; strings become dense integer keys from a
 * dictionary (one per domain), so a fold indexes typed arrays and never hashes a string. Keys are
 * numbered in order of first appearance in global order: a store that numbers them while it
 * appends and a reader that numbers them while it reads give the same numbers for the same history.
 */

/**
 * Type codes as stored. Append only: codes are written to disk. A type missing here (added to the
 * domain later) gets code 0 and travels as a rare event, in full.
 */
export const COLUMN_TYPES: readonly EventType[] = [
  'WalletOpened',
  'BankAccountLinked',
  'BankLinkRejected',
  'ChargeExecuted',
  'ChargeRejected',
  'PurchaseMade',
  'WalletLocked',
  'PurchaseRejected',
  'NewLinkingSuspended',
  'NewLinkingResumed',
  'BankLinkPolicySet',
  'BankChargesStopped',
  'BankChargesResumed',
  'EkycRequired',
  'EkycCompleted',
  'CaseReported',
  'CaseReclassified',
  'CompensationStarted',
  'CompensationPaid',
  'InquiriesReceived',
  'FiguresPublished',
];
const TYPE_CODES = new Map<string, number>(COLUMN_TYPES.map((t, i) => [t, i + 1]));

/** The code of a type (0: not a column type). */
function typeCode(type: string): number {
  return TYPE_CODES.get(type) ?? 0;
}
/** The code of a type the columns know; a compile-time name, so a typo fails at once. */
export function knownTypeCode(type: EventType): number {
  const code = TYPE_CODES.get(type);
  if (code === undefined) throw new Error(`event type ${type} has no column code`);
  return code;
}
export function typeOfCode(code: number): EventType | undefined {
  return COLUMN_TYPES[code - 1];
}

/**
 * Types whose data the columns cannot hold (a publication's figure list): rows carry them in full.
 */
const RARE_CODES: ReadonlySet<number> = new Set(['FiguresPublished' as const].map(knownTypeCode));

/**
 * Whether a row of this type code travels in full beside its columns: a rare type, or code 0 (a
 * type the columns do not know).
 */
export function isRareCode(code: number): boolean {
  return code === 0 || RARE_CODES.has(code);
}

/** Case status codes: index in CASE_STATUSES plus one; 0 is none. */
export function statusCode(status: unknown): number {
  return CASE_STATUSES.indexOf(status as CaseStatus) + 1;
}

export const KEY_DOMAINS = ['wallet', 'bank', 'account', 'case', 'category'] as const;
export type KeyDomain = (typeof KEY_DOMAINS)[number];
export const KEY_DOMAIN_COUNT = KEY_DOMAINS.length;
export const DOMAIN = {
  wallet: 0,
  bank: 1,
  account: 2,
  case: 3,
  category: 4,
} as const satisfies Record<KeyDomain, number>;

/**
 * An account is a bank's account: its key joins both, so that equal account numbers at two banks
 * differ. Two pairs cannot share a key: ids never hold NUL (charset.ts; charset.test.ts shows it).
 */
function accountKeyText(bankCode: string, accountId: string): string {
  return `${bankCode}\u0000${accountId}`;
}

/** Key names by number, for reports (bank codes, merchant categories). */
export interface KeyNames {
  name(domain: KeyDomain, id: number): string;
}

/** The typed array each kind of column is held in. */
export interface ColumnArrays {
  f64: Float64Array;
  i32: Int32Array;
  u8: Uint8Array;
}
export type ColumnKind = keyof ColumnArrays;
export const COLUMN_ARRAYS = { f64: Float64Array, i32: Int32Array, u8: Uint8Array } as const;

/** An event as the columns are derived from it (a stored event, or a row a store is writing). */
export interface ColumnSource {
  type: string;
  data: unknown;
  occurredAt: number;
  recordedAt: number;
}

/** One stored column: its name in a batch, its kind, and how an event gives its value. */
export interface ColumnSpec<K extends ColumnKind = ColumnKind> {
  readonly name: string;
  readonly kind: K;
  /** The key domain of a key column, whose text the integrity check compares too. */
  readonly domain?: KeyDomain;
  /** What `derive` reads, for the schema hash: change it whenever `derive` changes. */
  readonly from: string;
  /** Runs at append time (and when a reader encodes events itself), never in a fold. */
  derive(e: ColumnSource, d: Record<string, unknown>, keys: KeyDictionary): number;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const key = (keys: KeyDictionary, domain: number, text: string | undefined) =>
  text === undefined ? -1 : keys.id(domain, text);
/** A column of the key `read` gives; `from` names the field (`read` is its own function, so the
 * field access stays a fast named one). */
const keyColumn = <N extends string>(
  name: N,
  domain: KeyDomain,
  from: string,
  read: (d: Record<string, unknown>) => unknown,
) =>
  ({
    name,
    kind: 'i32',
    domain,
    from,
    derive: (_e, d, keys) => key(keys, DOMAIN[domain], str(read(d))),
  }) as const satisfies ColumnSpec;

/**
 * The stored columns, declared once: batches, blocks (their layout follows this order, so append
 * only, f64 then i32 then u8 keeps every section aligned), encoding and the integrity check are
 * driven by this list, and its hash (COLUMNS_HASH) tags each stored block.
 */
export const COLUMNS = [
  { name: 'occurredAt', kind: 'f64', from: 'occurredAt', derive: (e) => e.occurredAt },
  { name: 'recordedAt', kind: 'f64', from: 'recordedAt', derive: (e) => e.recordedAt },
  {
    name: 'amount',
    kind: 'f64',
    from: 'data.amountYen number, else data.count number, else 0', // an inquiry's count
    derive: (_e, d) =>
      typeof d.amountYen === 'number' ? d.amountYen : typeof d.count === 'number' ? d.count : 0,
  },
  keyColumn('wallet', 'wallet', 'data.walletId', (d) => d.walletId),
  keyColumn('bank', 'bank', 'data.bankCode', (d) => d.bankCode),
  {
    name: 'account',
    kind: 'i32',
    domain: 'account',
    from: 'data.bankCode NUL data.accountId',
    derive: (_e, d, keys) => {
      const bank = str(d.bankCode);
      const accountId = str(d.accountId);
      return bank !== undefined && accountId !== undefined
        ? keys.id(DOMAIN.account, accountKeyText(bank, accountId))
        : -1;
    },
  },
  keyColumn('case', 'case', 'data.caseId', (d) => d.caseId),
  {
    // A purchase's merchant category, or the operator a link, charge, case or control names: no
    // event has both, and a column of its own would change every store's block format.
    name: 'category',
    kind: 'i32',
    domain: 'category',
    from: 'data.merchantCategory, else data.operatorCode',
    derive: (_e, d, keys) =>
      key(keys, DOMAIN.category, str(d.merchantCategory) ?? str(d.operatorCode)),
  },
  { name: 'type', kind: 'u8', from: 'type code (COLUMN_TYPES)', derive: (e) => typeCode(e.type) },
  {
    name: 'status',
    kind: 'u8',
    from: 'data.status (CASE_STATUSES)',
    derive: (_e, d) => statusCode(d.status),
  },
] as const satisfies readonly ColumnSpec[];
export type ColumnName = (typeof COLUMNS)[number]['name'];

/** The stored columns of a batch, each in the typed array of its kind. */
export type StoredColumns = {
  readonly [C in (typeof COLUMNS)[number] as C['name']]: ColumnArrays[C['kind']];
};

/**
 * A hash of the column declaration (names, kinds, domains, what each derives from, and the type and
 * status codes): every stored block carries it, and blocks written under another declaration are
 * stale derived data, rebuilt from the events.
 */
export const COLUMNS_HASH: number = fnv1a(
  COLUMNS.map((c) => `${c.name}:${c.kind}:${'domain' in c ? c.domain : ''}:${c.from}`).join('\n') +
    `\n${COLUMN_TYPES.join(',')}\n${CASE_STATUSES.join(',')}`,
);

/** 32-bit FNV-1a of a string's UTF-16 code units: a tag, not a defence. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A batch of consecutive events in columns. Row i is the event at position[i]; a key column holds
 * -1 where the event has no such key. Rows of rare types also appear in full in `rare`. `category`
 * is a purchase's merchant category; on other events the operator they name (operatorCode), keyed
 * in the same dictionary: each fold reads it for the types it knows.
 */
export interface ColumnBatch extends StoredColumns {
  readonly length: number;
  readonly position: Float64Array;
  /** Events whose data the columns do not hold, in position order. */
  readonly rare: readonly StoredEvent[];
  /**
   * Whose numbering the keys follow. Two batches with the same keySpace number the same text alike;
   * a fold refuses to mix key spaces.
   */
  readonly keySpace: string;
  readonly names: KeyNames;
  /**
   * Keys known per domain when the batch was read (an upper bound on its ids): lets a fold size its
   * tables once.
   */
  readonly keyCounts: readonly number[];
  /** True when keyCounts bound every batch of the same read, not only this one. */
  readonly keyCountsFinal?: boolean;
}

/** A writable batch of a given capacity. */
export interface MutableColumnBatch extends ColumnBatch {
  length: number;
  rare: StoredEvent[];
  keyCounts: number[];
  keyCountsFinal: boolean;
}

/**
 * A batch over given column arrays, its properties always added in the same order (one shape for
 * every batch, whoever made it, so a fold's property reads stay monomorphic).
 */
export function columnBatch(
  length: number,
  position: Float64Array,
  arrays: readonly (Float64Array | Int32Array | Uint8Array)[],
  keySpace: string,
  names: KeyNames,
  keyCounts: number[],
): MutableColumnBatch {
  const b: Record<string, unknown> = { length, position };
  for (let c = 0; c < COLUMNS.length; c++) b[COLUMNS[c]!.name] = arrays[c];
  b.rare = [];
  b.keySpace = keySpace;
  b.names = names;
  b.keyCounts = keyCounts;
  b.keyCountsFinal = false;
  return b as unknown as MutableColumnBatch;
}

export function allocateColumns(
  capacity: number,
  keySpace: string,
  names: KeyNames,
): MutableColumnBatch {
  return columnBatch(
    0,
    new Float64Array(capacity),
    COLUMNS.map((c) => new COLUMN_ARRAYS[c.kind](capacity)),
    keySpace,
    names,
    new Array<number>(KEY_DOMAIN_COUNT).fill(0),
  );
}

/** Rows [start, end) of a batch, as views. */
export function sliceBatch(
  b: ColumnBatch,
  start: number,
  end: number = b.length,
): MutableColumnBatch {
  const s = columnBatch(
    end - start,
    b.position.subarray(start, end),
    COLUMNS.map((c) => b[c.name].subarray(start, end)),
    b.keySpace,
    b.names,
    [...b.keyCounts],
  );
  s.rare = b.rare.slice();
  return s;
}

/**
 * A dictionary in memory: numbers key text by first appearance. Readers of stores that keep no
 * dictionary of their own encode with one; the SQLite store keeps one as a cache of its table.
 */
export class KeyDictionary implements KeyNames {
  private readonly ids: Map<string, number>[] = KEY_DOMAINS.map(() => new Map());
  private readonly byId: string[][] = KEY_DOMAINS.map(() => []);

  /** The number of `text` in a domain, assigning the next one if it is new. */
  id(domain: number, text: string): number {
    const ids = this.ids[domain]!;
    let id = ids.get(text);
    if (id === undefined) {
      id = this.byId[domain]!.push(text) - 1;
      ids.set(text, id);
    }
    return id;
  }

  /** Adds a key numbered elsewhere (the store's table); numbers must arrive in order. */
  learn(domain: number, id: number, text: string): void {
    const texts = this.byId[domain]!;
    if (id !== texts.length)
      throw new Error(
        `key ${id} of domain ${KEY_DOMAINS[domain]} arrives out of order (expected ${texts.length})`,
      );
    texts.push(text);
    this.ids[domain]!.set(text, id);
  }

  /** Forgets the keys numbered from `sizes[d]` on in each domain d: those of writes rolled back. */
  truncate(sizes: readonly number[]): void {
    this.byId.forEach((texts, d) => {
      for (const text of texts.splice(sizes[d]!)) this.ids[d]!.delete(text);
    });
  }

  /** Key texts of a domain, by number. */
  texts(domain: number): readonly string[] {
    return this.byId[domain]!;
  }

  size(domain: number): number {
    return this.byId[domain]!.length;
  }

  name(domain: KeyDomain, id: number): string {
    const text = this.byId[DOMAIN[domain]]![id];
    if (text === undefined) throw new Error(`no ${domain} key numbered ${id}`);
    return text;
  }
}

/**
 * Writes an event's columns into row `row` of a batch, numbering its keys with `keys`; position and
 * rare events are the caller's (a store writing blocks knows neither yet). Returns whether it is
 * rare.
 * Fields are read by name, whatever the type: one rule for every store and reader. Written straight
 * into the row (no object per event): every append and every replay without stored columns runs it.
 */
export function encodeRow(
  b: MutableColumnBatch,
  row: number,
  e: ColumnSource,
  keys: KeyDictionary,
): boolean {
  const d = (e.data ?? {}) as Record<string, unknown>;
  for (let c = 0; c < COLUMNS.length; c++) b[NAMES[c]!][row] = DERIVE[c]!(e, d, keys);
  return isRareCode(b.type[row]!);
}
// The list's parts as plain arrays: the loop above indexes them, no object per column per row.
const NAMES: readonly ColumnName[] = COLUMNS.map((c) => c.name);
const DERIVE: readonly ColumnSpec['derive'][] = COLUMNS.map((c) => c.derive);

/** Events in columns, numbered by `keys` (a reader's own dictionary, kept across batches). */
export function encodeEvents(
  events: readonly StoredEvent[],
  keys: KeyDictionary,
  keySpace: string,
): ColumnBatch {
  const b = allocateColumns(events.length, keySpace, keys);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    b.position[i] = e.globalPosition;
    if (encodeRow(b, i, e, keys)) b.rare.push(e);
  }
  b.length = events.length;
  for (let d = 0; d < KEY_DOMAIN_COUNT; d++) b.keyCounts[d] = keys.size(d);
  return b;
}
