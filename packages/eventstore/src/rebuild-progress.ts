/** Events between two progress lines of a rebuild. */
const PROGRESS_EVENTS = 1_000_000;

/**
 * What a store rebuilding stale blocks (each store's rebuild.ts) tells the user: a line as it
 * starts (`what`: which columns, e.g. of which file), then one per million events. Returns the
 * function to call after each block, with its number of events.
 */
export function rebuildProgress(
  what: string,
  events: number,
  onNotice: ((notice: string) => void) | undefined,
): (n: number) => void {
  onNotice?.(
    `rebuilding ${what} (${events} events): they were derived under another column declaration`,
  );
  let done = 0;
  return (n) => {
    if (Math.floor((done + n) / PROGRESS_EVENTS) > Math.floor(done / PROGRESS_EVENTS))
      onNotice?.(`rebuilt the replay columns of ${done + n} of ${events} events`);
    done += n;
  };
}
