import { formatInstant, type LedgerEvent } from '@incident-ledger/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BankInfo } from './scenario';

/** A scenario to write as a folder that loadScenario reads back to the same events and ids. */
export interface ScenarioToWrite {
  id: string;
  title: string;
  description?: string;
  timeZone: string;
  banks: BankInfo[];
  /** Each event with the key its id is derived from: nameUuid(`${id}/${key}`). */
  events: { key: string; event: LedgerEvent }[];
  /** Comment lines at the top of scenario.yaml. */
  header: string[];
}

const EVENTS_FILE = 'events/events.yaml';

/**
 * Writes scenario.yaml and events/events.yaml. Every value is written as JSON, which is YAML too:
 * no id, key or text can be misread, whatever characters it holds. Instants are written in the
 * scenario's zone, to the millisecond when they have one.
 */
export function writeScenario(dir: string, s: ScenarioToWrite): void {
  const j = (v: unknown) => JSON.stringify(v);
  const at = (ms: number) => j(formatInstant(ms, s.timeZone));
  const main = [
    ...s.header.map((line) => `# ${line}`),
    `id: ${j(s.id)}`,
    `title: ${j(s.title)}`,
    ...(s.description !== undefined ? [`description: ${j(s.description)}`] : []),
    `timeZone: ${j(s.timeZone)}`,
    'banks:',
    ...s.banks.map((b) => `  - ${j(b)}`),
    'eventFiles:',
    `  - ${EVENTS_FILE}`,
  ];
  const events = s.events.map(({ key, event: e }) => {
    const recorded = e.recordedAt === e.occurredAt ? '' : `, "recordedAt": ${at(e.recordedAt)}`;
    return `  - { "key": ${j(key)}, "type": ${j(e.type)}, "stream": ${j(e.streamId)}, "occurredAt": ${at(e.occurredAt)}${recorded}, "data": ${j(e.data)} }`;
  });
  mkdirSync(join(dir, 'events'), { recursive: true });
  writeFileSync(join(dir, 'scenario.yaml'), `${main.join('\n')}\n`);
  writeFileSync(join(dir, EVENTS_FILE), `events:\n${events.join('\n')}\n`);
}
