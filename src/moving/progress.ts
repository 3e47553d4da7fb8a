/** A stream a progress bar can be drawn on. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

const WIDTH = 30;

/**
 * A progress bar redrawn in place on `stream` while a phase runs, or nothing when `stream` is
 * not a terminal (piped output stays plain lines). `done()` clears it, before the result lines.
 */
export function progressBar(stream: ProgressStream): { update: (label: string, done: number, total: number) => void; done: () => void } {
  if (stream.isTTY !== true) return { update: () => undefined, done: () => undefined };
  let shown = '';
  return {
    update: (label, done, total) => {
      // At most about 200 redraws a phase: a store of many small sessions would otherwise flood the terminal.
      if (done !== total && done % Math.max(1, Math.floor(total / 200)) !== 0) return;
      const filled = total === 0 ? WIDTH : Math.floor((done / total) * WIDTH);
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(done)}/${String(total)}`;
      if (line === shown) return;
      shown = line;
      stream.write(`\r\x1b[K${line}`);
    },
    done: () => {
      if (shown !== '') stream.write('\r\x1b[K');
      shown = '';
    },
  };
}
