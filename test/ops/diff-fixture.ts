import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine, type JsonRow } from '../../src/engine/db.js';
import { quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { compareSides, type DiffRow, type DiffSession, type TableDiff } from '../../src/ops/diff/index.js';
import type { Side } from '../../src/ops/diff/plan.js';
import { renderSql } from '../../src/cli/render/diff-sql.js';
import { Out } from '../../src/cli/render/diff-out.js';
import { ChunkStore } from '../../src/store/chunks.js';
import { chunkFresh, stageRows } from '../../src/table/changes.js';
import { CHUNK_SCHEME, type Manifest } from '../../src/table/manifest.js';
import type { Column } from '../../src/table/schema.js';
import { TableSnapshot } from '../../src/table/snapshot.js';

export type Value = number | string | boolean | null;
export type Row = Record<string, Value>;

/** Tiny chunks so a table of a few hundred rows spans many chunk files. */
export const SMALL = { scheme: CHUNK_SCHEME, target: 8, min: 2, max: 32 };

let seq = 0;

function literal(v: Value, type: string): string {
  if (v === null) return `CAST(NULL AS ${type})`;
  if (typeof v === 'number' && !Number.isFinite(v)) return `CAST('${v}' AS ${type})`;
  return `CAST(${typeof v === 'string' ? quoteLiteral(v) : String(v)} AS ${type})`;
}

/** A chunk store in a temp dir and helpers to build manifests from rows, in-process. */
export async function chunkFixture() {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-diff-'));
  const store = new ChunkStore(path.join(dir, 'chunks'));
  await fsp.mkdir(store.dir, { recursive: true });
  const engine = await Engine.get();
  const work = async (columns: Column[], rows: Row[]): Promise<string> => {
    const name = `__t_${process.pid}_${++seq}`;
    const defs = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
    await engine.run(`CREATE TABLE ${quoteIdent(name)} (${defs})`);
    if (rows.length) {
      const values = rows.map((r) => `(${columns.map((c) => literal(r[c.name] ?? null, c.type)).join(', ')})`);
      await engine.run(`INSERT INTO ${quoteIdent(name)} VALUES ${values.join(', ')}`);
    }
    return name;
  };
  const source = { file: 't.csv', format: 'csv' as const };
  return {
    dir,
    store,
    engine,
    async fresh(columns: Column[], key: string[] | null, rows: Row[], chunking = SMALL): Promise<Manifest> {
      return chunkFresh(engine, store, { work: await work(columns, rows), columns, key, source, chunking });
    },
    async stage(prev: Manifest, columns: Column[], rows: Row[]): Promise<Manifest> {
      return stageRows(engine, store, { work: await work(columns, rows), columns, key: prev.key, prev, chunking: prev.chunking, source });
    },
    snapshot: (m: Manifest) => new TableSnapshot(m, store),
    side: (m: Manifest): Side => ({ columns: m.columns, key: m.key, snapshot: new TableSnapshot(m, store) }),
    /** The same rows with no manifest: forces the plain full comparison. */
    plainSide: (m: Manifest): Side => ({ columns: m.columns, key: m.key, sql: new TableSnapshot(m, store).sql() }),
    compare: (b: Side | undefined, a: Side | undefined, opts = {}) =>
      compareSides(async () => engine, b, a, opts, { table: 't', status: 'modified' }),
    rowsOf: async (m: Manifest): Promise<JsonRow[]> => engine.all(new TableSnapshot(m, store).orderedSql()),
    [Symbol.asyncDispose]: () => fsp.rm(dir, { recursive: true, force: true }),
  };
}

export async function collect(t: TableDiff, opts = {}): Promise<DiffRow[]> {
  const out: DiffRow[] = [];
  for await (const batch of t.rows(opts)) out.push(...batch);
  return out;
}

const keyOf = (r: JsonRow, key: string[]) => JSON.stringify(key.map((k) => r[k]));

/** Apply diff rows (JSON) to a table's rows: what a consumer of `diff --json` would do. */
export function applyRows(rows: JsonRow[], diff: DiffRow[], key: string[] | null): JsonRow[] {
  if (!key) {
    const out = rows.map((r) => JSON.stringify(r));
    for (const d of diff) {
      if (d.op === 'removed') out.splice(out.indexOf(JSON.stringify(d.before)), 1);
      else out.push(JSON.stringify(d.after));
    }
    return out.sort().map((s) => JSON.parse(s));
  }
  const byKey = new Map(rows.map((r) => [keyOf(r, key), r]));
  for (const d of diff) {
    if (d.op === 'removed') byKey.delete(keyOf(d.key!, key));
    else byKey.set(keyOf(d.key!, key), d.after!);
  }
  return [...byKey.values()];
}

export const sortRows = (rows: JsonRow[], key: string[] | null): JsonRow[] =>
  [...rows].sort((x, y) => {
    const [a, b] = key ? [keyOf(x, key), keyOf(y, key)] : [JSON.stringify(x), JSON.stringify(y)];
    return a < b ? -1 : a > b ? 1 : 0;
  });

/** The `--format sql` patch of one table diff, as text. */
export async function sqlPatch(t: TableDiff): Promise<string> {
  let text = '';
  const sink = {
    write: (s: string) => {
      text += s;
      return true;
    },
    on: () => sink,
    off: () => sink,
  };
  const out = new Out(sink as unknown as NodeJS.WritableStream);
  const session: DiffSession = {
    from: 'A',
    to: 'B',
    tableCount: 1,
    tables: async function* () {
      yield t;
    },
  };
  await renderSql(session, out);
  await out.flush();
  return text;
}
