/**
 * Where a lakegit command spends its time, statement by statement: preload this module and every
 * DuckDB statement is timed and listed on stderr at exit, beside the process's start-up and total, with
 * the process's CPU (all threads) when it started: the CPU of a phase is the difference of two lines.
 *
 *   node --import ./dist/bench/trace.js bin/lakegit commit -a -m x
 *
 * It loads DuckDB up front (to patch it), so it is for commands that use DuckDB anyway; time the
 * others with `node --cpu-prof`.
 */
import { DuckDBConnection } from '@duckdb/node-api';
import { performance } from 'node:perf_hooks';

interface Entry {
  sql: string;
  start: number;
  ms: number;
  /** The process's CPU (user + system, all threads) when the statement started, in ms. */
  cpu: number;
}
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const entries: Entry[] = [];
// The CLI bundle carries its own copy of @duckdb/node-api (scripts/bundle-cli.mjs): run the modules, whose import is patched here.
process.env.LAKEGIT_UNBUNDLED = '1';
const loadedAt = performance.now();

// runAndRead* call run(); a streamed result's rows are read after stream() returns and are not counted.
type Method = 'run' | 'stream' | 'start';
const proto = DuckDBConnection.prototype as unknown as Record<Method, (...args: unknown[]) => Promise<unknown>>;
for (const name of ['run', 'stream', 'start'] as Method[]) {
  const original = proto[name];
  proto[name] = async function traced(this: unknown, ...args: unknown[]) {
    const start = performance.now();
    const cpu = cpuMs();
    try {
      return await original.apply(this, args);
    } finally {
      entries.push({ sql: String(args[0]), start, ms: performance.now() - start, cpu });
    }
  };
}

/** LAKEGIT_TRACE_WIDTH=0 prints each statement whole. */
const WIDTH = Number(process.env.LAKEGIT_TRACE_WIDTH ?? 150);

const oneLine = (sql: string, width: number) => {
  const s = sql.replace(/\s+/g, ' ').trim();
  return width > 0 && s.length > width ? `${s.slice(0, width - 1)}…` : s;
};

process.on('exit', () => {
  const end = performance.now();
  const sqlMs = entries.reduce((s, e) => s + e.ms, 0);
  const lines = [
    `trace: process ${end.toFixed(0)} ms, CPU ${cpuMs().toFixed(0)} ms; node + @duckdb/node-api loaded at ${loadedAt.toFixed(0)} ms; ` +
      `${entries.length} statements ${sqlMs.toFixed(0)} ms (concurrent ones overlap); first at ${entries[0]?.start.toFixed(0) ?? '-'} ms`,
    ...entries.map(
      (e) =>
        `trace: @${e.start.toFixed(0).padStart(6)} cpu ${e.cpu.toFixed(0).padStart(6)} ${e.ms.toFixed(1).padStart(8)} ms  ${oneLine(e.sql, WIDTH)}`,
    ),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
});
