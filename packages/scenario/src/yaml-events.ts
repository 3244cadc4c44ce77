import { describe } from '@incident-ledger/core';
import { CORE_SCHEMA, load } from 'js-yaml';
import type { RawEvent } from './event-entry';
import { ScenarioError } from './errors';
import { YamlFile } from './yaml-file';

/** Keys of a YAML event file. */
export const EVENT_FILE_KEYS = ['generated', 'events'];
/** Events parsed by one call of the fast parser; a group that fails is parsed event by event. */
const GROUP_EVENTS = 512;

/** A span of the file's text: one event of its `events` list. */
interface Span {
  start: number;
  end: number;
  line: number;
}

/**
 * The events of a YAML event file, in file order. Each event of the `events` list is parsed on
 * its own (the list's items are found by their indentation), with js-yaml for speed (YAML 1.2 core
 * schema, as the yaml package reads it; no aliases); an event js-yaml does not take (an alias, a
 * syntax error, anything unusual) is parsed again by the yaml package, which decides and locates
 * errors. Only the file's frame (its keys, without the events) is parsed whole, and a file whose
 * events are not a block list at one indentation (a flow list, say) is parsed whole by the yaml
 * package. An anchor and its aliases must therefore be in the same event.
 */
export function* yamlRawEvents(text: string, file: string): Generator<RawEvent> {
  const split = splitEvents(text);
  const frame = YamlFile.parse(split?.frame ?? text, file);
  const top = frame.toJS();
  if (top === null || typeof top !== 'object' || Array.isArray(top))
    throw frame.error(
      [],
      `must be a mapping, got ${describe(top)}`,
      'an event file holds events: [ ... ]',
    );
  for (const k of Object.keys(top))
    if (!EVENT_FILE_KEYS.includes(k))
      throw frame.error([k], 'unknown key', `expected one of: ${EVENT_FILE_KEYS.join(', ')}`);
  const listed = (top as { events?: unknown }).events;
  if (listed !== undefined && listed !== null && !Array.isArray(listed))
    throw frame.error(['events'], `must be a list, got ${describe(listed)}`);
  if (Array.isArray(listed)) {
    for (let i = 0; i < listed.length; i++) {
      const at = ['events', i];
      yield {
        fields: listed[i],
        line: frame.locate(at).line ?? 1,
        error: (path, problem, hint) => frame.error([...at, ...path], problem, hint),
      };
    }
    return;
  }
  const spans = split?.entries ?? [];
  for (let g = 0; g < spans.length; g += GROUP_EVENTS) {
    const group = spans.slice(g, g + GROUP_EVENTS);
    const values = fast(text.slice(group[0]!.start, group[group.length - 1]!.end), group.length);
    for (let k = 0; k < group.length; k++) {
      const span = group[k]!;
      const index = g + k;
      const value = values ? values[k] : parsedAlone(text, span, file, index);
      yield {
        fields: value,
        line: span.line,
        error: (path, problem, hint) => {
          const { line, column } = alone(text, span, file).locate([0, ...path]);
          return new ScenarioError(file, line, column, ['events', index, ...path], problem, hint);
        },
      };
    }
  }
}

/** The `count` items of a block list, parsed by js-yaml; undefined when it does not take them. */
function fast(source: string, count: number): unknown[] | undefined {
  try {
    const v = load(source, { schema: CORE_SCHEMA, maxAliases: 0 });
    return Array.isArray(v) && v.length === count ? v : undefined;
  } catch {
    return undefined;
  }
}

/** One event parsed alone: by js-yaml, or else by the yaml package (which decides and locates). */
function parsedAlone(text: string, span: Span, file: string, index: number): unknown {
  const source = text.slice(span.start, span.end);
  const quick = fast(source, 1);
  if (quick) return quick[0];
  const v = alone(text, span, file).toJS();
  if (!Array.isArray(v) || v.length !== 1)
    throw new ScenarioError(
      file,
      span.line,
      1,
      ['events', index],
      'is not one item of the events list',
      'start each event with "- " at the indentation of the others',
    );
  return v[0];
}

function alone(text: string, span: Span, file: string): YamlFile {
  return YamlFile.parse(text.slice(span.start, span.end), file, span.line - 1);
}

/**
 * Finds the items of the top-level `events:` block list by indentation: an item starts with "-" at
 * the list's indentation; more indented lines, blank lines and comments continue it; a line at
 * column 0 ends the list. The frame is the text with the list's lines left empty (so its lines
 * keep their numbers). Undefined for any other layout: the file is then parsed whole.
 */
function splitEvents(text: string): { frame: string; entries: Span[] } | undefined {
  const entries: Span[] = [];
  let inList = false;
  let listStart = -1;
  let listEnd = -1;
  let listLines = 0;
  let indent = -1;
  let line = 0;
  for (let start = 0; start < text.length;) {
    line++;
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    let first = start;
    while (first < end && text.charCodeAt(first) === 32) first++;
    const c = text.charCodeAt(first);
    const blank = first === end || (c === 13 && first + 1 === end) || c === 35; // '\r', '#'
    const dash =
      c === 45 && (first + 1 === end || [32, 9, 13].includes(text.charCodeAt(first + 1))); // '-'
    const next = end + 1;
    if (!inList) {
      if (first === start && /^events:[ \t]*(#.*)?\r?$/.test(text.slice(start, end))) {
        if (listStart !== -1) return undefined; // twice: the whole-file parser says so
        inList = true;
        listStart = next;
      }
    } else if (blank) {
      listLines++;
    } else if (c === 9) {
      return undefined; // a tab in the indentation
    } else if (first === start && !(dash && indent === 0)) {
      inList = false;
      listEnd = start;
    } else if (indent === -1 ? dash : dash && first - start === indent) {
      if (indent === -1) indent = first - start;
      const last = entries[entries.length - 1];
      if (last) last.end = start;
      entries.push({ start, end: text.length, line });
      listLines++;
    } else if (indent !== -1 && first - start > indent) {
      listLines++;
    } else {
      return undefined;
    }
    start = next;
  }
  if (listStart === -1) return undefined;
  if (inList) listEnd = text.length;
  const last = entries[entries.length - 1];
  if (last) last.end = listEnd;
  // Keys after the list keep their line numbers behind empty lines; with none (the usual
  // layout), the frame is what comes before the list: the yaml package reads it in no time.
  const after = text.slice(listEnd);
  return {
    frame: text.slice(0, listStart) + (after === '' ? '' : '\n'.repeat(listLines) + after),
    entries,
  };
}
