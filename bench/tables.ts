/**
 * Markdown tables for docs/benchmarks.md from one or more `--out` files: one table per figure, one
 * line per (N, pattern), so runs at different sizes sit side by side.
 *
 *   node dist/bench/tables.js results-100k.json results-1m.json
 */
import { promises as fsp } from 'node:fs';
import type { FigureRecord } from './context.js';
import { baselineValue, cpuText, lakegitValue, metText, ratioText } from './report.js';

const base = (figure: string) => figure.replace(/-(clustered|random)$/, '');

async function main(): Promise<void> {
  const records: FigureRecord[] = [];
  for (const f of process.argv.slice(2)) records.push(...(JSON.parse(await fsp.readFile(f, 'utf8')) as FigureRecord[]));
  const groups = new Map<string, FigureRecord[]>();
  for (const r of records) groups.set(base(r.figure), [...(groups.get(base(r.figure)) ?? []), r]);
  const out: string[] = [];
  for (const [figure, rs] of groups) {
    out.push(`#### ${figure}`, '', `baseline: ${rs[0].baseline.replace(/\(mean.*\)/, '')}; goal: ${rs[0].goal}`, '');
    out.push(
      '| N | pattern | lakegit | baseline | ratio | met | cpu lakegit / baseline | peak MiB lakegit / baseline | note |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const r of rs.sort((a, b) => a.rows - b.rows || String(a.pattern).localeCompare(String(b.pattern)))) {
      const peak = r.lakegit_peak_mib === undefined ? '' : `${r.lakegit_peak_mib} / ${r.baseline_peak_mib ?? '?'}`;
      out.push(
        `| ${r.rows.toLocaleString('en')} | ${r.pattern ?? ''} | ${lakegitValue(r)} | ${baselineValue(r)} | ${ratioText(r)} | ${metText(r)} | ${cpuText(r)} | ${peak} | ${r.note ?? ''} |`,
      );
    }
    out.push('');
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`tables: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
