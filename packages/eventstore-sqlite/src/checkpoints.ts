import type {
  CheckpointHeader,
  CheckpointStore,
  SavedCheckpoint,
} from '@incident-ledger/eventstore';
import type Database from 'better-sqlite3';

/** Saved projection state: the `checkpoints` and `checkpoint_sections` tables. */
export function sqliteCheckpoints(db: Database.Database): CheckpointStore {
  const stmts = {
    historyAt: db
      .prepare<[number], string>('SELECT history FROM blocks WHERE last_position = ?')
      .pluck(),
    checkpoint: db.prepare<[string], CheckpointHeader>(
      'SELECT key, projection, version, position, events, history FROM checkpoints WHERE key = ?',
    ),
    checkpoints: db.prepare<[], CheckpointHeader>(
      'SELECT key, projection, version, position, events, history FROM checkpoints ORDER BY key',
    ),
    sections: db.prepare<[string], { name: string; bytes: Buffer }>(
      'SELECT name, bytes FROM checkpoint_sections WHERE key = ?',
    ),
  };

  function loadCheckpoint(key: string): SavedCheckpoint | undefined {
    const row = stmts.checkpoint.get(key);
    if (row === undefined) return undefined;
    const sections = new Map<string, Uint8Array>();
    for (const s of stmts.sections.iterate(key)) sections.set(s.name, s.bytes);
    return { ...row, sections };
  }

  function saveCheckpoint(c: SavedCheckpoint): void {
    db.transaction(() => {
      // A version bump makes the old state useless: drop it with its sections rather than keep it
      // forever.
      const stale = db
        .prepare<[string, string, number], string>(
          'SELECT key FROM checkpoints WHERE key = ? OR (projection = ? AND version <> ?)',
        )
        .pluck()
        .all(c.key, c.projection, c.version);
      for (const key of stale) {
        db.prepare('DELETE FROM checkpoint_sections WHERE key = ?').run(key);
        db.prepare('DELETE FROM checkpoints WHERE key = ?').run(key);
      }
      db.prepare(
        'INSERT INTO checkpoints (key, projection, version, position, events, history) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(c.key, c.projection, c.version, c.position, c.events, c.history);
      const insert = db.prepare(
        'INSERT INTO checkpoint_sections (key, name, bytes) VALUES (?, ?, ?)',
      );
      for (const [name, bytes] of c.sections) insert.run(c.key, name, bytes);
    }).immediate();
  }

  return {
    historyAt: async (position) => stmts.historyAt.get(position),
    loadCheckpoint: async (key) => loadCheckpoint(key),
    listCheckpoints: async () => stmts.checkpoints.all(),
    saveCheckpoint: async (checkpoint) => saveCheckpoint(checkpoint),
  };
}
