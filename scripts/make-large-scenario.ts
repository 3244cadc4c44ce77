/**
 * Writes a large, synthetic, valid scenario folder (scenario.yaml + events/*) from a seed, its
 * events as YAML (default), NDJSON or CSV.
 *
 *   pnpm tsx scripts/make-large-scenario.ts --out <dir> [--events 20000] [--seed 1] [--format yaml]
 *
 * For load and crash-safety tests: an import of it takes long enough for a kill to land mid-way.
 * Cases are wallets opened by third parties, a bank link, charges, purchases and a case report;
 * one FiguresPublished states the totals the events add up to, so `incident-ledger verify` passes.
 * Same seed and size, same files, byte for byte (times are integer arithmetic, never the clock).
 */
import { Rng } from '@incident-ledger/core';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export interface LargeScenarioOptions {
  /** Total number of events written, the FiguresPublished included; at least 5. */
  events: number;
  seed: number;
  /** Scenario id: event ids derive from it, so two ids give two disjoint sets of events. */
  id?: string;
  /** How the event files are written (default yaml): the same events in each. */
  format?: EventFileFormat;
}

export const FORMATS = ['yaml', 'ndjson', 'csv'] as const;
export type EventFileFormat = (typeof FORMATS)[number];

export interface LargeScenarioSummary {
  events: number;
  cases: number;
  banksWithDamage: number;
  damageYen: number;
}

export const DEFAULT_EVENTS = 20_000;
export const DEFAULT_SEED = 1;
const MIN_EVENTS = 5;
const BANKS = Array.from({ length: 20 }, (_, i) => `BANK-${String(i + 1).padStart(2, '0')}`);
const SOURCE = 'synthetic-load';
const FACTORS = ['account-number', 'pin', 'name', 'birth-date'];
const MINUTE = 60_000;
/**
 * Asia/Tokyo has had no daylight saving since 1951: a fixed +09:00 keeps formatting to integer
 * arithmetic.
 */
const TOKYO_OFFSET_MS = 9 * 60 * MINUTE;
const START = Date.parse('2019-10-01T00:00:00+09:00');
const SPAN_MINUTES = 330 * 24 * 60;

interface Line {
  at: number;
  key: string;
  type: string;
  stream: string;
  data: Record<string, unknown>;
}

const iso = (ms: number) => `${new Date(ms + TOKYO_OFFSET_MS).toISOString().slice(0, 19)}+09:00`;

/** Writes the scenario into `outDir` (created if missing) and says what its figures are. */
export function writeLargeScenario(
  outDir: string,
  options: LargeScenarioOptions,
): LargeScenarioSummary {
  const { events: total, seed } = options;
  if (!Number.isSafeInteger(total) || total < MIN_EVENTS)
    throw new RangeError(`events must be a whole number of at least ${MIN_EVENTS}, got ${total}`);
  const id = options.id ?? `large-synthetic-${seed}-${total}`;
  const rng = new Rng(seed);
  const width = String(total).length;
  const lines: Line[] = [];
  const push = (
    at: number,
    key: string,
    type: string,
    stream: string,
    data: Record<string, unknown>,
  ) => lines.push({ at, key, type, stream, data });

  let cases = 0;
  let damageYen = 0;
  let lastReport = START;
  const damagedBanks = new Set<string>();
  // One event is the publication; the rest are cases of 4 to 9 events (open, link, report, charges,
  // purchases).
  for (let left = total - 1; left > 0;) {
    let size = Math.min(left, rng.int(4, 9));
    // Never leave 1 to 3 events over: no case is that small.
    if (left - size > 0 && left - size < 4) size = left <= 9 ? left : left - 4;
    left -= size;
    const charges = Math.ceil((size - 3) / 2);
    const purchases = size - 3 - charges;

    const n = String(++cases).padStart(width, '0');
    const c = `C${n}`;
    const walletId = `W${n}`;
    const accountId = `ACC-${n}`;
    const stream = `wallet-${walletId}`;
    const bankCode = rng.pick(BANKS);
    const opened = START + rng.int(0, SPAN_MINUTES) * MINUTE;
    push(opened, `${c}/open`, 'WalletOpened', stream, { walletId, openedBy: 'third-party' });
    let t = opened + rng.int(1, 30) * MINUTE;
    push(t, `${c}/link`, 'BankAccountLinked', stream, {
      walletId,
      bankCode,
      accountId,
      factors: FACTORS,
    });
    for (let k = 1; k <= charges; k++) {
      t += rng.int(5, 2_000) * MINUTE;
      const amountYen = rng.int(10, 150) * 1_000;
      push(t, `${c}/charge-${k}`, 'ChargeExecuted', stream, {
        walletId,
        bankCode,
        accountId,
        amountYen,
      });
      damageYen += amountYen;
      // Spend most of each charge soon after, never more than was charged: balances stay
      // non-negative.
      if (k <= purchases) {
        const spend = Math.floor((amountYen * rng.int(80, 100)) / 100 / 100) * 100;
        const merchantCategory =
          rng.next() < 0.5 ? 'convenience-store:cigarettes' : 'mass-retailer:appliances';
        push(t + rng.int(10, 240) * MINUTE, `${c}/purchase-${k}`, 'PurchaseMade', stream, {
          walletId,
          amountYen: spend,
          merchantCategory,
        });
      }
    }
    const reported = t + rng.int(1, 30) * 24 * 60 * MINUTE;
    push(reported, `${c}/report`, 'CaseReported', `case-${c}`, {
      caseId: c,
      bankCode,
      accountId,
      status: 'confirmed',
    });
    lastReport = Math.max(lastReport, reported);
    damagedBanks.add(bankCode);
  }

  // Stable sort by time; equal times keep generation order, so the file is a function of the seed
  // alone.
  lines.sort((a, b) => a.at - b.at);
  const header = `SYNTHETIC, generated by scripts/make-large-scenario.ts --seed ${seed} --events ${total}; do not edit by hand`;
  const asOf = lastReport + 24 * 60 * MINUTE;
  const figures = [
    { name: 'cases', value: cases },
    { name: 'banksWithDamage', value: damagedBanks.size },
    { name: 'damageYen', value: damageYen },
  ];
  const publication: Line = {
    at: asOf,
    key: 'publication/final',
    type: 'FiguresPublished',
    stream: 'publications',
    data: { publicationId: 'final', source: SOURCE, asOf: iso(asOf), figures },
  };
  const format = options.format ?? 'yaml';
  const write = WRITERS[format];

  const scenarioYaml = [
    `# ${header}`,
    `id: ${id}`,
    `title: Synthetic large scenario (${total} events, seed ${seed}) for load and crash tests`,
    'timeZone: Asia/Tokyo',
    'sources:',
    `  - { id: ${SOURCE}, title: "Totals of this synthetic scenario, computed by its generator", published: "${iso(asOf).slice(0, 10)}" }`,
    'banks:',
    ...BANKS.map((b) => `  - { code: ${b}, auth: weak }`),
    'eventFiles:',
    `  - events/cases.${format}`,
    `  - events/publications.${format}`,
    '',
  ].join('\n');

  mkdirSync(join(outDir, 'events'), { recursive: true });
  writeFileSync(join(outDir, 'scenario.yaml'), scenarioYaml);
  writeLines(join(outDir, `events/cases.${format}`), write(lines, header));
  writeLines(join(outDir, `events/publications.${format}`), write([publication], header));
  return { events: lines.length + 1, cases, banksWithDamage: damagedBanks.size, damageYen };
}

/** CSV columns: the envelope, then every data field these events have. */
const CSV_COLUMNS = [
  'key',
  'type',
  'stream',
  'occurredAt',
  'walletId',
  'openedBy',
  'bankCode',
  'accountId',
  'factors',
  'amountYen',
  'merchantCategory',
  'caseId',
  'status',
  'publicationId',
  'source',
  'asOf',
  'figures',
];

/**
 * An event file's lines in each format (scenarios/README.md): the same events, in time order.
 * Lines, not one text: 10 million events of NDJSON are longer than a string can be.
 */
const WRITERS: Record<EventFileFormat, (events: Line[], header: string) => Iterable<string>> = {
  *yaml(events, header) {
    yield `# ${header}`;
    yield `generated: ${JSON.stringify(header)}`;
    yield 'events:';
    for (const e of events)
      yield `  - { key: ${e.key}, type: ${e.type}, stream: ${e.stream}, occurredAt: "${iso(e.at)}", data: ${JSON.stringify(e.data)} }`;
  },
  *ndjson(events) {
    for (const e of events)
      yield JSON.stringify({
        key: e.key,
        type: e.type,
        stream: e.stream,
        occurredAt: iso(e.at),
        data: e.data,
      });
  },
  *csv(events) {
    yield CSV_COLUMNS.join(',');
    for (const e of events) {
      const row: Record<string, unknown> = {
        ...e.data,
        key: e.key,
        type: e.type,
        stream: e.stream,
        occurredAt: iso(e.at),
      };
      yield CSV_COLUMNS.map((c) => csvCell(row[c])).join(',');
    }
  },
};

/** Writes lines to a file, each ended by a newline, about 1 MiB at a time. */
function writeLines(file: string, lines: Iterable<string>): void {
  const fd = openSync(file, 'w');
  try {
    let chunk = '';
    for (const line of lines) {
      chunk += `${line}\n`;
      if (chunk.length >= 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/** A CSV cell: lists of words joined by |, other lists as JSON, quoted when they need it. */
function csvCell(v: unknown): string {
  const text =
    v === undefined
      ? ''
      : Array.isArray(v)
        ? v.every((x) => typeof x === 'string')
          ? v.join('|')
          : JSON.stringify(v)
        : String(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const HELP = `usage: pnpm tsx scripts/make-large-scenario.ts --out <dir> [--events N] [--seed N] [--id ID] [--format F]

Writes a large synthetic scenario (scenario.yaml, events/cases.<format>,
events/publications.<format>) into <dir>: wallets, bank links, charges, purchases and case reports, and one FiguresPublished
with the totals they add up to. Same seed and size, same files.

options:
  --out <dir>     folder to write (created if missing; existing files are overwritten)
  --events N      total number of events, at least ${MIN_EVENTS} (default ${DEFAULT_EVENTS})
  --seed N        seed of the generator (default ${DEFAULT_SEED})
  --id ID         scenario id (default large-synthetic-<seed>-<events>)
  --format F      event files as yaml (default), ndjson or csv: the same events
  -h, --help      show this help`;

if (require.main === module) {
  const fail = (message: string): never => {
    console.error(`make-large-scenario: ${message}\n\n${HELP}`);
    process.exit(2);
  };
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        events: { type: 'string', default: String(DEFAULT_EVENTS) },
        seed: { type: 'string', default: String(DEFAULT_SEED) },
        id: { type: 'string' },
        format: { type: 'string', default: 'yaml' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values!.help) {
    console.log(HELP);
    process.exit(0);
  }
  const { out, id, format } = values!;
  if (!(FORMATS as readonly string[]).includes(format!))
    fail(`--format must be one of ${FORMATS.join(', ')}, got ${format}`);
  if (out === undefined) fail('--out <dir> is required');
  const events = Number(values!.events);
  const seed = Number(values!.seed);
  if (!Number.isSafeInteger(events) || events < MIN_EVENTS)
    fail(`--events must be a whole number of at least ${MIN_EVENTS}, got ${values!.events}`);
  if (!Number.isSafeInteger(seed)) fail(`--seed must be a whole number, got ${values!.seed}`);
  if (id !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(id))
    fail(`--id must be lower-case letters, digits and dashes, got ${id}`);
  const s = writeLargeScenario(out!, {
    events,
    seed,
    format: format as EventFileFormat,
    ...(id !== undefined && { id }),
  });
  console.log(
    `wrote ${s.events} events (${s.cases} cases, ${s.banksWithDamage} banks, ${s.damageYen} yen) to ${out} (seed ${seed})`,
  );
}
