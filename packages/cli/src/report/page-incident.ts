/// <reference lib="dom" />
import type { IncidentPage } from './model';
import type { PageKit } from './page-kit';
import type { drawOperators as DrawOperators } from './page-operators';

/**
 * The incident report: summary, the charts, the figures, the banks, the operators when there are
 * two or more (runs in the browser; drawOperators is passed in, as html.ts inlines each function).
 */
export function drawIncident(
  kit: PageKit,
  d: IncidentPage,
  drawOperators: typeof DrawOperators,
): void {
  const {
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
  } = kit;
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
    .filter(
      (f) =>
        f.figure === 'damageYen' && f.bankCode === null && f.status === null && f.since === null,
    )
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
          failures(
            published.filter((f) => !f.ok),
            'published',
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
  if (d.operators) drawOperators(kit, d.operators, p.scenario.timeZone);
  // The case table (replay --by case, issue 13) goes here, after the banks.
  footer(p);

  function figures(d: IncidentPage): void {
    // What a figure is of, as verify's text says it: bank, operator, status, window.
    const of = (f: IncidentPage['figures'][number]) =>
      [
        f.bankCode ? `bank ${bankLabel(f.bankCode, f.bankName)}` : '',
        f.operatorCode ? `operator ${bankLabel(f.operatorCode, f.operatorName)}` : '',
        f.status ? `status ${f.status}` : '',
        f.since ? `since ${f.since}` : '',
      ]
        .filter(Boolean)
        .join(', ');
    const groups = new Map<string, IncidentPage['figures']>();
    for (const f of d.figures) {
      const key = [f.figure, of(f)].filter(Boolean).join(', ');
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
            ...(['replayed', 'published'] as const).map((kind) =>
              Plot.dot(
                points.filter((q) => q.kind === kind),
                {
                  x: 'at',
                  y: 'value',
                  ...(kind === 'replayed'
                    ? { fill: 'steelblue', r: 3.5 }
                    : { stroke: 'black', r: 6 }),
                  title: (q: (typeof points)[number]) =>
                    `${q.publicationId}\n${kind} ${unit === 'month' ? month(q.value) : group(q.value)}`,
                },
              ),
            ),
            failures(
              rows.filter((f) => !f.ok).map((f) => ({ at: wall(f.asOf), value: f.published })),
              'value',
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
      d.figures.length === 0
        ? 'No publication had been recorded by then.'
        : `Each figure a publication states, at its as-of time: published (ring) around replayed (dot); ${failed === 0 ? 'every one reproduced' : `${failed} not reproduced, marked with a red cross`}.`,
      el('div', { class: 'small-multiples' }, ...charts),
      table(
        'figure-table',
        ['publication', 'figure', 'of', 'as of', 'published', 'replayed', 'stated as', 'ok'],
        d.figures.map((f) => [
          f.publicationId,
          f.figure,
          of(f),
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
}
