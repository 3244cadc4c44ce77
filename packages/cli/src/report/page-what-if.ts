/// <reference lib="dom" />
import type { WhatIfPage } from './model';
import type { PageKit } from './page-kit';

/** The what-if page: damage per bank (and operator) with and without the changes, the curves. */
export function drawWhatIf(kit: PageKit, d: WhatIfPage): void {
  const { main, yen, man, tick, day, el, section, chart, table, bankLabel, header, footer, cards } =
    kit;
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
  if (d.operators)
    section(
      'operators-avoided',
      'Damage per operator (payment service), with and without the changes',
      'Yen charged through each operator in the baseline and the counterfactual, and the damage avoided.',
      table(
        'operator-avoided-table',
        ['operator', 'name', 'baseline (yen)', 'counterfactual (yen)', 'avoided (yen)'],
        d.operators.map((o) => [
          o.operatorCode,
          o.operatorName,
          o.baselineYen,
          o.counterfactualYen,
          o.avoidedYen,
        ]),
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
