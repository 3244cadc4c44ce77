import { existsSync, readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { ScenarioError } from './errors';

/** A parsed YAML file that can say where any value in it stands. */
export class YamlFile {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  static read(file: string, displayName = file): YamlFile {
    if (!existsSync(file)) {
      throw new ScenarioError(
        displayName,
        undefined,
        undefined,
        [],
        'file not found',
        'check the path, relative to the scenario folder',
      );
    }
    const lines = new LineCounter();
    const doc = parseDocument(readFileSync(file, 'utf8'), {
      lineCounter: lines,
      prettyErrors: false,
      uniqueKeys: true,
    });
    const err = doc.errors[0];
    if (err) {
      const pos = lines.linePos(err.pos[0]);
      const message = err.message.split('\n')[0] ?? err.message;
      throw new ScenarioError(
        displayName,
        pos.line,
        pos.col,
        [],
        `YAML syntax error: ${message}`,
        'fix the YAML syntax at that line',
      );
    }
    return new YamlFile(displayName, doc, lines);
  }

  /**
   * The file's content as plain data (maps as objects). Instants stay text: YAML 1.2 core schema.
   */
  toJS(): unknown {
    return this.doc.toJS();
  }

  /** Line and column of the value at `path`, or of its nearest ancestor that exists. */
  locate(path: readonly (string | number)[]): { line?: number; column?: number } {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        const pos = this.lines.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return {};
  }

  error(path: (string | number)[], problem: string, hint?: string): ScenarioError {
    const { line, column } = this.locate(path);
    return new ScenarioError(this.file, line, column, path, problem, hint);
  }
}
