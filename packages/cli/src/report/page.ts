/// <reference lib="dom" />
import type * as PlotModule from '@observablehq/plot';
import type { IncidentPage, PageData, Provenance, WhatIfPage } from './model';

/** Observable Plot, inlined in the page from its npm package (html.ts). */
declare const Plot: typeof PlotModule;

/**
 * Draws a report page in the browser from the JSON embedded in it. html.ts inlines this
 * function's source, so it uses nothing from outside but its argument, the DOM and Plot.
 * Every chart is an SVG in a <figure data-chart="..."> whose marks the browser test counts.
 */
export function renderPage(japaneseYen: (yen: number) => string): void {
  const data = JSON.parse(document.getElementById('report-data')!.textContent!) as PageData;
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

  function incident(d: IncidentPage): void {
    const p = d.provenance;
    header(p, `Incident report, as of ${p.asOf ?? 'everything recorded'}`);
    const s = d.summary;
    cards([
      ['cases', group(s.cases)],
      ['banks with damage', group(s.banksWithDamage)],
      ['damage', man(s.damageYen)],
      ['compensated', man(s.compensatedYen)],
      ['oldest damage', s.oldestDamageDate ?? '-'],
      ['banks that stopped charges', group(s.banksStoppedCharges)],
      ['wallets locked', group(s.walletsLocked)],
      ['inquiries', group(s.inquiries)],
    ]);
    const bankDays = d.bankDays.map((b) => ({
      ...b,
      day: day(b.date),
      bank: bankLabel(b.bankCode, b.bankName),
    }));
    section(
      'daily',
      'Damage per calendar day, by bank',
      `Charges of counted cases by the day they occurred (${p.scenario.timeZone}), stacked by bank.`,
      chart(
        'daily',
        Plot.plot({
          width: 960,
          height: 300,
          marginLeft: 60,
          y: { label: 'damage (yen)', tickFormat: tick, grid: true },
          x: { label: 'occurred' },
          // Ten banks in ten distinct colours; more, spread along one scheme so none repeats.
          color: {
            legend: true,
            type: 'ordinal',
            scheme: new Set(bankDays.map((b) => b.bank)).size <= 10 ? 'tableau10' : 'turbo',
          },
          marks: [
            Plot.rectY(bankDays, {
              x: 'day',
              interval: 'day',
              y: 'damageYen',
              fill: 'bank',
              title: (b: (typeof bankDays)[number]) => `${b.bank}\n${b.date}\n${yen(b.damageYen)}`,
            }),
            Plot.ruleY([0]),
          ],
        }),
      ),
    );
    const lines = [
      ...d.days.map((x) => ({
        series: 'by when it occurred',
        at: day(x.date),
        yen: x.cumulativeYen,
      })),
      ...d.known.map((x) => ({
        series: 'by when it was recorded (known)',
        at: wall(x.at),
        yen: x.damageYen,
      })),
    ];
    const published = d.figures
      .filter((f) => f.figure === 'damageYen' && f.bankCode === null && f.since === null)
      .map((f) => ({ ...f, at: wall(f.asOf) }));
    section(
      'bitemporal',
      'Cumulative damage: when it occurred, when it was known',
      `The same damage counted twice: by when each charge occurred, and as the ledger knew it at each instant it changed (${d.knownBasis === 'instant' ? 'a replay at every recordedAt that changed it' : 'a replay at the last record of each day'}). Published totals: circles, a red cross where the replay does not reproduce them.`,
      chart(
        'bitemporal',
        Plot.plot({
          width: 960,
          height: 320,
          marginLeft: 60,
          y: { label: 'cumulative damage (yen)', tickFormat: tick, grid: true },
          x: { label: null },
          color: {
            legend: true,
            domain: ['by when it occurred', 'by when it was recorded (known)'],
          },
          marks: [
            Plot.line(lines, { x: 'at', y: 'yen', stroke: 'series', curve: 'step-after' }),
            Plot.dot(published, {
              x: 'at',
              y: 'published',
              r: 5,
              stroke: 'black',
              title: (f: (typeof published)[number]) =>
                `${f.publicationId}\npublished ${yen(f.published)}\nreplayed ${yen(f.replayed)}`,
            }),
            Plot.dot(
              published.filter((f) => !f.ok),
              { x: 'at', y: 'published', symbol: 'times', r: 8, stroke: 'red', strokeWidth: 3 },
            ),
          ],
        }),
      ),
    );
    const controls = d.controls.map((c) => ({
      ...c,
      when: wall(c.at),
      who: bankLabel(c.subject, c.subjectName),
    }));
    const times = controls.map((c) => +c.when);
    const domain =
      times.length === 0
        ? undefined
        : [new Date(Math.min(...times) - 14 * 864e5), new Date(Math.max(...times) + 2 * 864e5)];
    section(
      'controls',
      'Controls on one time axis, over the damage curve',
      'When each control took effect (occurred): linking suspended, each bank stopping charges, eKYC required; the cumulative damage by occurrence under them. The axis spans the controls and the two weeks before.',
      chart(
        'controls',
        Plot.plot({
          width: 960,
          height: 320,
          marginLeft: 60,
          x: { label: null, ...(domain && { domain }) },
          y: { label: 'cumulative damage (yen)', tickFormat: tick, grid: true },
          color: { legend: true },
          marks: [
            Plot.line(d.days, {
              x: (x: { date: string }) => day(x.date),
              y: 'cumulativeYen',
              curve: 'step-after',
              clip: true,
            }),
            Plot.ruleX(controls, {
              x: 'when',
              stroke: 'control',
              strokeWidth: 1.5,
              title: (c: (typeof controls)[number]) => `${c.at}\n${c.control}\n${c.who}`,
            }),
          ],
        }),
      ),
      table(
        'controls-table',
        ['at', 'control', 'subject', 'name'],
        d.controls.map((c) => [c.at, c.control, c.subject, c.subjectName]),
      ),
    );
    figures(d);
    const b = d.banks;
    const sum = (k: 'cases' | 'damageYen' | 'compensatedYen' | 'outstandingYen') =>
      b.reduce((n, x) => n + x[k], 0);
    section(
      'banks',
      'Damage by bank',
      'Compensation is tracked beside damage, never against it.',
      table(
        'bank-table',
        ['bank', 'name', 'cases', 'damage (yen)', 'compensated (yen)', 'outstanding (yen)'],
        b.map((x) => [
          x.bankCode,
          x.bankName,
          x.cases,
          x.damageYen,
          x.compensatedYen,
          x.outstandingYen,
        ]),
        ['total', '', sum('cases'), sum('damageYen'), sum('compensatedYen'), sum('outstandingYen')],
      ),
    );
    // The case table (replay --by case, issue 13) goes here, after the banks.
    footer(p);
  }

  function figures(d: IncidentPage): void {
    const groups = new Map<string, IncidentPage['figures']>();
    for (const f of d.figures) {
      const key = [
        f.figure,
        f.bankCode ? `bank ${bankLabel(f.bankCode, f.bankName)}` : '',
        f.since ? `since ${f.since}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    const month = (v: number) => `${Math.floor(v / 100)}-${String(v % 100).padStart(2, '0')}`;
    const charts = [...groups].map(([key, rows]) => {
      const unit = rows[0]!.unit;
      const points = rows.flatMap((f) => [
        { ...f, at: wall(f.asOf), kind: 'published', value: f.published },
        { ...f, at: wall(f.asOf), kind: 'replayed', value: f.replayed },
      ]);
      return chart(
        `figure:${key}`,
        Plot.plot({
          width: 300,
          height: 150,
          marginLeft: 60,
          x: {
            type: 'utc',
            label: null,
            ticks: 3,
            inset: 12,
            tickFormat: (t: Date) => t.toISOString().slice(5, 16).replace('T', ' '),
          },
          // Months as points on their own (a scale from 0 means nothing for them); counts and yen
          // from 0.
          y:
            unit === 'month'
              ? { type: 'point', label: null, tickFormat: month }
              : {
                  label: null,
                  grid: true,
                  zero: true,
                  nice: true,
                  ...(unit === 'yen' && { tickFormat: tick }),
                },
          marks: [
            // Replayed filled and small, published as a ring around it: both show when they agree.
            Plot.dot(
              points.filter((q) => q.kind === 'replayed'),
              {
                x: 'at',
                y: 'value',
                fill: 'steelblue',
                r: 3.5,
                title: (q: (typeof points)[number]) =>
                  `${q.publicationId}\nreplayed ${unit === 'month' ? month(q.value) : group(q.value)}`,
              },
            ),
            Plot.dot(
              points.filter((q) => q.kind === 'published'),
              {
                x: 'at',
                y: 'value',
                stroke: 'black',
                r: 6,
                title: (q: (typeof points)[number]) =>
                  `${q.publicationId}\npublished ${unit === 'month' ? month(q.value) : group(q.value)}`,
              },
            ),
            Plot.dot(
              rows.filter((f) => !f.ok).map((f) => ({ at: wall(f.asOf), value: f.published })),
              { x: 'at', y: 'value', symbol: 'times', r: 8, stroke: 'red', strokeWidth: 3 },
            ),
          ],
        }),
        `${key}: ${rows[0]!.label}`,
      );
    });
    const failed = d.figures.filter((f) => !f.ok).length;
    section(
      'figures',
      'Published figures over time',
      `Each figure a publication states, at its as-of time: published (ring) around replayed (dot); ${failed === 0 ? 'every one reproduced' : `${failed} not reproduced, marked with a red cross`}.`,
      el('div', { class: 'small-multiples' }, ...charts),
      table(
        'figure-table',
        ['publication', 'figure', 'of', 'as of', 'published', 'replayed', 'stated as', 'ok'],
        d.figures.map((f) => [
          f.publicationId,
          f.figure,
          [
            f.bankCode ? `bank ${bankLabel(f.bankCode, f.bankName)}` : '',
            f.since ? `since ${f.since}` : '',
          ]
            .filter(Boolean)
            .join(', '),
          f.asOf,
          f.unit === 'month' ? month(f.published) : f.published,
          f.unit === 'month' ? month(f.replayed) : f.replayed,
          f.statedAs,
          f.ok ? 'ok' : 'MISMATCH',
        ]),
        undefined,
        (r) => (r[7] === 'MISMATCH' ? 'failed' : ''),
      ),
    );
  }

  function whatIf(d: WhatIfPage): void {
    const p = d.provenance;
    header(p, 'What if: the same attacks under changed controls');
    cards([
      ['baseline damage', man(d.total.baselineYen)],
      ['counterfactual damage', man(d.total.counterfactualYen)],
      ['damage avoided', man(d.total.avoidedYen)],
    ]);
    main.append(
      el(
        'section',
        { id: 'changes' },
        el('h2', {}, 'What changed'),
        el('p', { class: 'note' }, d.attacks),
        el('ul', {}, ...d.changes.map((c) => el('li', {}, c))),
      ),
    );
    const banks = d.banks.map((b) => ({ ...b, bank: bankLabel(b.bankCode, b.bankName) }));
    section(
      'avoided',
      'Damage per bank, with and without the changes',
      'Baseline (the controls as they were, grey) and counterfactual (with the changes, blue) per bank; the difference, written at the right, is the damage avoided.',
      chart(
        'avoided',
        Plot.plot({
          width: 960,
          height: 40 + 28 * banks.length,
          marginLeft: 160,
          marginRight: 90,
          x: { label: 'damage (yen)', tickFormat: tick, grid: true },
          y: { label: null, domain: banks.map((b) => b.bank) },
          marks: [
            Plot.barX(banks, {
              y: 'bank',
              x: 'baselineYen',
              fill: '#bbb',
              title: (b: (typeof banks)[number]) => `${b.bank}\nbaseline ${yen(b.baselineYen)}`,
            }),
            Plot.barX(banks, {
              y: 'bank',
              x: 'counterfactualYen',
              fill: 'steelblue',
              insetTop: 6,
              insetBottom: 6,
              title: (b: (typeof banks)[number]) =>
                `${b.bank}\ncounterfactual ${yen(b.counterfactualYen)}`,
            }),
            Plot.text(banks, {
              y: 'bank',
              x: 'baselineYen',
              text: (b: (typeof banks)[number]) =>
                b.avoidedYen === 0 ? '' : `−${man(b.avoidedYen)}`,
              textAnchor: 'start',
              dx: 6,
            }),
            Plot.ruleX([0]),
          ],
        }),
      ),
      table(
        'avoided-table',
        ['bank', 'name', 'baseline (yen)', 'counterfactual (yen)', 'avoided (yen)'],
        d.banks.map((b) => [
          b.bankCode,
          b.bankName,
          b.baselineYen,
          b.counterfactualYen,
          b.avoidedYen,
        ]),
        ['total', '', d.total.baselineYen, d.total.counterfactualYen, d.total.avoidedYen],
      ),
    );
    const curves = d.curves.map((c) => ({ ...c, at: day(c.date) }));
    section(
      'curves',
      'Cumulative damage, baseline and counterfactual',
      'By the day each charge occurred.',
      chart(
        'curves',
        Plot.plot({
          width: 960,
          height: 320,
          marginLeft: 60,
          x: { label: 'occurred' },
          y: { label: 'cumulative damage (yen)', tickFormat: tick, grid: true },
          color: {
            legend: true,
            domain: ['baseline', 'counterfactual'],
            range: ['#888', 'steelblue'],
          },
          marks: [
            Plot.line(curves, { x: 'at', y: 'cumulativeYen', stroke: 'run', curve: 'step-after' }),
          ],
        }),
      ),
    );
    footer(p);
  }

  if (data.kind === 'incident') incident(data);
  else whatIf(data);
  document.body.setAttribute('data-rendered', 'true');
}
