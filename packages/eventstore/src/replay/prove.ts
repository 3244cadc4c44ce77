import {
  Fold,
  type ColumnBatch,
  type ProjectionRegistry,
  type StoredEvent,
} from '@incident-ledger/core';
import type { CheckpointHeader, CheckpointStore, EventStore } from '../port';
import { resolveCheckpoint, type ResolvedCheckpoint } from './key';
import { EVENTS_KEY_SPACE } from './replay';
import { checkpointSections, SEAL_SECTION } from './seal';

/** The first stored checkpoint that the events it covers do not give again. */
export interface CheckpointBreak {
  key: string;
  /** The part that saved it. */
  projection: string;
  position: number;
  /**
   * What differs: a section of its state, the seal (`seal:crc32`), or a header field (`history`,
   * `events`).
   */
  section: string;
  problem: string;
}

export interface CheckpointProof {
  /** Checkpoints checked: each folded again from the events it covers and compared. */
  checked: number;
  /**
   * Checkpoints under a key no replay of this store makes now (an older version, format or byte
   * order, another key numbering): never resumed from, so neither proved nor a failure.
   */
  stale: number;
  /** The first, by position then key, that is not what its events fold to. */
  firstBreak?: CheckpointBreak;
}

interface Proof {
  header: CheckpointHeader;
  made: ResolvedCheckpoint;
  fold: Fold<unknown>;
  /** Events folded so far (those up to the checkpoint's position). */
  events: number;
}

/**
 * Proves every stored checkpoint: its key resolves to the part that saved it, its history is the
 * store's at its position, and folding the events up to that position, as of its cutoff, gives its
 * sections again byte for byte, seal included (the codecs are canonical: checkpointSections). The
 * seal is a checksum a forger recomputes; this is what shows that a checkpoint a replay resumes from
 * says what the record says. One pass over the columns, one over the events if any checkpoint was
 * saved in their numbering; each fold is compared and dropped at its position.
 */
export async function proveCheckpoints(
  store: Pick<EventStore, 'readAll' | 'columns' | 'checkpoints'>,
  registry: ProjectionRegistry,
): Promise<CheckpointProof> {
  const checkpoints = store.checkpoints;
  if (checkpoints === undefined) return { checked: 0, stale: 0 };
  const columns: Proof[] = [];
  const events: Proof[] = [];
  const breaks: CheckpointBreak[] = [];
  let stale = 0;
  let checked = 0;
  for (const header of await checkpoints.listCheckpoints()) {
    const made = resolveCheckpoint(header.key, registry);
    const path =
      made === undefined
        ? undefined
        : made.keySpace === store.columns?.keySpace && made.projection.evolveColumns
          ? columns
          : made.keySpace === EVENTS_KEY_SPACE
            ? events
            : undefined;
    if (path === undefined) {
      stale++;
      continue;
    }
    checked++;
    const history = await checkpoints.historyAt(header.position);
    if (history === header.history)
      path.push({ header, made: made!, fold: new Fold(made!.projection, made!.asOf), events: 0 });
    else
      breaks.push(
        breakOf(
          header,
          'history',
          history === undefined
            ? `the store keeps no history at position ${header.position}: it was not saved from these events`
            : `the store's history at position ${header.position} is ${history}: it was not saved from these events`,
        ),
      );
  }
  const compare = (p: Proof) => proofBreak(checkpoints, p).then((b) => b && breaks.push(b));
  if (columns.length > 0)
    await foldUpTo(columns, store.columns!.readColumns(), compare, {
      positions: (b) => b.position.subarray(0, b.length),
      fold: (f, b, rows) => f.applyColumns(rows === b.length ? b : headOf(b, rows)),
    });
  if (events.length > 0)
    await foldUpTo(events, store.readAll(), compare, {
      positions: (b) => b.map((e) => e.globalPosition),
      fold: (f, b, rows) => f.apply(rows === b.length ? b : b.slice(0, rows)),
    });
  breaks.sort((a, b) => a.position - b.position || (a.key < b.key ? -1 : 1));
  return { checked, stale, ...(breaks.length > 0 && { firstBreak: breaks[0] }) };
}

/** Feeds each proof's fold the events up to its checkpoint's position, then hands it to `done`. */
async function foldUpTo<B>(
  proofs: Proof[],
  batches: AsyncIterable<B>,
  done: (p: Proof) => Promise<unknown>,
  read: {
    positions: (batch: B) => ArrayLike<number>;
    /** Folds the batch's first `rows` rows. */
    fold: (f: Fold<unknown>, batch: B, rows: number) => void;
  },
): Promise<void> {
  let open = [...proofs].sort((a, b) => a.header.position - b.header.position);
  for await (const batch of batches) {
    const positions = read.positions(batch);
    if (positions.length === 0) continue;
    for (const p of open) {
      let rows = positions.length;
      while (rows > 0 && positions[rows - 1]! > p.header.position) rows--;
      if (rows > 0) read.fold(p.fold, batch, rows);
      p.events += rows;
    }
    const last = positions[positions.length - 1]!;
    const ended = open.filter((p) => p.header.position <= last);
    open = open.filter((p) => p.header.position > last);
    for (const p of ended) await done(p);
    if (open.length === 0) return;
  }
  // The store ended before their positions (events deleted under a history kept): their event
  // counts fall short, so they fail.
  for (const p of open) await done(p);
}

/** The first `rows` rows of a columnar batch (folds take the rare events of their rows' range). */
function headOf(batch: ColumnBatch, rows: number): ColumnBatch {
  return { ...batch, length: rows };
}

/** Compares a folded proof with the checkpoint as stored; the break, or undefined if it holds. */
async function proofBreak(
  checkpoints: CheckpointStore,
  { header, made, fold, events }: Proof,
): Promise<CheckpointBreak | undefined> {
  if (events !== header.events)
    return breakOf(
      header,
      'events',
      `says it covers ${header.events} events; the store holds ${events} up to position ${header.position}`,
    );
  const saved = await checkpoints.loadCheckpoint(header.key);
  if (saved === undefined)
    return breakOf(header, 'sections', 'removed while it was proved: run verify again');
  const expected = checkpointSections(made.projection, fold.state, header);
  // State sections first, in name order, the seal last: an edit with its seal recomputed is named
  // by the section it edited.
  const names = [...new Set([...expected.keys(), ...saved.sections.keys()])]
    .filter((n) => n !== SEAL_SECTION)
    .sort()
    .concat(SEAL_SECTION);
  for (const name of names) {
    const stored = saved.sections.get(name);
    const folded = expected.get(name);
    if (stored === undefined)
      return breakOf(header, name, `missing; the events fold to ${folded!.byteLength} bytes`);
    if (folded === undefined)
      return breakOf(header, name, `${stored.byteLength} bytes the part's state does not have`);
    if (Buffer.compare(stored, folded) === 0) continue;
    let at = 0;
    while (at < stored.length && stored[at] === folded[at]) at++;
    const problem =
      name === SEAL_SECTION
        ? 'the seal does not match the sections (a replay rebuilds this part instead of resuming)'
        : `its ${stored.byteLength} bytes differ from the ${folded.byteLength} the events fold to, first at byte ${at}`;
    return breakOf(header, name, problem);
  }
  return undefined;
}

function breakOf(header: CheckpointHeader, section: string, problem: string): CheckpointBreak {
  const { key, projection, position } = header;
  return { key, projection, position, section, problem };
}
