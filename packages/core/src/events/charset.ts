/**
 * The characters ids and free text may hold. Ids (bank codes, account, wallet and case ids, event
 * keys, stream ids, merchant categories, channels, publication and source ids) name things: two
 * ids that print alike must be the same id, and printing one must not move a terminal's cursor.
 * So an id holds printable characters only: no control character (C0, DEL, C1: NUL, tab, newline,
 * ESC and so every ANSI escape), no format character (bidi controls, zero-width spaces, soft
 * hyphens, BOM), no line or paragraph separator, no unpaired surrogate (not a character at all:
 * encoders replace it with U+FFFD, so two such ids would share one UTF-8 form and one event id).
 * Free text (reasons, notes, titles) may hold tabs, newlines and format characters such as the
 * zero-width joiner of an emoji, but no other control character and no bidi control.
 */

/** Longest id, in characters (code points): an id is a name, not a document. */
export const MAX_ID_CHARS = 256;

/** What an id may hold, in the words scenarios/README.md uses. */
export const ID_CHARSET =
  'printable characters of any script: no control characters (C0, DEL, C1: NUL, tab, newline, ESC), no format characters (bidi controls, zero-width spaces, soft hyphen, BOM), no line or paragraph separators, no unpaired surrogates';
/** What free text may hold. */
export const TEXT_CHARSET =
  'any characters but control characters other than tab and newline (so no NUL, carriage return or ESC), bidi controls and unpaired surrogates';

const NOT_IN_ID = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const NOT_IN_TEXT = /[\0-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\p{Cs}]/u;

/** Why `v` cannot be an id, or undefined when it can. */
export function idProblem(v: string): string | undefined {
  if (v.trim() === '') return 'must be a non-empty identifier';
  if (v !== v.trim()) return 'must not start or end with spaces';
  const bad = NOT_IN_ID.exec(v);
  if (bad) return held(v, bad.index, 'an id');
  if (v.length > MAX_ID_CHARS && codePoints(v) > MAX_ID_CHARS)
    return `must be at most ${MAX_ID_CHARS} characters`;
  return undefined;
}

/** Why `v` cannot be free text, or undefined when it can. */
export function textProblem(v: string): string | undefined {
  const bad = NOT_IN_TEXT.exec(v);
  return bad ? held(v, bad.index, 'text') : undefined;
}

/** How to fix a value refused by idProblem or textProblem. */
export function charsetHint(kind: 'id' | 'text'): string {
  return kind === 'id' ? `an id holds ${ID_CHARSET}` : `text holds ${TEXT_CHARSET}`;
}

function held(v: string, index: number, what: string): string {
  const code = v.charCodeAt(index);
  const surrogate = code >= 0xd800 && code <= 0xdfff ? ' (an unpaired surrogate)' : '';
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  return `holds U+${hex}${surrogate} at character ${codePoints(v.slice(0, index)) + 1}, which ${what} may not hold`;
}

/** Characters as a reader counts them: code points, a surrogate pair being one. */
export function codePoints(v: string): number {
  let n = v.length;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = v.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) (n--, i++);
    }
  }
  return n;
}
