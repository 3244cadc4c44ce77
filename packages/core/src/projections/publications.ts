import type { ColumnBatch } from '../events/columns';
import type { LedgerEvent, StoredEvent } from '../events/types';
import type { Projection } from './projection';

export type Publication = LedgerEvent<'FiguresPublished'>;

/**
 * The published figures (FiguresPublished events), in global order: a fold like any other, so a
 * replay that resumes from checkpoints still knows every publication before them.
 */
export const publicationsProjection: Projection<Publication[]> = {
  name: 'publications',
  version: 1,
  init: () => [],
  evolve(list, e) {
    if (e.type === 'FiguresPublished') list.push(e as StoredEvent<'FiguresPublished'>);
  },
  evolveColumns(list, batch: ColumnBatch, from, to) {
    // Publications travel in full beside the columns (ColumnBatch.rare); take those in the rows'
    // range.
    const first = batch.position[from]!;
    const last = batch.position[to - 1]!;
    for (const e of batch.rare) {
      if (e.type === 'FiguresPublished' && e.globalPosition >= first && e.globalPosition <= last)
        list.push(e as StoredEvent<'FiguresPublished'>);
    }
  },
  codec: {
    format: 'json',
    encode: (list) => new Map([['list', Buffer.from(JSON.stringify(list))]]),
    decode(sections) {
      const json = sections.get('list');
      if (json === undefined) throw new Error('saved publications have no list section');
      return JSON.parse(Buffer.from(json).toString()) as Publication[];
    },
  },
};
