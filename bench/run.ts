/**
 * `npm run bench -- --rows N --commits C --changes k --pattern clustered|random|both --out results.json
 *  [--only figure,...] [--runs R] [--list]`
 *
 * Every figure is process against process: `node bin/lakegit …` against a baseline process (a bare
 * DuckDB script, or real git), both timed from spawn to exit, median of R runs, peak memory from
 * GNU time. Data is generated deterministically under --work and removed afterwards unless --keep.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { Bench, type BenchOptions, type FigureRecord } from './context.js';
import { PATTERNS, type Pattern } from './generate.js';
import { MODULES } from './figures/index.js';
import { canMeasureMemory, lakegitPath, ROOT, useLakegitAt } from './proc.js';
import { machine, metText, ratioText, lakegitValue, baselineValue, table, writeResults } from './report.js';

async function parse(): Promise<BenchOptions & { out?: string; keep: boolean; list: boolean; lakegit?: string }> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('npm run bench --')
    .option('rows', { type: 'number', default: 100_000, describe: 'rows of the generated orders table (N)' })
    .option('commits', { type: 'number', default: 20, describe: 'commits in each history (C)' })
    .option('changes', { type: 'number', default: 100, describe: 'rows changed per commit (k)' })
    .option('pattern', { type: 'string', default: 'both', describe: 'clustered, random, or both' })
    .option('runs', { type: 'number', default: 3, describe: 'runs per timing; the median is reported' })
    .option('seed', { type: 'number', default: 1, describe: 'seed of the key picker' })
    .option('only', { type: 'string', describe: 'comma-separated figure names (see --list)' })
    .option('out', { type: 'string', describe: 'write the records as a JSON array here' })
    .option('work', { type: 'string', default: path.join(ROOT, 'bench', 'out', 'work'), describe: 'scratch directory for generated data' })
    .option('lakegit', { type: 'string', describe: 'root of the lakegit tree to run (default: this one)' })
    .option('keep', { type: 'boolean', default: false, describe: 'keep the generated repositories' })
    .option('list', { type: 'boolean', default: false, describe: 'list the figure names and exit' })
    .strict()
    .parseAsync();
  const patterns: Pattern[] =
    argv.pattern === 'both'
      ? [...PATTERNS]
      : argv.pattern.split(',').map((p) => {
          if (!PATTERNS.includes(p as Pattern)) throw new Error(`unknown pattern '${p}': use clustered, random or both`);
          return p as Pattern;
        });
  for (const k of ['rows', 'commits', 'changes', 'runs'] as const) {
    if (!Number.isInteger(argv[k]) || argv[k] < 1) throw new Error(`--${k} must be a positive integer`);
  }
  return {
    rows: argv.rows,
    commits: argv.commits,
    changes: argv.changes,
    patterns,
    runs: argv.runs,
    seed: argv.seed,
    work: path.resolve(argv.work),
    only: argv.only
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    out: argv.out,
    keep: argv.keep,
    list: argv.list,
    lakegit: argv.lakegit,
  };
}

async function main(): Promise<void> {
  const opts = await parse();
  const known = MODULES.flatMap((m) => m.figures(opts));
  if (opts.list) {
    process.stdout.write(`${known.join('\n')}\n`);
    return;
  }
  const unknown = (opts.only ?? []).filter((f) => !known.includes(f));
  if (unknown.length) throw new Error(`unknown figure(s): ${unknown.join(', ')}; see --list`);
  const want = (f: string) => !opts.only || opts.only.includes(f);

  if (opts.lakegit) useLakegitAt(opts.lakegit);
  const bench = await Bench.open(opts);
  const records: FigureRecord[] = [];
  const out = opts.out ? path.resolve(opts.out) : undefined;
  try {
    process.stdout.write(`${machine(await bench.gen.version())}\n`);
    process.stdout.write(`lakegit ${lakegitPath()}\n`);
    process.stdout.write(
      `N=${opts.rows} C=${opts.commits} k=${opts.changes} patterns=${opts.patterns.join(',')} runs=${opts.runs}` +
        `${canMeasureMemory ? '' : ' (no /usr/bin/time: peak memory not measured)'}\n\n`,
    );
    for (const m of MODULES) {
      await m.run(bench, want, (r) => {
        records.push(r);
        process.stdout.write(`${r.figure}: ${lakegitValue(r)} vs ${baselineValue(r)} = ${ratioText(r)} (goal ${r.goal}: ${metText(r)})\n`);
        if (out) void writeResults(out, records);
      });
    }
  } finally {
    bench.close();
    if (!opts.keep) await fsp.rm(opts.work, { recursive: true, force: true });
  }
  process.stdout.write(`\n${table(records)}\n`);
  if (out) await writeResults(out, records);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
