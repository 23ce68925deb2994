import type { Engine } from '../../../src/engine/db.js';
import { quoteIdent as q } from '../../../src/engine/quote.js';
import type { Repo } from '../../../src/repo.js';
import { readManifest, readTableTree } from '../../../src/ops/tree.js';
import type { Column } from '../../../src/table/schema.js';
import { TableSnapshot } from '../../../src/table/snapshot.js';

/**
 * The blame oracle: every commit's whole snapshot of the table in a DuckDB table, values compared
 * in plain SQL, and a brute-force walk that follows git blame's rule one row (or cell) at a time:
 * from HEAD, a value held by a parent (the first such parent) is followed there; a value no parent
 * holds is blamed on the commit. `log --key` lists the commits whose row differs from every parent.
 *
 * Values compare as the contract says diff compares them: numeric with numeric and temporal with
 * temporal by value, other type pairs by their text; a column a version lacks is NULL there.
 */
const NUMERIC = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/;
const TEMPORAL = /^(DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE)$/;
const byValue = (a: string, b: string) => a === b || (NUMERIC.test(a) && NUMERIC.test(b)) || (TEMPORAL.test(a) && TEMPORAL.test(b));

/** `a.col` equals `b.col` (b may lack the column: then NULL). */
function same(name: string, a: Column[], b: Column[], x = 'a', y = 'b'): string {
  const ta = a.find((c) => c.name === name)?.type;
  const tb = b.find((c) => c.name === name)?.type;
  const [ea, eb] = [`${x}.${q(name)}`, `${y}.${q(name)}`];
  if (ta === undefined && tb === undefined) return 'true';
  if (tb === undefined) return `${ea} IS NULL`;
  if (ta === undefined) return `${eb} IS NULL`;
  return byValue(ta, tb) ? `${ea} IS NOT DISTINCT FROM ${eb}` : `CAST(${ea} AS VARCHAR) IS NOT DISTINCT FROM CAST(${eb} AS VARCHAR)`;
}

interface Version {
  table: string;
  columns: Column[];
}

export class Oracle {
  private readonly versions = new Map<string, Version>();
  private seq = 0;
  /** HEAD's primary key; null for a keyless table. */
  key: string[] | null = null;
  private constructor(
    private readonly engine: Engine,
    readonly commits: Map<string, string[]>,
    readonly head: string,
  ) {}

  /** Every commit's whole table, read into its own DuckDB table. */
  static async load(repo: Repo, commits: Map<string, string[]>, head: string): Promise<Oracle> {
    const engine = await repo.ctx.engine();
    const o = new Oracle(engine, commits, head);
    for (const oid of commits.keys()) {
      const m = await readManifest(repo.ctx, (await readTableTree(repo.ctx, oid)).tables.get('orders')!);
      const table = `__oracle_${process.pid}_${o.seq++}`;
      await engine.run(`CREATE TEMP TABLE ${q(table)} AS ${new TableSnapshot(m, repo.ctx.chunks).sql()}`);
      o.versions.set(oid, { table, columns: m.columns });
      if (oid === head) o.key = m.key;
    }
    return o;
  }

  async drop(): Promise<void> {
    for (const v of this.versions.values()) await this.engine.run(`DROP TABLE IF EXISTS ${q(v.table)}`);
  }

  get headColumns(): Column[] {
    return this.versions.get(this.head)!.columns;
  }

  /** HEAD's rows in key order (keyless: each distinct row once, with its count), as JSON. */
  async headRows(): Promise<{ key: Record<string, unknown>; n: number }[]> {
    const h = this.versions.get(this.head)!;
    const ids = (this.key ?? h.columns.map((c) => c.name)).map(q).join(', ');
    const rows = await this.engine.all(`SELECT ${ids}, count(*) AS __oracle_n FROM ${q(h.table)} GROUP BY ALL ORDER BY ${ids}`);
    return rows.map((r) => {
      const { __oracle_n, ...key } = r;
      return { key, n: Number(__oracle_n) };
    });
  }

  /**
   * Keyed: for each HEAD row (by index in key order) and each commit, whether the commit has the
   * row and, per unit (a list of columns), whether it holds HEAD's value.
   */
  private async keyedFacts(units: string[][]): Promise<Map<string, { has: boolean; eq: boolean[] }[]>> {
    const h = this.versions.get(this.head)!;
    const key = this.key!;
    const out = new Map<string, { has: boolean; eq: boolean[] }[]>();
    for (const [oid, v] of this.versions) {
      const on = key.map((k) => same(k, h.columns, v.columns, 'h', 'c')).join(' AND ');
      const eq = units.map(
        (u, i) => `(${u.map((c) => same(c, h.columns, v.columns, 'h', 'c')).join(' AND ') || 'true'}) AS __oracle_e${i}`,
      );
      const rows = await this.engine.all(
        `SELECT c.${q(key[0])} IS NOT NULL AS __oracle_has, ${eq.join(', ')}
         FROM ${q(h.table)} h LEFT JOIN ${q(v.table)} c ON ${on} ORDER BY ${key.map((k) => `h.${q(k)}`).join(', ')}`,
      );
      out.set(
        oid,
        rows.map((r) => ({ has: !!r.__oracle_has, eq: units.map((_, i) => !!r[`__oracle_e${i}`]) })),
      );
    }
    return out;
  }

  /** Walk one unit of one row back from HEAD: the commit blamed. */
  private walk(facts: Map<string, { has: boolean; eq: boolean[] }[]>, row: number, unit: number): string {
    let at = this.head;
    for (;;) {
      const next = this.commits.get(at)!.find((p) => facts.get(p)![row].has && facts.get(p)![row].eq[unit]);
      if (!next) return at;
      at = next;
    }
  }

  /** Keyed blame: per HEAD row, the row's commit and each column's. */
  async keyedBlame(columns: string[]): Promise<{ row: string; cells: Record<string, string> }[]> {
    const units = [...columns.map((c) => [c]), columns];
    const facts = await this.keyedFacts(units);
    const n = facts.get(this.head)!.length;
    return Array.from({ length: n }, (_, i) => ({
      row: this.walk(facts, i, columns.length),
      cells: Object.fromEntries(columns.map((c, u) => [c, this.walk(facts, i, u)])),
    }));
  }

  /** Keyless blame: per distinct HEAD row, its copies' commits (each copy to the first parent with a copy left). */
  async keylessBlame(): Promise<string[][]> {
    const h = this.versions.get(this.head)!;
    const cols = h.columns.map((c) => c.name);
    const counts = new Map<string, number[]>();
    for (const [oid, v] of this.versions) {
      const on = [
        ...cols.map((c) => same(c, h.columns, v.columns, 'h', 'c')),
        ...v.columns.filter((c) => !cols.includes(c.name)).map((c) => `c.${q(c.name)} IS NULL`),
      ];
      const rows = await this.engine.all(
        `SELECT (SELECT count(*) FROM ${q(v.table)} c WHERE ${on.join(' AND ')}) AS __oracle_n
         FROM (SELECT DISTINCT ${cols.map(q).join(', ')} FROM ${q(h.table)}) h ORDER BY ${cols.map((c) => `h.${q(c)}`).join(', ')}`,
      );
      counts.set(
        oid,
        rows.map((r) => Number(r.__oracle_n)),
      );
    }
    const copies = (at: string, row: number, n: number): string[] => {
      const out: string[] = [];
      let left = n;
      for (const p of this.commits.get(at)!) {
        const give = Math.min(left, counts.get(p)![row]);
        if (give > 0) out.push(...copies(p, row, give));
        left -= give;
      }
      for (let i = 0; i < left; i++) out.push(at);
      return out;
    };
    return counts.get(this.head)!.map((n, row) => copies(this.head, row, n));
  }

  /**
   * `log --key`: from HEAD, a commit whose row (all columns; absent counts as a value) equals a
   * parent's follows the first such parent and is not listed; otherwise it is listed (a root
   * commit only if it has the row) and every parent is followed.
   */
  async keyLog(key: Record<string, string>): Promise<Set<string>> {
    const rowOf = new Map<string, string>();
    for (const [oid, v] of this.versions) {
      const where = Object.entries(key)
        .map(([k, val]) => `CAST(${q(k)} AS VARCHAR) = ${`'${val.replaceAll("'", "''")}'`}`)
        .join(' AND ');
      rowOf.set(oid, `(SELECT * FROM ${q(v.table)} WHERE ${where})`);
    }
    const equalRows = async (c: string, p: string): Promise<boolean> => {
      const [vc, vp] = [this.versions.get(c)!, this.versions.get(p)!];
      const names = [...new Set([...vc.columns, ...vp.columns].map((x) => x.name))];
      const n = async (sql: string) => Number(await this.engine.value(`SELECT count(*) FROM ${sql}`));
      const [hc, hp] = [await n(rowOf.get(c)!), await n(rowOf.get(p)!)];
      if (hc === 0 || hp === 0) return hc === hp;
      const eq = names.map((x) => same(x, vc.columns, vp.columns)).join(' AND ');
      return (await n(`${rowOf.get(c)!} a, ${rowOf.get(p)!} b WHERE ${eq}`)) > 0;
    };
    const listed = new Set<string>();
    const seen = new Set<string>();
    const todo = [this.head];
    while (todo.length) {
      const c = todo.pop()!;
      if (seen.has(c)) continue;
      seen.add(c);
      const parents = this.commits.get(c)!;
      let follow: string | undefined;
      for (const p of parents) {
        if (await equalRows(c, p)) {
          follow = p;
          break;
        }
      }
      if (follow) {
        todo.push(follow);
        continue;
      }
      const has = Number(await this.engine.value(`SELECT count(*) FROM ${rowOf.get(c)!}`)) > 0;
      if (parents.length || has) listed.add(c);
      todo.push(...parents);
    }
    return listed;
  }
}
