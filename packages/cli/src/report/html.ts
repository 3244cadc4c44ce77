import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { japaneseYen } from '../output';
import type { PageData } from './model';
import { renderPage } from './page';
import { drawIncident } from './page-incident';
import { pageKit } from './page-kit';
import { drawOperators } from './page-operators';
import { drawWhatIf } from './page-what-if';

/**
 * The chart library, inlined from the npm packages so that the page opens offline: Observable
 * Plot and the d3 it runs on, as their UMD builds (docs/report.md says why Plot).
 */
const LIBRARIES = [
  { name: 'd3', file: 'dist/d3.min.js' },
  { name: '@observablehq/plot', file: 'dist/plot.umd.min.js' },
] as const;

/**
 * A file of an installed package, found from its entry point: the packages export no subpaths,
 * so the file is located beside the package.json that names the package.
 */
function packageFile(name: string, file: string): string {
  let dir = dirname(createRequire(__filename).resolve(name));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
      };
      if (manifest.name === name) return join(dir, file);
    } catch {
      // no package.json here: look further up
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the installed package ${name}`);
    dir = up;
  }
}

let libraries: string | undefined;
function librariesSource(): string {
  libraries ??= LIBRARIES.map(({ name, file }) => {
    const source = readFileSync(packageFile(name, file), 'utf8');
    if (/<\/script/i.test(source))
      throw new Error(`${name} cannot be inlined: it contains </script`);
    return `<script>${source}</script>`;
  }).join('\n');
  return libraries;
}

/** JSON safe inside <script>: no "<" that could close it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const STYLE = `
  :root { font-family: system-ui, "Noto Sans CJK JP", "IPAGothic", "Hiragino Sans", "Yu Gothic UI", Meiryo, sans-serif; color: #222; }
  body { margin: 0 auto; max-width: 1000px; padding: 16px 20px; }
  h1 { font-size: 1.5em; margin: 0.2em 0; }
  h2 { font-size: 1.15em; margin: 1.6em 0 0.2em; border-bottom: 1px solid #ddd; }
  .subtitle, .note { color: #555; margin: 0.2em 0 0.6em; }
  .cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; margin: 12px 0; }
  .cards div { background: #f4f6f8; border-radius: 6px; padding: 8px 10px; }
  .cards dt { font-size: 0.8em; color: #555; }
  .cards dd { margin: 0; font-size: 1.2em; font-weight: 600; }
  figure { margin: 8px 0; }
  figcaption { font-size: 0.8em; color: #555; }
  .small-multiples { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; }
  table { border-collapse: collapse; font-size: 0.85em; margin: 8px 0; }
  th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  tr.failed td { color: #b00; font-weight: 600; }
  footer { margin-top: 24px; padding-top: 8px; border-top: 1px solid #ccc; font-size: 0.75em; color: #555; display: flex; flex-wrap: wrap; gap: 4px 16px; }
  footer .digest { font-family: ui-monospace, monospace; }
  @media print { body { max-width: none; } section { break-inside: avoid; } }
`;

/**
 * The page: one HTML file with its data, the chart library and the drawing code inlined, and a
 * content security policy that lets it load nothing from anywhere.
 */
export function reportHtml(data: PageData): string {
  const title = `${data.provenance.scenario.id}: ${data.kind === 'incident' ? 'incident report' : 'what-if'}`;
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="incident-ledger ${data.provenance.version}">
<title>${title.replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))}</title>
<style>${STYLE}</style>
${librariesSource()}
<script type="application/json" id="report-data">${scriptJson(data)}</script>
</head>
<body>
<main></main>
<script>
// tsx (esbuild keepNames) wraps names in __name(...) inside functions; the page needs none.
var __name = (f) => f;
(${renderPage.toString()})(
  (${pageKit.toString()})(${japaneseYen.toString()}),
  ${drawIncident.toString()},
  ${drawWhatIf.toString()},
  ${drawOperators.toString()},
);
</script>
</body>
</html>
`;
}
