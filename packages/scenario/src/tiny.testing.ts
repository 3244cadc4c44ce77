/** scenario.yaml of a tiny scenario (id `tiny`, bank BANK-A, source src) listing `files`. */
export function tinyScenario(files: string[]): string {
  return `id: tiny
title: A tiny incident
timeZone: Asia/Tokyo
sources:
  - { id: src, title: A source, published: "2020-09-14" }
banks:
  - { code: BANK-A, auth: weak }
eventFiles:
${files.map((f) => `  - ${f}`).join('\n')}
`;
}
