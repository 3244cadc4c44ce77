import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { runCli } from '../run-cli.testing';
import { copyScenario, FAILING_EXAMPLE_EDIT } from '../scenario-copy.testing';
import type { IncidentPage } from './model';

/**
 * The report pages in a real browser: Debian's Chromium (scripts/install.sh), driven by
 * playwright-core, launched once for every check. What the pages show is checked against the CLI's
 * own JSON (replay, verify, what-if), never against the data embedded in the page alone.
 */
const ROOT = resolve(__dirname, '../../../..');
const DOCOMO = join(ROOT, 'scenarios/docomo-kouza-2020');
/** One bank drained through six named payment services and one unnamed: the operator section. */
const YUCHO = join(ROOT, 'scenarios/yucho-2020');
const YUCHO_WHAT_IF = ['--suspend-linking', 'paypay@2020-08-01T00:00:00+09:00'];
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots for a person to look at (git-ignored). */
const OUTPUT = join(ROOT, 'test-output/report');

if (!existsSync(CHROMIUM)) {
  if (process.env.CI === 'true') {
    it('has Chromium to render the report in', () => {
      throw new Error(
        `${CHROMIUM} not found: under CI the report must be rendered in a real browser (scripts/install.sh installs Debian's chromium)`,
      );
    });
  } else {
    console.log(
      `Skipping the report's browser tests: ${CHROMIUM} not found (bash scripts/install.sh installs it as root; CHROMIUM_PATH names another).`,
    );
    describe.skip('report pages in Chromium (needs chromium)', () => {
      it('renders', () => undefined);
    });
  }
} else {
  describeBrowser();
}

interface Opened {
  page: Page;
  errors: string[];
  /** Every request the page made other than for its own file. */
  requests: string[];
}

interface Figures {
  cases: number;
  damageYen: number;
  compensatedYen: number;
  outstandingYen: number;
}
type OperatorRow = Figures & { operatorCode: string; operatorName: string | null };
interface AvoidedRow {
  operatorCode: string;
  operatorName: string | null;
  baselineYen: number;
  counterfactualYen: number;
  avoidedYen: number;
}

const outputs = new Map<string, unknown>();
/** A command's JSON output (once per command line: several checks ask the same). */
async function json(...argv: string[]) {
  const key = argv.join('\0');
  if (!outputs.has(key)) {
    const { code, stdout, stderr } = await runCli(...argv, '--format', 'json');
    if (code !== 0 && code !== 1) throw new Error(`${argv.join(' ')}: exit ${code}\n${stderr}`);
    outputs.set(key, JSON.parse(stdout));
  }
  return outputs.get(key) as any;
}

function describeBrowser() {
  let tmp: string;
  let context: BrowserContext;
  let incident: Opened;
  let whatIf: Opened;
  let failing: Opened;
  let yucho: Opened;
  let yuchoWhatIf: Opened;

  async function open(file: string): Promise<Opened> {
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => void errors.push(e.message));
    page.on('request', (r) => void (r.url() !== `file://${file}` && requests.push(r.url())));
    await page.goto(`file://${file}`);
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 20_000 });
    return { page, errors, requests };
  }

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'ledger-report-'));
    const report = join(tmp, 'docomo.html');
    const written = await json('report', DOCOMO, '--store', 'memory:', '--out', report);
    expect(written.out.bytes).toBe(readFileSync(report).length);
    const whatIfFile = join(tmp, 'what-if.html');
    await json(
      'what-if',
      DOCOMO,
      '--suspend-linking-at',
      '2020-09-03T00:00:00+09:00',
      '--report',
      whatIfFile,
    );
    context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1040, height: 1200 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // Anything but the page's own file is refused, so a request cannot reach a network either.
    await context.route(/^(?!file:)/, (route) => route.abort());
    // The worked example made to fail: its damage figures are marked.
    const example = copyScenario(
      join(ROOT, 'scenarios/example-minimal'),
      join(tmp, 'example'),
      FAILING_EXAMPLE_EDIT,
    );
    const failingFile = join(tmp, 'failing.html');
    await json('report', example, '--store', 'memory:', '--out', failingFile);
    const yuchoFile = join(tmp, 'yucho.html');
    await json('report', YUCHO, '--store', 'memory:', '--out', yuchoFile);
    const yuchoWhatIfFile = join(tmp, 'yucho-what-if.html');
    await json('what-if', YUCHO, ...YUCHO_WHAT_IF, '--report', yuchoWhatIfFile);
    incident = await open(report);
    whatIf = await open(whatIfFile);
    failing = await open(failingFile);
    yucho = await open(yuchoFile);
    yuchoWhatIf = await open(yuchoWhatIfFile);
    mkdirSync(OUTPUT, { recursive: true });
    await incident.page.screenshot({ path: join(OUTPUT, 'docomo.png'), fullPage: true });
    await whatIf.page.screenshot({ path: join(OUTPUT, 'what-if.png'), fullPage: true });
    await failing.page.screenshot({ path: join(OUTPUT, 'failing.png'), fullPage: true });
    await yucho.page.screenshot({ path: join(OUTPUT, 'yucho.png'), fullPage: true });
    await yuchoWhatIf.page.screenshot({ path: join(OUTPUT, 'yucho-what-if.png'), fullPage: true });
    // The top of the docomo page, as docs/report.png shows it (copied from here by hand).
    await incident.page.screenshot({ path: join(OUTPUT, 'docomo-top.png') });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const count = (page: Page, chart: string, selector: string) =>
    page.$$eval(`figure[data-chart="${chart}"] ${selector}`, (nodes) => nodes.length);
  const cells = (page: Page, selector: string) =>
    page.$$eval(selector, (rows) =>
      rows.map((r) => [...r.querySelectorAll('td, th')].map((c) => c.textContent ?? '')),
    );
  const group = (n: number) => n.toLocaleString('en-US');

  it('renders both pages with no console error and no request leaving the page', () => {
    for (const opened of [incident, whatIf, failing, yucho, yuchoWhatIf]) {
      expect(opened.errors).toEqual([]);
      expect(opened.requests).toEqual([]);
    }
  });

  it('draws a bar per bank and day, stacked by bank: as many as replay --by bank-day has rows', async () => {
    const { bankDay } = await json('replay', DOCOMO, '--store', 'memory:', '--by', 'bank-day');
    expect(bankDay.length).toBeGreaterThan(100);
    expect(await count(incident.page, 'daily', 'g[aria-label="rect"] rect')).toBe(bankDay.length);
  });

  it('draws the two cumulative curves, the published totals on them, and the controls', async () => {
    const { figures } = await json('verify', DOCOMO, '--skip-invariants');
    const totals = figures.filter(
      (f: { figure: string; bankCode: unknown; since: unknown }) =>
        f.figure === 'damageYen' && f.bankCode === null && f.since === null,
    );
    expect(await count(incident.page, 'bitemporal', 'g[aria-label="line"] path')).toBe(2);
    expect(await count(incident.page, 'bitemporal', 'g[aria-label="dot"] circle')).toBe(
      totals.length,
    );
    const { controls } = await json('replay', DOCOMO, '--store', 'memory:', '--by', 'controls');
    expect(controls.length).toBeGreaterThan(20);
    expect(await count(incident.page, 'controls', 'g[aria-label="rule"] line')).toBe(
      controls.length,
    );
    expect(await count(incident.page, 'controls', 'g[aria-label="line"] path')).toBe(1);
    expect((await cells(incident.page, '#controls-table tbody tr')).map((r) => r[2])).toEqual(
      controls.map((c: { subject: string }) => c.subject),
    );
  });

  it('draws each published figure over time, published beside replayed, no failure marked', async () => {
    const { figures } = await json('verify', DOCOMO, '--skip-invariants');
    const groups = new Map<string, number>();
    for (const f of figures) {
      const key = `${f.figure}|${f.bankCode}|${f.since}`;
      groups.set(key, (groups.get(key) ?? 0) + 1);
    }
    const charts = await incident.page.$$eval('figure[data-chart^="figure:"]', (nodes) =>
      nodes.map((n) => ({
        rings: n.querySelectorAll('g[aria-label="dot"][stroke="black"] circle').length,
        dots: n.querySelectorAll('g[aria-label="dot"] circle').length,
        crosses: n.querySelectorAll('g[aria-label="dot"] path').length,
      })),
    );
    expect(charts).toHaveLength(groups.size);
    expect(charts.reduce((n, c) => n + c.rings, 0)).toBe(figures.length);
    expect(charts.reduce((n, c) => n + c.dots, 0)).toBe(2 * figures.length);
    expect(charts.reduce((n, c) => n + c.crosses, 0)).toBe(0);
    const rows = await cells(incident.page, '#figure-table tbody tr');
    expect(rows.map((r) => r[7])).toEqual(figures.map(() => 'ok'));
  });

  it('marks each figure the replay does not reproduce, as verify names it', async () => {
    const { figures } = await json('verify', join(tmp, 'example'), '--skip-invariants');
    const failed = figures.filter((f: { ok: boolean }) => !f.ok);
    expect(failed.length).toBeGreaterThan(0);
    const crosses = await failing.page.$$eval(
      'figure[data-chart^="figure:"] g[aria-label="dot"] path',
      (nodes) => nodes.length,
    );
    expect(crosses).toBe(failed.length);
    const rows = await cells(failing.page, '#figure-table tbody tr.failed');
    expect(rows.map((r) => [r[0], r[1], r[7]])).toEqual(
      failed.map((f: { publicationId: string; figure: string }) => [
        f.publicationId,
        f.figure,
        'MISMATCH',
      ]),
    );
    expect(await failing.page.locator('#figures .note').innerText()).toMatch(
      new RegExp(`${failed.length} not reproduced, marked with a red cross`),
    );
  });

  it('shows the replayed figures: summary, every bank with its name, the total', async () => {
    const r = await json('replay', DOCOMO, '--store', 'memory:');
    const text = await incident.page.locator('#summary').innerText();
    expect(text).toContain('2,542万7,000円');
    expect(text).toContain(`${r.summary.cases}`);
    const banks = await cells(incident.page, '#bank-table tbody tr');
    expect(banks).toEqual(
      r.bank.map((b: Record<string, number | string | null>) => [
        b.bankCode,
        b.bankName ?? '',
        group(b.cases as number),
        group(b.damageYen as number),
        group(b.compensatedYen as number),
        group(b.outstandingYen as number),
      ]),
    );
    const [total] = await cells(incident.page, '#bank-table tfoot tr');
    expect(total).toEqual(['total', '', '120', '25,427,000', '25,427,000', '0']);
    expect(r.totals.bank.damageYen).toBe(25_427_000);
    const footer = await incident.page.locator('footer').innerText();
    expect(footer).toContain(r.digest);
    expect(footer).toMatch(/scenario docomo-kouza-2020/);
    expect(footer).toMatch(/as of everything recorded/);
    expect(footer).toMatch(/incident-ledger \d+\.\d+\.\d+/);
  });

  it('knows the damage at each instant as replay --as-of does', async () => {
    const data = JSON.parse(
      await incident.page
        .locator('#report-data')
        .textContent()
        .then((t) => t ?? ''),
    ) as IncidentPage;
    const known = data.known;
    expect(data.knownBasis).toBe('instant');
    expect(known.at(-1)!.damageYen).toBe(25_427_000);
    // Ten instants across the curve, each replayed on its own: the same figure.
    const sample = known.filter((_, i) => i % Math.ceil(known.length / 10) === 0);
    for (const point of [...sample, known.at(-1)!]) {
      const r = await json(
        'replay',
        DOCOMO,
        '--store',
        'memory:',
        '--as-of',
        point.at,
        '--by',
        'summary',
      );
      expect([point.at, r.summary.damageYen]).toEqual([point.at, point.damageYen]);
    }
    // On 2020-09-08 the ledger knew of 24 cases; damage known then is far below the final total.
    const before = known.filter((p) => p.at <= '2020-09-08T23:59:59+09:00').at(-1)!;
    expect(before.damageYen).toBeLessThan(25_427_000);
  });

  it('draws Japanese text with a font that has its glyphs', async () => {
    const cdp = await context.newCDPSession(incident.page);
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeIds } = await cdp.send('DOM.querySelectorAll', {
      nodeId: root.nodeId,
      selector: '#controls-table td',
    });
    const fonts = [];
    for (const nodeId of nodeIds) {
      const { fonts: used } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
      fonts.push(...used);
    }
    const names = await cells(incident.page, '#controls-table tbody tr');
    expect(names.map((r) => r[3]).filter(Boolean)).toEqual(['池田泉州銀行', '十六銀行']);
    // Latin text in the default font, the bank names in a font with Japanese glyphs.
    const families = [...new Set(fonts.map((f) => f.familyName))];
    expect(families.length).toBeGreaterThan(1);
    expect(families.some((f) => /IPA|CJK|Gothic|ゴシック/i.test(f))).toBe(true);
  });

  it('what-if: damage per bank with and without the changes, and the two curves', async () => {
    const w = await json(
      'what-if',
      DOCOMO,
      '--suspend-linking-at',
      '2020-09-03T00:00:00+09:00',
      '--by',
      'damage',
    );
    expect(await count(whatIf.page, 'avoided', 'g[aria-label="bar"] rect')).toBe(
      2 * w.damage.length,
    );
    expect(await count(whatIf.page, 'curves', 'g[aria-label="line"] path')).toBe(2);
    const rows = await cells(whatIf.page, '#avoided-table tbody tr');
    expect(rows.map((r) => [r[0], r[4]])).toEqual(
      w.damage.map((b: { bankCode: string; avoidedYen: number }) => [
        b.bankCode,
        group(b.avoidedYen),
      ]),
    );
    const [total] = await cells(whatIf.page, '#avoided-table tfoot tr');
    expect(total).toEqual(['total', '', '25,427,000', '25,304,000', '123,000']);
    expect(await whatIf.page.locator('#summary').innerText()).toContain('12万3,000円');
  });

  it('shows no operator section where the scenario has fewer than two operators (docomo)', async () => {
    expect(await incident.page.locator('#operators').count()).toBe(0);
    expect(await whatIf.page.locator('#operators-avoided').count()).toBe(0);
    expect(await yucho.page.locator('#operators').count()).toBe(1);
  });

  it('yucho: damage by operator stacked by bank, and the tables replay --by operator gives', async () => {
    const { operator } = await json('replay', YUCHO, '--store', 'memory:', '--by', 'operator');
    const { bankOperator } = await json(
      'replay',
      YUCHO,
      '--store',
      'memory:',
      '--by',
      'bank-operator',
    );
    // The six named services and the seventh, unnamed.
    expect(operator).toHaveLength(7);
    expect(operator.filter((o: { operatorName: unknown }) => o.operatorName === null)).toHaveLength(
      1,
    );
    expect(await count(yucho.page, 'operators', 'g[aria-label="bar"] rect')).toBe(
      bankOperator.length,
    );
    const figures = (x: Figures) =>
      [x.cases, x.damageYen, x.compensatedYen, x.outstandingYen].map(group);
    expect(await cells(yucho.page, '#operator-table tbody tr')).toEqual(
      operator.map((o: OperatorRow) => [o.operatorCode, o.operatorName ?? '', ...figures(o)]),
    );
    const [total] = await cells(yucho.page, '#operator-table tfoot tr');
    const sum = (k: keyof Figures) => operator.reduce((n: number, o: OperatorRow) => n + o[k], 0);
    expect(total).toEqual([
      'total',
      '',
      ...figures({
        cases: sum('cases'),
        damageYen: sum('damageYen'),
        compensatedYen: sum('compensatedYen'),
        outstandingYen: sum('outstandingYen'),
      }),
    ]);
    expect(await cells(yucho.page, '#bank-operator-table tbody tr')).toEqual(
      bankOperator.map((o: OperatorRow & { bankCode: string; bankName: string | null }) => [
        o.bankCode,
        o.bankName ?? '',
        o.operatorCode,
        o.operatorName ?? '',
        ...figures(o),
      ]),
    );
  });

  it('yucho: a chart per published figure and what it is of, per service too', async () => {
    const { figures } = await json('verify', YUCHO, '--skip-invariants');
    const groups = new Set(
      figures.map(
        (f: Record<string, unknown>) =>
          `${f.figure}|${f.bankCode}|${f.operatorCode}|${f.status}|${f.since}`,
      ),
    );
    expect(await yucho.page.locator('figure[data-chart^="figure:"]').count()).toBe(groups.size);
    const rows = await cells(yucho.page, '#figure-table tbody tr');
    expect(rows.map((r) => r[2])).toEqual(
      figures.map((f: { operatorCode: string | null; operatorName: string | null }) =>
        f.operatorCode === null
          ? expect.not.stringContaining('operator')
          : `operator ${f.operatorCode} ${f.operatorName}`,
      ),
    );
  });

  it('yucho what-if: damage avoided per operator, as what-if --by operator gives it', async () => {
    const w = await json('what-if', YUCHO, ...YUCHO_WHAT_IF, '--by', 'operator');
    const avoided = w.operator.filter((o: { avoidedYen: number }) => o.avoidedYen > 0);
    expect(avoided.map((o: { operatorCode: string }) => o.operatorCode)).toEqual(['paypay']);
    expect(await cells(yuchoWhatIf.page, '#operator-avoided-table tbody tr')).toEqual(
      w.operator.map((o: AvoidedRow) => [
        o.operatorCode,
        o.operatorName ?? '',
        group(o.baselineYen),
        group(o.counterfactualYen),
        group(o.avoidedYen),
      ]),
    );
  });
}
