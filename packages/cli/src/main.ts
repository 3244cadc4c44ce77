#!/usr/bin/env node
import { didYouMean } from '@incident-ledger/core';
import {
  EventIdConflict,
  IndexDisagrees,
  StoreUnavailable,
  WrongExpectedVersion,
} from '@incident-ledger/eventstore';
import { ScenarioError } from '@incident-ledger/scenario';
import { replayCommand } from './commands/replay';
import { timelineCommand } from './commands/timeline';
import { verifyCommand } from './commands/verify';
import { simulateCommand } from './commands/simulate';
import { whatIfCommand } from './commands/what-if';
import { watchCommand } from './commands/watch';
import { reportCommand } from './commands/report';
import { EXIT, ImportCutShort, UsageError } from './errors';
import { STORE_ENV } from './stores';
import { VERSION } from './version';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; summary: string }> = {
  replay: {
    run: replayCommand,
    summary: 'append a scenario to a store and print its reports',
  },
  verify: {
    run: verifyCommand,
    summary: 'check every published figure against a replay',
  },
  timeline: {
    run: timelineCommand,
    summary: 'show how published figures evolved, beside the replay',
  },
  report: {
    run: reportCommand,
    summary: 'write one self-contained HTML page of charts and tables (opens offline)',
  },
  simulate: {
    run: simulateCommand,
    summary: 'generate seeded attacks from simulation.yaml, run them through the rules, report',
  },
  'what-if': {
    run: whatIfCommand,
    summary: 'replay the same attacks under changed controls: damage avoided per bank',
  },
  fuzz: {
    run: async (argv) => (await loadFuzz()).fuzzCommand(argv),
    summary: 'check the ledger invariants on fuzzed attack sequences (fast-check)',
  },
  watch: {
    run: watchCommand,
    summary: "follow a store live: print the figures as other processes' appends change them",
  },
};

/**
 * The fuzz command, loaded when it runs: it needs the ledger's test kit (fast-check and the
 * models), a development dependency the other commands never load.
 */
export async function loadFuzz(
  load: () => Promise<typeof import('./commands/fuzz')> = () => import('./commands/fuzz'),
): Promise<typeof import('./commands/fuzz')> {
  try {
    return await load();
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND';
    if (!missing || !String((e as Error).message).includes('@incident-ledger/testkit')) throw e;
    throw new UsageError(
      'fuzz needs @incident-ledger/testkit (the test kit, a development dependency), which is not installed: install the workspace with its development dependencies (pnpm install) to fuzz',
    );
  }
}

const HELP = `usage: incident-ledger <command> [options]

Replays financial-fraud incidents recorded as immutable events and reproduces their figures.

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
  .join('\n')}

Run 'incident-ledger <command> --help' for a command's options.
Every command prints text, JSON or CSV (--format; docs/output.md).
The store: --store <url>, else $${STORE_ENV}, else the command's default.
  --version      print the version
exit codes: 0 ok, 1 a check failed, 2 bad input, 3 internal error`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return name === undefined ? EXIT.badInput : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    console.log(`incident-ledger ${VERSION}`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  try {
    if (!command)
      throw new UsageError(
        `unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))}; commands: ${Object.keys(COMMANDS).join(', ')}`,
      );
    return await command.run(rest);
  } catch (e) {
    return report(e, name);
  }
}

function report(e: unknown, command: string, partly = false): number {
  const say = (msg: string) => console.error(`incident-ledger ${command}: ${msg}`);
  if (e instanceof ImportCutShort) {
    const code = report(e.cause, command, true);
    console.error(
      `${e.appended} events were appended to the store before this, in whole batches, in order: the store verifies (verify --integrity), and running the import again skips them.`,
    );
    return code;
  }
  const stored = () => partly || console.error('Nothing was appended to the store.');
  if (e instanceof UsageError) {
    say(e.message);
    console.error(
      `Run 'incident-ledger ${COMMANDS[command] ? `${command} ` : ''}--help' for usage.`,
    );
  } else if (e instanceof ScenarioError) {
    say(`invalid scenario\n${e.message}`);
    stored();
  } else if (e instanceof EventIdConflict) {
    say(
      `${e.message}.\nStored history is never overwritten: the scenario's events differ from those already in the store. Replay into a fresh store (--store memory: or a new sqlite file) to see the changed scenario.`,
    );
    stored();
  } else if (e instanceof IndexDisagrees) {
    say(e.message);
    stored();
    return EXIT.failed;
  } else if (e instanceof StoreUnavailable || e instanceof WrongExpectedVersion) {
    say(e.message);
  } else {
    say(
      `internal error: ${(e as Error)?.stack ?? String(e)}\nThis is a bug in incident-ledger; please report it with the command you ran.`,
    );
    return EXIT.internal;
  }
  return EXIT.badInput;
}

if (require.main === module) {
  // A reader that stops early (| head) is not an error: stop writing and exit quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(EXIT.ok);
  });
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(e);
      process.exitCode = EXIT.internal;
    },
  );
}
