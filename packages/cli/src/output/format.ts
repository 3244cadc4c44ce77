import { didYouMean } from '@incident-ledger/core';
import { UsageError } from '../errors';

export const FORMATS = ['text', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** How a command prints: the format, and for CSV whether Excel is the reader. */
export interface Output {
  format: Format;
  /** CSV with a byte order mark and CRLF line ends, as Excel on Japanese Windows reads UTF-8. */
  excel: boolean;
}

/** The options every command that prints a document takes, for util.parseArgs. */
export const OUTPUT_OPTIONS = {
  format: { type: 'string' },
  excel: { type: 'boolean' },
} as const;

export const OUTPUT_HELP = `  --format <f>     text (default; 'table' is the same), json or csv (docs/output.md)
  --excel          CSV for Excel: UTF-8 with a byte order mark, CRLF (implies --format csv)`;

/** --format and --excel as given; `table`, the name text had before, is still accepted. */
export function outputOption(
  values: { format?: string | undefined; excel?: boolean | undefined },
  formats: readonly Format[] = FORMATS,
): Output {
  const given = values.format === 'table' ? 'text' : values.format;
  const excel = values.excel === true;
  if (excel && given !== undefined && given !== 'csv')
    throw new UsageError(`--excel writes CSV; it cannot go with --format ${values.format}`);
  const format = given ?? (excel ? 'csv' : 'text');
  if (!(formats as readonly string[]).includes(format))
    throw new UsageError(
      `--format must be one of ${formats.join(', ')}, got "${format}"${didYouMean(format, formats)}`,
    );
  return { format: format as Format, excel };
}
