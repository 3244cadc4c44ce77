import { describe, didYouMean } from '@incident-ledger/core';
import {
  formatSize,
  MAX_STREAM_FILE_BYTES,
  MAX_YAML_FILE_BYTES,
  type LoadOptions,
} from '@incident-ledger/scenario';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** --quiet: no progress line, whatever the terminal. Shared by every command that replays. */
export const QUIET_OPTION = { quiet: { type: 'boolean', short: 'q' } } as const;
export const QUIET_HELP =
  '  -q, --quiet      no progress line (it is shown only on a terminal anyway)';

/** --max-file-mb: the size limit of every event file. Shared by the commands that read scenarios. */
export const LOAD_OPTION = { 'max-file-mb': { type: 'string' } } as const;
export const LOAD_HELP = `  --max-file-mb N  read event files of at most N MiB (default: ${formatSize(MAX_YAML_FILE_BYTES)} for
                   YAML, ${formatSize(MAX_STREAM_FILE_BYTES)} for NDJSON and CSV, read as streams)`;

/** The loader's options from --max-file-mb. */
export function loadOptions(values: { 'max-file-mb'?: string | undefined }): LoadOptions {
  const mb = values['max-file-mb'];
  return mb === undefined
    ? {}
    : { maxFileBytes: wholeNumber('--max-file-mb', mb, 1) * 1024 * 1024 };
}

/** util.parseArgs with usage errors that say what was wrong and where to look. */
export function parse<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    const unknown = /^Unknown option '(--[^'=]+)'/.exec(message)?.[1];
    const known = [...Object.keys(options), 'help'].map((o) => `--${o}`);
    throw new UsageError(
      unknown === undefined ? message : `${message}${didYouMean(unknown, known)}`,
      command,
    );
  }
}

/**
 * A whole-number option (a seed, a count), refused with a usage error naming it when it is not one.
 */
export function wholeNumber(option: string, text: string, min = Number.MIN_SAFE_INTEGER): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(
      `${option} must be a whole number${min > Number.MIN_SAFE_INTEGER ? ` of at least ${min}` : ''}, got ${describe(text)}`,
    );
  }
  return n;
}
