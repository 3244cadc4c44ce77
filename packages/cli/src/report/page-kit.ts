/// <reference lib="dom" />
import type * as PlotModule from '@observablehq/plot';
import type { Provenance } from './model';

declare global {
  /** Observable Plot, inlined in the page from its npm package (html.ts). */
  var Plot: typeof PlotModule;
}

/**
 * What every part of a report page draws with: DOM builders, and amounts and times as the page
 * shows them. Runs in the browser: html.ts inlines the source of this function and of those that
 * take its result (page.ts), so none of them uses anything from outside but their arguments, the
 * DOM and Plot.
 */
export function pageKit(japaneseYen: (yen: number) => string) {
  const main = document.querySelector('main')!;
  const group = (n: number) => n.toLocaleString('en-US');
  const yen = (v: number) => `${group(v)}円`;
  const man = (v: number) => `${japaneseYen(v)}円`;
  /** Axis ticks: 万 and 億, rounded (the tables give exact amounts). */
  const tick = (v: number) =>
    v === 0
      ? '0'
      : Math.abs(v) >= 1e8
        ? `${+(v / 1e8).toFixed(2)}億`
        : `${group(+(v / 1e4).toFixed(1))}万`;
  /**
   * Instants are drawn at their wall-clock time in the scenario's zone (the offset dropped), days
   * at their midnight, on UTC scales: the axis reads in the scenario's zone wherever it opens.
   */
  const wall = (iso: string) => new Date(`${iso.slice(0, 19)}Z`);
  const day = (date: string) => new Date(`${date}T00:00:00Z`);

  function el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    attrs: Record<string, string> = {},
    ...children: (Node | string)[]
  ): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    e.append(...children);
    return e;
  }
  function section(id: string, title: string, note: string, ...content: Node[]): void {
    main.append(
      el('section', { id }, el('h2', {}, title), el('p', { class: 'note' }, note), ...content),
    );
  }
  function chart(name: string, svg: Element, caption = ''): HTMLElement {
    return el(
      'figure',
      { 'data-chart': name },
      svg,
      ...(caption ? [el('figcaption', {}, caption)] : []),
    );
  }
  type Cell = string | number | null;
  function table(
    id: string,
    headers: string[],
    rows: Cell[][],
    total?: Cell[],
    classOf: (row: Cell[]) => string = () => '',
  ): HTMLTableElement {
    const cell = (tag: 'td' | 'th', v: Cell) =>
      el(
        tag,
        typeof v === 'number' ? { class: 'num' } : {},
        v === null ? '' : typeof v === 'number' ? group(v) : v,
      );
    return el(
      'table',
      { id },
      el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))),
      el(
        'tbody',
        {},
        ...rows.map((r) => el('tr', { class: classOf(r) }, ...r.map((v) => cell('td', v)))),
      ),
      ...(total ? [el('tfoot', {}, el('tr', {}, ...total.map((v) => cell('th', v))))] : []),
    );
  }
  const bankLabel = (code: string, name: string | null) => (name ? `${code} ${name}` : code);

  function header(p: Provenance, subtitle: string): void {
    document.title = `${p.scenario.id}: ${subtitle}`;
    main.append(
      el('h1', { id: 'title' }, p.scenario.title),
      el('p', { class: 'subtitle' }, subtitle),
    );
  }
  function footer(p: Provenance): void {
    document.body.append(
      el(
        'footer',
        {},
        el('span', {}, `scenario ${p.scenario.id} (${p.scenario.timeZone})`),
        ...p.digests.map((d) => el('span', { class: 'digest' }, `${d.label} ${d.digest}`)),
        el('span', {}, `as of ${p.asOf ?? 'everything recorded'}`),
        el('span', {}, `incident-ledger ${p.version}`),
      ),
    );
  }
  function cards(items: [string, string][]): void {
    main.append(
      el(
        'dl',
        { class: 'cards', id: 'summary' },
        ...items.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))),
      ),
    );
  }
  /** A red cross at each published figure the replay does not reproduce. */
  const failures = (data: { at: Date }[], y: string) =>
    Plot.dot(data, { x: 'at', y, symbol: 'times', r: 8, stroke: 'red', strokeWidth: 3 });
  return {
    main,
    group,
    yen,
    man,
    tick,
    wall,
    day,
    el,
    section,
    chart,
    table,
    bankLabel,
    header,
    footer,
    cards,
    failures,
  };
}

export type PageKit = ReturnType<typeof pageKit>;
