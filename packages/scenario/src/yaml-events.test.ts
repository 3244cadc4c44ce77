import { parse } from 'yaml';
import { ScenarioError } from './errors';
import { yamlRawEvents } from './yaml-events';
import { YamlFile } from './yaml-file';

const read = (text: string) => [...yamlRawEvents(text, 'f.yaml')];

/** The same files read whole by the yaml package: what the fast path must agree with. */
const whole = (text: string) => (parse(text) as { events?: unknown[] }).events ?? [];

const LAYOUTS: [string, string][] = [
  [
    'flow events',
    'events:\n  - { key: a, type: X, data: { n: 1, f: [x, y] } }\n  - { key: b, n: 0o17, h: 0x1F, e: 1e3, t: 2020-09-14T00:00:00+09:00 }\n',
  ],
  [
    'block events with comments and blank lines',
    '# head\ngenerated: by hand\nevents:\n  # first\n  - key: a\n    data:\n      n: 1\n\n  # second\n  - key: b\n    note: |\n      # not a comment\n      two lines\n'.replace(
      'other: after\n',
      '',
    ),
  ],
  ['items at column 0', 'events:\n- { key: a }\n- key: b\n  x: 1\n'],
  [
    'an anchor used in its own event',
    'events:\n  - { key: a, data: &d { n: 1 }, copy: *d }\n  - { key: b }\n',
  ],
  ['CRLF line breaks', 'events:\r\n  - { key: a }\r\n  - { key: b, s: "x\\r" }\r\n'],
  ['a flow list of events', 'events: [ { key: a }, { key: b } ]\n'],
  ['events before generated', 'events:\n  - { key: a }\ngenerated: { by: x }\n'],
  ['quoted multi-line text', 'events:\n  - key: a\n    reason: "one\n      two"\n  - { key: b }\n'],
  ['explicit tags', 'events:\n  - { key: !!str 12, n: !!int "7" }\n'],
  ['no events', 'generated: x\nevents:\n'],
];

describe('YAML event files: each event parsed alone', () => {
  it.each(LAYOUTS)('%s: the same events as the whole file read by the yaml package', (_, text) => {
    expect(read(text).map((r) => r.fields)).toEqual(whole(text));
  });

  it('gives each event the line it starts on', () => {
    expect(read(LAYOUTS[1]![1]).map((r) => r.line)).toEqual([5, 10]);
  });

  it('locates a path inside an event exactly where the whole-file parser does', () => {
    const text = 'events:\n  - { key: a }\n  # c\n  - key: b\n    data:\n      amountYen: -5\n';
    const [, b] = read(text);
    const e = b!.error(['data', 'amountYen'], 'bad');
    const w = YamlFile.parse(text, 'f.yaml').locate(['events', 1, 'data', 'amountYen']);
    expect({ line: e.line, column: e.column }).toEqual(w);
    expect(e.path).toEqual(['events', 1, 'data', 'amountYen']);
  });

  it.each([
    [
      'a syntax error in an event',
      'events:\n  - { key: a }\n  - { key: [b }\n',
      /f\.yaml:3:\d+: YAML syntax error/,
    ],
    [
      'an alias to an anchor of another event',
      'events:\n  - { key: &k a }\n  - { key: *k }\n',
      /f\.yaml:3:\d+: YAML syntax error: the alias "\*k" refers to no anchor/,
    ],
    [
      'an unknown top-level key',
      'events:\n  - { key: a }\nevents2: []\n',
      /f\.yaml:3:\d+: events2: unknown key/,
    ],
    [
      'a key repeated in an event',
      'events:\n  - { key: a, key: b }\n',
      /f\.yaml:2:\d+: YAML syntax error: Map keys must be unique/,
    ],
  ])('refuses %s, located in the whole file', (_, text, message) => {
    try {
      read(text);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      expect((e as Error).message).toMatch(message);
    }
  });
});
