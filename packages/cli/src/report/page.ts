/// <reference lib="dom" />
import type { IncidentPage, PageData, WhatIfPage } from './model';
import type { PageKit } from './page-kit';

/**
 * Draws a report page in the browser from the JSON embedded in it. html.ts inlines the source of
 * this function and calls it with the kit and the drawing functions (each inlined the same way).
 * Every chart is an SVG in a <figure data-chart="..."> whose marks the browser test counts.
 */
export function renderPage(
  kit: PageKit,
  drawIncident: (kit: PageKit, d: IncidentPage) => void,
  drawWhatIf: (kit: PageKit, d: WhatIfPage) => void,
): void {
  const data = JSON.parse(document.getElementById('report-data')!.textContent!) as PageData;
  if (data.kind === 'incident') drawIncident(kit, data);
  else drawWhatIf(kit, data);
  document.body.setAttribute('data-rendered', 'true');
}
