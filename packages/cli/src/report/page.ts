/// <reference lib="dom" />
import type { IncidentPage, PageData, WhatIfPage } from './model';
import type { PageKit } from './page-kit';
import type { drawOperators as DrawOperators } from './page-operators';

/**
 * Draws a report page in the browser from the JSON embedded in it. html.ts inlines the source of
 * this function and calls it with the kit and the drawing functions (each inlined the same way).
 * Every chart is an SVG in a <figure data-chart="..."> whose marks the browser test counts.
 */
export function renderPage(
  kit: PageKit,
  drawIncident: (kit: PageKit, d: IncidentPage, drawOperators: typeof DrawOperators) => void,
  drawWhatIf: (kit: PageKit, d: WhatIfPage) => void,
  drawOperators: typeof DrawOperators,
): void {
  const data = JSON.parse(document.getElementById('report-data')!.textContent!) as PageData;
  if (data.kind === 'incident') drawIncident(kit, data, drawOperators);
  else drawWhatIf(kit, data);
  document.body.setAttribute('data-rendered', 'true');
}
