/** Plain-text tables: numbers (yen in 億 and 万 too) right-aligned, everything else left-aligned. */
export function table(headers: string[], rows: (string | number)[][], indent = '  '): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const numeric = headers.map(
    (_, i) =>
      rows.length > 0 &&
      rows.every((r) => typeof r[i] === 'number' || /^-?[\d,億万]+$/.test(String(r[i]))),
  );
  const widths = headers.map((h, i) => Math.max(width(h), ...cells.map((r) => width(r[i] ?? ''))));
  const line = (r: string[]) =>
    indent +
    r
      .map((c, i) =>
        numeric[i] ? ' '.repeat(widths[i]! - width(c)) + c : c + ' '.repeat(widths[i]! - width(c)),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** Display width: East Asian wide characters (bank names in kanji) take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s)
    w +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
        ch,
      )
        ? 2
        : 1;
  return w;
}
