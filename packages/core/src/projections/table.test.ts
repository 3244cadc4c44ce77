import { CHUNK_MASK, Pool } from './pool';
import { Table, type SavedColumn } from './table';

const CHUNK_ROWS = CHUNK_MASK + 1;

/**
 * Saves columns as byte sections, as a checkpoint store gives them back: copied, at `offset` into
 * their buffers.
 */
function save(
  columns: [string, SavedColumn][],
  offset = 0,
): { sections: Map<string, Uint8Array>; read: (name: string) => Uint8Array } {
  const sections = new Map<string, Uint8Array>();
  for (const [name, values] of columns) {
    const bytes = new Uint8Array(values.byteLength + offset);
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    sections.set(name, bytes.subarray(offset));
  }
  const read = (name: string) => {
    const bytes = sections.get(name);
    if (bytes === undefined) throw new Error(`no section ${name}`);
    return bytes;
  };
  return { sections, read };
}

const spec = {
  small: { kind: 'i32', fill: -1 },
  day: { kind: 'i32', fill: 0 },
  pointer: { kind: 'i32', fill: -1 },
  yen: { kind: 'f64', fill: 0 },
  bigYen: { kind: 'f64', fill: 0 },
  at: { kind: 'f64', fill: Number.POSITIVE_INFINITY },
  fraction: { kind: 'f64', fill: 0 },
  flag: { kind: 'u8', fill: 0 },
} as const;

function filled(n: number): Table<typeof spec> {
  const t = new Table(spec);
  t.reserve(n);
  const c = t.cols;
  for (let i = 0; i < n; i++) {
    c.small[i] = (i % 200) - 100;
    c.day[i] = 18_000 + i;
    c.pointer[i] = i === 3 ? -(2 ** 31) : i * 70_000;
    c.yen[i] = i === 5 ? 2 ** 31 - 1 : 1_000 - i * 1_000;
    c.bigYen[i] = i === 7 ? 2 ** 31 : 1; // one value past 32 bits keeps the column at 64
    c.at[i] = i === 0 ? Number.POSITIVE_INFINITY : 1.6e12 + i;
    c.fraction[i] = i === 9 ? 0.5 : 0;
    c.flag[i] = i % 2;
  }
  return t;
}

describe('Table saved columns', () => {
  it('saves each column in the narrowest exact width and restores the same values', () => {
    const t = filled(1000);
    const columns = t.columns();
    const saved = new Map(columns);
    expect(
      Object.fromEntries(columns.map(([name, values]) => [name, values.constructor.name])),
    ).toEqual({
      '#widths': 'Uint8Array',
      small: 'Int8Array',
      day: 'Int16Array',
      pointer: 'Int32Array',
      yen: 'Int32Array',
      bigYen: 'Float64Array',
      at: 'Float64Array',
      fraction: 'Float64Array',
      flag: 'Uint8Array',
    });
    expect(saved.get('yen')!.byteLength).toBe(4000);
    for (const offset of [0, 1, 3]) {
      const back = new Table(spec);
      back.restore(1000, save(columns, offset).read);
      for (const k of Object.keys(spec) as (keyof typeof spec)[]) {
        expect(back.cols[k]).toBeInstanceOf(t.cols[k].constructor);
        expect(Array.from(back.cols[k])).toEqual(Array.from(t.cols[k].subarray(0, 1000)));
      }
    }
  });

  it('keeps -0 and NaN exact (no integer width holds them)', () => {
    const t = new Table({ v: { kind: 'f64', fill: 0 } } as const);
    t.reserve(3);
    t.cols.v.set([1, -0, Number.NaN]);
    const columns = t.columns();
    expect(columns[1]![1]).toBeInstanceOf(Float64Array);
    const back = new Table({ v: { kind: 'f64', fill: 0 } } as const);
    back.restore(3, save(columns).read);
    expect(Object.is(back.cols.v[1], -0)).toBe(true);
    expect(Number.isNaN(back.cols.v[2])).toBe(true);
  });

  it('takes over a column saved at its own width, aligned, without copying it', () => {
    const t = filled(100);
    const { sections, read } = save(t.columns());
    const back = new Table(spec);
    back.restore(100, read);
    expect(back.cols.bigYen.buffer).toBe(sections.get('bigYen')!.buffer);
    expect(back.cols.day.buffer).not.toBe(sections.get('day')!.buffer); // widened from 16 bits
  });

  it('refuses saved columns it cannot read exactly', () => {
    const t = filled(10);
    const restore = (sections: Map<string, Uint8Array>) =>
      new Table(spec).restore(10, (name) => sections.get(name) ?? Uint8Array.of());
    const { sections } = save(t.columns());
    expect(() => restore(new Map([...sections].filter(([name]) => name !== '#widths')))).toThrow(
      /widths/,
    );
    const wider = new Map(sections).set(
      '#widths',
      Uint8Array.from(sections.get('#widths')!).fill(3, 0, 1),
    ); // an i32 column saved as f64
    expect(() => restore(wider)).toThrow(/small has width code 3/);
    const short = new Map(sections).set('day', sections.get('day')!.subarray(2));
    expect(() => restore(short)).toThrow(/day has 18 bytes/);
  });
});

describe('Pool saved columns', () => {
  const poolSpec = {
    day: { kind: 'i32', fill: 0 },
    yen: { kind: 'int', fill: 0 },
    next: { kind: 'i32', fill: -1 },
  } as const;

  function pool(rows: number, wideAt: number): Pool<typeof poolSpec> {
    const p = new Pool(poolSpec);
    for (let r = 0; r < rows; r++) {
      const e = p.push();
      const c = p.at(e);
      c.day[e & CHUNK_MASK] = r % 400;
      p.set(e, 'yen', r === wideAt ? 2 ** 40 : r * 3);
      c.next[e & CHUNK_MASK] = r - 1;
    }
    return p;
  }
  const values = (p: Pool<typeof poolSpec>, e: number) => {
    const c = p.at(e);
    return [c.day[e & CHUNK_MASK], c.yen[e & CHUNK_MASK], c.next[e & CHUNK_MASK]];
  };

  it("saves each column at its chunks' own width, one width across chunks, and restores every row and the fill of the rest", () => {
    const rows = 2 * CHUNK_ROWS + 5;
    for (const wideAt of [-1, CHUNK_ROWS + 1]) {
      const p = pool(rows, wideAt);
      const columns = p.columns();
      const yens = columns.filter(([name]) => name.startsWith('yen.'));
      // One chunk widened to 64 bits: the column is saved at 64 bits, its other chunks too.
      expect(yens.map(([, v]) => v.constructor)).toEqual(
        Array(3).fill(wideAt < 0 ? Int32Array : Float64Array),
      );
      // Not narrowed (days would fit 16 bits): narrowed copies of every chunk at once cost the save
      // its peak memory.
      expect(columns.find(([name]) => name === 'day.2')![1]).toBeInstanceOf(Int32Array);
      expect(columns.find(([name]) => name === 'day.1')![1].buffer).toBe(
        p.at(CHUNK_ROWS).day.buffer,
      ); // a view, not a copy
      const back = new Pool(poolSpec);
      back.restore(rows, save(columns, 1).read);
      for (const e of [0, CHUNK_ROWS - 1, CHUNK_ROWS, CHUNK_ROWS + 1, rows - 1])
        expect(values(back, e)).toEqual(values(p, e));
      const e = back.push();
      expect(e).toBe(rows);
      expect(values(back, e)).toEqual([0, 0, -1]);
    }
  });

  it('keeps a full chunk saved at its own width as it is', () => {
    const p = pool(CHUNK_ROWS + 1, 0);
    const { sections, read } = save(p.columns());
    const back = new Pool(poolSpec);
    back.restore(CHUNK_ROWS + 1, read);
    expect(back.at(0).yen.buffer).toBe(sections.get('yen.0')!.buffer);
    expect(back.at(CHUNK_ROWS).yen.buffer).not.toBe(sections.get('yen.1')!.buffer); // the last chunk is made whole
  });
});

describe('Pool growth', () => {
  const growSpec = {
    key: { kind: 'i32', fill: -1 },
    yen: { kind: 'int', fill: 0 },
    at: { kind: 'f64', fill: Number.POSITIVE_INFINITY },
  } as const;
  const row = (p: Pool<typeof growSpec>, e: number) => {
    const c = p.at(e);
    return [c.key[e & CHUNK_MASK], c.yen[e & CHUNK_MASK], c.at[e & CHUNK_MASK]];
  };
  function filledTo(p: Pool<typeof growSpec>, rows: number): void {
    for (let r = p.size; r < rows; r++) {
      const e = p.push();
      p.at(e).key[e & CHUNK_MASK] = r;
      p.set(e, 'yen', r === 3 ? 2 ** 40 : r * 10); // row 3 widens the first chunk's yen to 64 bits
    }
  }

  it('starts with a small first chunk and doubles it, keeping every row, the width of each column and the fill of rows never written', () => {
    const p = new Pool(growSpec);
    filledTo(p, 1);
    expect(p.at(0).key.length).toBeLessThan(CHUNK_ROWS);
    filledTo(p, 1000);
    expect(p.at(0).key.length).toBeLessThan(CHUNK_ROWS);
    expect(p.at(0).yen).toBeInstanceOf(Float64Array);
    for (const e of [0, 3, 63, 64, 999])
      expect(row(p, e)).toEqual([e, e === 3 ? 2 ** 40 : e * 10, Number.POSITIVE_INFINITY]);
    expect(p.at(0).key[1000]).toBe(-1);
  });

  it('makes the first chunk whole before adding whole chunks after it', () => {
    const p = new Pool(growSpec);
    filledTo(p, CHUNK_ROWS + 1);
    expect([p.at(0).key.length, p.at(CHUNK_ROWS).key.length]).toEqual([CHUNK_ROWS, CHUNK_ROWS]);
    for (const e of [0, 3, CHUNK_ROWS - 1, CHUNK_ROWS])
      expect(row(p, e)).toEqual([e, e === 3 ? 2 ** 40 : e * 10, Number.POSITIVE_INFINITY]);
  });

  it('restores a lone first chunk at the size saved and grows it again from there', () => {
    const p = new Pool(growSpec);
    filledTo(p, 100);
    const back = new Pool(growSpec);
    back.restore(100, save(p.columns()).read);
    expect(back.at(0).key.length).toBe(100);
    filledTo(back, 300);
    filledTo(p, 300);
    for (const e of [0, 3, 99, 100, 299]) expect(row(back, e)).toEqual(row(p, e));
    const empty = new Pool(growSpec);
    empty.restore(0, save(new Pool(growSpec).columns()).read);
    filledTo(empty, 2);
    expect(row(empty, 1)).toEqual([1, 10, Number.POSITIVE_INFINITY]);
  });
});

describe("Pool 'int' columns", () => {
  const intSpec = { key: { kind: 'i32', fill: 0 }, yen: { kind: 'int', fill: 0 } } as const;
  const yenAt = (p: Pool<typeof intSpec>, e: number) => p.at(e).yen[e & CHUNK_MASK];

  function twoChunks(): Pool<typeof intSpec> {
    const p = new Pool(intSpec);
    for (let r = 0; r < CHUNK_ROWS + 10; r++) p.set(p.push(), 'yen', r);
    return p;
  }

  it('holds amounts in 32 bits, and widens only the chunk of a value 32 bits do not hold, exactly', () => {
    const p = twoChunks();
    expect(p.at(0).yen).toBeInstanceOf(Int32Array);
    p.add(CHUNK_ROWS + 3, 'yen', 2 ** 31 - 1 - (CHUNK_ROWS + 3));
    expect(p.at(CHUNK_ROWS).yen).toBeInstanceOf(Int32Array);
    expect(yenAt(p, CHUNK_ROWS + 3)).toBe(2 ** 31 - 1);
    p.add(CHUNK_ROWS + 3, 'yen', 1); // would wrap to -2^31 in 32 bits
    expect(p.at(CHUNK_ROWS).yen).toBeInstanceOf(Float64Array);
    expect(p.at(0).yen).toBeInstanceOf(Int32Array);
    expect(yenAt(p, CHUNK_ROWS + 3)).toBe(2 ** 31);
    expect(yenAt(p, CHUNK_ROWS + 2)).toBe(CHUNK_ROWS + 2); // the rest of the chunk kept
    p.add(CHUNK_ROWS + 3, 'yen', 2 ** 52);
    expect(yenAt(p, CHUNK_ROWS + 3)).toBe(2 ** 52 + 2 ** 31);
    for (const v of [-(2 ** 31) - 1, 0.5, -0]) {
      const q = twoChunks();
      q.set(5, 'yen', v);
      expect(q.at(0).yen).toBeInstanceOf(Float64Array);
      expect(Object.is(yenAt(q, 5), v)).toBe(true);
    }
    const q = twoChunks();
    q.set(5, 'yen', -(2 ** 31));
    expect(q.at(0).yen).toBeInstanceOf(Int32Array);
    expect(yenAt(q, 5)).toBe(-(2 ** 31));
  });

  it('saves and restores 32-bit chunks as they are, and a widened column at 64 bits', () => {
    const p = twoChunks();
    let saved = save(p.columns());
    let back = new Pool(intSpec);
    back.restore(p.size, saved.read);
    expect(back.at(0).yen.buffer).toBe(saved.sections.get('yen.0')!.buffer);
    expect(back.at(CHUNK_ROWS).yen).toBeInstanceOf(Int32Array);
    p.add(7, 'yen', 2 ** 40);
    saved = save(p.columns(), 1);
    back = new Pool(intSpec);
    back.restore(p.size, saved.read);
    expect([back.at(0).yen, back.at(CHUNK_ROWS).yen].map((c) => c.constructor)).toEqual([
      Float64Array,
      Float64Array,
    ]);
    for (const e of [0, 7, CHUNK_ROWS + 9]) expect(yenAt(back, e)).toBe(yenAt(p, e));
    back.add(back.push(), 'yen', 5);
    expect(yenAt(back, CHUNK_ROWS + 10)).toBe(5);
  });

  it('is refused by a Table, whose rows are written directly', () => {
    expect(() => new Table({ yen: { kind: 'int', fill: 0 } } as const)).toThrow(/Pools/);
  });
});
