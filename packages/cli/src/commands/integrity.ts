import type { IntegrityResult } from '../app';
import { EXIT } from '../errors';
import { fact, printDocument, type Output, type Row } from '../output';

/**
 * verify --integrity as data: the IntegrityResult as it is (every field it has, absent ones as
 * null), with `ok`. JSON nests it; CSV flattens it to one field,value row per leaf.
 */
export function printIntegrityData(url: string, r: IntegrityResult, out: Output): number {
  const value: Record<string, unknown> = {
    ...r,
    firstBreak: r.firstBreak ?? null,
    columns: r.columns ?? null,
    indexes: r.indexes ?? null,
    checkpoints: r.checkpoints ?? null,
  };
  const ok = !hasBreak(value);
  printDocument(
    {
      command: 'verify --integrity',
      zone: 'UTC',
      facts: [fact('store', url)],
      fields: { ok, ...value },
      tables:
        out.format === 'csv'
          ? [
              {
                name: 'integrity',
                title: 'Integrity',
                columns: [
                  { key: 'field', header: 'field' },
                  { key: 'value', header: 'value' },
                ],
                rows: [{ field: 'ok', value: ok }, ...leaves(value)],
              },
            ]
          : [],
    },
    out,
  );
  return ok ? EXIT.ok : EXIT.failed;
}

/**
 * Whether any check in the result names a first break (an altered event, row, column or checkpoint).
 */
function hasBreak(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  return Object.entries(v).some(
    ([k, x]) => (k === 'firstBreak' && x !== null && x !== undefined) || hasBreak(x),
  );
}

/** Every leaf of a nested value, by its dotted path. */
function leaves(v: unknown, path = ''): Row[] {
  if (v !== null && typeof v === 'object')
    return Object.entries(v).flatMap(([k, x]) => leaves(x, path ? `${path}.${k}` : k));
  const value = typeof v === 'bigint' ? String(v) : v === undefined ? null : (v as Row[string]);
  return [{ field: path, value }];
}
