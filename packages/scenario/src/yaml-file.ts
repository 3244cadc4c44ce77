import { describe } from '@incident-ledger/core';
import { isAlias, isNode, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { readText } from './decode';
import { ScenarioError } from './errors';
import { MAX_YAML_ALIASES } from './limits';
import { FileRefused, openInside } from './open-file';

/** A parsed YAML file that can say where any value in it stands. */
export class YamlFile {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    /** Lines before the text parsed: a part of a file is located in the whole file. */
    private readonly lineOffset: number,
  ) {}

  /**
   * Reads `name` inside the scenario folder `root` (see openInside: never a file outside it, never
   * more than `maxBytes`), shown in messages as `shown`.
   */
  static read(root: string, name: string, shown: string, maxBytes: number): YamlFile {
    let text: string;
    try {
      text = readText(openInside(root, name, maxBytes, name), shown);
    } catch (e) {
      if (e instanceof FileRefused)
        throw new ScenarioError(shown, undefined, undefined, [], e.problem, e.hint);
      throw e;
    }
    return YamlFile.parse(text, shown);
  }

  /** Parses `text`, part of the file `file` starting after `lineOffset` lines. */
  static parse(text: string, file: string, lineOffset = 0): YamlFile {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const err = doc.errors[0];
    if (err) {
      const pos = lines.linePos(err.pos[0]);
      throw new ScenarioError(
        file,
        pos.line + lineOffset,
        pos.col,
        [],
        `YAML syntax error: ${err.code === 'RESOURCE_EXHAUSTION' ? 'nested too deeply to read' : yamlMessage(err.message)}`,
        err.code === 'RESOURCE_EXHAUSTION'
          ? 'an event nests a few levels deep: write the value out flat'
          : 'fix the YAML syntax at that line',
      );
    }
    return new YamlFile(file, doc, lines, lineOffset);
  }

  /**
   * The file's content as plain data (maps as objects). Instants stay text: YAML 1.2 core schema.
   * Aliases are limited (MAX_YAML_ALIASES): an alias bomb, or an alias without its anchor, is an
   * error at the alias.
   */
  toJS(): unknown {
    try {
      return this.doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (e) {
      if (e instanceof ReferenceError) throw this.aliasError(e);
      if (e instanceof RangeError)
        throw new ScenarioError(
          this.file,
          undefined,
          undefined,
          [],
          'is nested too deeply to read',
          'an event nests a few levels deep: write the values out flat',
        );
      throw e;
    }
  }

  /** Line and column of the value at `path`, or of its nearest ancestor that exists. */
  locate(path: readonly (string | number)[]): { line?: number; column?: number } {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return this.at(node.range[0]);
    }
    return {};
  }

  error(path: (string | number)[], problem: string, hint?: string): ScenarioError {
    const { line, column } = this.locate(path);
    return new ScenarioError(this.file, line, column, path, problem, hint);
  }

  private at(offset: number) {
    const pos = this.lines.linePos(offset);
    return { line: pos.line + this.lineOffset, column: pos.col };
  }

  /** The error for the first alias without an anchor, or for too many aliases. */
  private aliasError(e: ReferenceError): ScenarioError {
    const unresolved = /Unresolved alias/.test(e.message);
    let first: { source: string; offset: number } | undefined;
    visit(this.doc, {
      Alias: (_, node) => {
        if (!isAlias(node) || (unresolved && node.resolve(this.doc) !== undefined)) return;
        first = { source: node.source, offset: node.range?.[0] ?? 0 };
        return visit.BREAK;
      },
    });
    const { line, column } = this.at(first?.offset ?? 0);
    return unresolved
      ? new ScenarioError(
          this.file,
          line,
          column,
          [],
          `YAML syntax error: the alias ${describe(`*${first?.source ?? ''}`)} refers to no anchor`,
          'set the anchor (&name) before the alias, in the same event, or write the value out',
        )
      : new ScenarioError(
          this.file,
          line,
          column,
          [],
          `YAML syntax error: the file uses more than ${MAX_YAML_ALIASES} aliases`,
          'write the values out: aliases are limited to keep alias bombs out',
        );
  }
}

/** The first line of a parser's message, quoted as describe quotes values when unusual. */
function yamlMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.length <= 120 && !/[\p{Cc}\p{Cf}]/u.test(first) ? first : describe(first);
}
