import { describe, parseInstant } from '@incident-ledger/core';
import { validated } from './errors';
import type { Range } from './simulation';
import type { YamlFile } from './yaml-file';

/** Reads values from a YAML file by path; every problem is an error located at that path. */
export class YamlReader {
  private readonly root: unknown;
  constructor(readonly yf: YamlFile) {
    this.root = yf.toJS();
  }

  private get(path: (string | number)[]): unknown {
    let v: unknown = this.root;
    for (const k of path)
      v =
        v !== null && typeof v === 'object'
          ? (v as Record<string | number, unknown>)[k]
          : undefined;
    return v;
  }

  mapping(path: (string | number)[], keys?: readonly string[]): Record<string, unknown> {
    const v = this.get(path);
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw this.yf.error(
        path,
        v === undefined ? 'is required' : `must be a mapping, got ${describe(v)}`,
      );
    const unknown = keys === undefined ? undefined : Object.keys(v).find((k) => !keys.includes(k));
    if (unknown !== undefined)
      throw this.yf.error(
        [...path, unknown],
        'unknown key',
        `expected one of: ${keys!.join(', ')}`,
      );
    return v as Record<string, unknown>;
  }

  list(path: (string | number)[]): unknown[] {
    const v = this.get(path);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw this.yf.error(path, `must be a list, got ${describe(v)}`);
    return v;
  }

  text(path: (string | number)[]): string {
    const v = this.get(path);
    if (typeof v !== 'string' || v.trim() === '')
      throw this.yf.error(
        path,
        v === undefined ? 'is required' : `must be non-empty text, got ${describe(v)}`,
      );
    return v;
  }

  int(path: (string | number)[], min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.get(path);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      throw this.yf.error(
        path,
        v === undefined
          ? 'is required'
          : `must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}, got ${describe(v)}`,
      );
    }
    return v;
  }

  /** `{ min, max }` with min <= max; `extra` keys are allowed beside them (read by the caller). */
  range(
    path: (string | number)[],
    floor: number,
    extra: readonly string[] = [],
    ceiling?: number,
  ): Range {
    this.mapping(path, ['min', 'max', ...extra]);
    const min = this.int([...path, 'min'], floor, ceiling);
    const max = this.int([...path, 'max'], min, ceiling);
    return { min, max };
  }

  instant(path: (string | number)[]): number {
    return validated(this.yf, () => parseInstant(this.get(path), path));
  }
}
