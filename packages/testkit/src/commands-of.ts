import type { Command, CommandBody } from '@incident-ledger/core';
import type { AttackSequence } from './arbitraries';

const MINUTE = 60_000;

/** The sequence's commands with their times and keys: key n/Type for the n-th step. */
export function commandsOf(seq: AttackSequence): Command[] {
  let at = seq.start;
  return seq.steps.map((s, i) => {
    at += s.afterMinutes * MINUTE;
    // Copied member by member: a spread of commands of many shapes costs about twice as much.
    const command = {} as Record<string, unknown>;
    for (const k in s.command) command[k] = s.command[k as keyof CommandBody];
    command.key = commandKey(s.command.type, i);
    command.at = at;
    return command as unknown as Command;
  });
}

/**
 * Key n/Type, one string per step and type for the whole process: every sequence has the same few
 * hundred, and a key made afresh is hashed again where the ledger looks its event id up.
 */
const COMMAND_KEYS = new Map<string, string[]>();
function commandKey(type: string, i: number): string {
  let keys = COMMAND_KEYS.get(type);
  if (keys === undefined) COMMAND_KEYS.set(type, (keys = []));
  return (keys[i] ??= `${i + 1}/${type}`);
}
