/**
 * The loader's limits, named once (scenarios/README.md, "Limits", quotes them). A scenario is
 * input from anyone: each limit keeps a mistaken or hostile file from costing more memory or time
 * than its events are worth.
 */

const MiB = 1024 * 1024;

/**
 * Largest YAML file (scenario.yaml, simulation.yaml, a YAML event file): a YAML file is read whole
 * and its events sorted in memory. Larger event files belong in NDJSON or CSV.
 */
export const MAX_YAML_FILE_BYTES = 64 * MiB;
/** Largest NDJSON or CSV event file: read as a stream, so only the disk bounds it. */
export const MAX_STREAM_FILE_BYTES = 64 * 1024 * MiB;
/** Longest line of an NDJSON or CSV file (one event), in characters. */
export const MAX_LINE_CHARS = 1 * MiB;
/** Aliases a YAML file may use (the yaml package's guard against alias bombs). */
export const MAX_YAML_ALIASES = 100;
/** Events per batch of the streaming reader: memory is bounded by a batch, not by a file. */
export const EVENT_BATCH_SIZE = 8_192;
/** Bytes read from a file at a time. */
export const READ_CHUNK_BYTES = 1 * MiB;

export interface LoadOptions {
  /**
   * Largest event file, in bytes, whatever its format (the CLI's --max-file-mb); by default
   * MAX_YAML_FILE_BYTES for YAML and MAX_STREAM_FILE_BYTES for NDJSON and CSV.
   */
  maxFileBytes?: number;
  /** Told how the reading goes, for a progress display (which keeps the time: this never does). */
  progress?: LoadProgress;
}

/**
 * A run over the event files: `check`, the first, validates them; `repeats` reads them again for
 * the events written twice, when the first found keys whose hashes repeat; `again`, any later run.
 */
export type LoadPass = 'check' | 'repeats' | 'again';

/** What a load tells as it goes: with a pass's bytes, a progress display's percent and ETA. */
export interface LoadProgress {
  /** A pass over the event files begins; they hold `bytes` (EventFiles.bytes). */
  pass(pass: LoadPass, bytes: number): void;
  /** `bytes` more of the event file `file` (as messages show it) read. */
  read(bytes: number, file: string): void;
  /** `events` more events read and validated. */
  events(events: number): void;
}

/** Events read between two counts told to LoadProgress.events. */
export const PROGRESS_EVENTS = 1_024;

export type EventFileFormat = 'yaml' | 'ndjson' | 'csv';

/** The size limit of one file of a format, as the options set it. */
export function maxBytesOf(format: EventFileFormat, options: LoadOptions): number {
  return options.maxFileBytes ?? (format === 'yaml' ? MAX_YAML_FILE_BYTES : MAX_STREAM_FILE_BYTES);
}

/** 2097152 -> "2.0 MiB"; whole MiB or GiB without decimals ("64 MiB", "64 GiB"). */
export function formatSize(bytes: number): string {
  const gib = bytes / (1024 * MiB);
  if (Number.isInteger(gib) && gib > 0) return `${gib} GiB`;
  const mib = bytes / MiB;
  return Number.isInteger(mib) ? `${mib} MiB` : `${mib.toFixed(1)} MiB`;
}
