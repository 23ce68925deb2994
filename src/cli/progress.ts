import { SingleBar, Presets } from 'cli-progress';

/** A progress callback that draws a bar on stderr, only when it is a terminal and not quiet. */
export function progressBar(quiet?: boolean): ((label: string, done: number, total: number, unit?: string) => void) | undefined {
  if (quiet || !process.stderr.isTTY) return undefined;
  let bar: SingleBar | undefined;
  let current = '';
  const started = Date.now();
  // How long work runs before a bar appears (LAKEGIT_PROGRESS_AFTER_MS, default 1 s).
  const delay = Number(process.env.LAKEGIT_PROGRESS_AFTER_MS ?? 1000);
  return (label, done, total, unit = '') => {
    if (Date.now() - started < delay && !bar) return; // short work shows nothing
    if (!bar || label !== current) {
      bar?.stop();
      current = label;
      bar = new SingleBar(
        {
          format: `${label} [{bar}] {percentage}% | {value}/{total}${unit ? ` ${unit}` : ''} | ETA {eta_formatted}`,
          formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? Number(v).toLocaleString('en') : String(v)),
          etaBuffer: 50,
          stream: process.stderr,
          clearOnComplete: true,
        },
        Presets.shades_classic,
      );
      bar.start(total, done);
    }
    bar.update(done);
    if (done >= total) {
      bar.stop();
      bar = undefined;
    }
  };
}

/** A bar for chunk transfers: chunks done of the total, and bytes so far. */
export function transferBar(): (e: { label: string; chunks: number; totalChunks: number; bytes: number }) => void {
  let bar: SingleBar | undefined;
  let current = '';
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  return (e) => {
    if (!bar || e.label !== current) {
      bar?.stop();
      current = e.label;
      bar = new SingleBar(
        { format: `${e.label} [{bar}] {value}/{total} chunks, {size}`, stream: process.stderr, clearOnComplete: true },
        Presets.shades_classic,
      );
      bar.start(e.totalChunks, e.chunks, { size: mb(e.bytes) });
    }
    bar.update(e.chunks, { size: mb(e.bytes) });
    if (e.chunks >= e.totalChunks) {
      bar.stop();
      bar = undefined;
    }
  };
}
