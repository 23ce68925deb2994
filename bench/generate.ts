import { promises as fsp } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral } from '../src/engine/quote.js';

/**
 * Deterministic benchmark data. Rows come from arithmetic on the key in DuckDB SQL (no hash(), whose
 * values change between versions, and no Math.random), so a given N gives byte-identical files on
 * every run. Which keys a history touches comes from a seeded PRNG.
 */
export type Pattern = 'clustered' | 'random';
export const PATTERNS: readonly Pattern[] = ['clustered', 'random'];

/** Base keys are 4s+1: the gaps let random inserts land between existing rows anywhere in the key space. */
const STRIDE = 4;

/** sfc32-like 32-bit generator: small, fast and the same on every platform. */
export function prng(seed: number): () => number {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) + t;
    return t / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

const STATUS = "['new','paid','shipped','cancelled']";
const REGION = "['north','south','east','west','central']";

/** The `orders` columns for key `id` at version `v` (0 = as first loaded): 11 typed columns, some NULL. */
export function orderRowSql(v: number): string {
  return `id::BIGINT AS id,
    ((id * 7919) % 50000 + 1)::INTEGER AS customer_id,
    ((id * 104729 + ${v}) % 2000 + 1)::INTEGER AS product_id,
    ((id * 31 + ${v} * 7) % 20 + 1)::INTEGER AS quantity,
    (((id * 2654435761 + ${v} * 40503) % 10000000) / 100)::DECIMAL(12,2) AS amount,
    ${STATUS}[((id * 13 + ${v}) % 4 + 1)::INTEGER] AS status,
    ${REGION}[((id * 7) % 5 + 1)::INTEGER] AS region,
    'customer' || ((id * 7919) % 50000 + 1) || '@example.com' AS email,
    CASE WHEN (id // ${STRIDE} * 7 + ${v}) % 10 = 0 THEN NULL ELSE 'note ' || ((id * 7 + ${v}) % 1000) END AS note,
    TIMESTAMP '2024-01-01 00:00:00' + to_seconds((id * 37 + (id * 7919) % 3600)::BIGINT) AS created_at,
    (id * 11 + ${v}) % 3 = 0 AS is_gift,
    CASE WHEN (id * 19) % 7 = 0 THEN NULL ELSE ((id * 23) % 40)::INTEGER END AS discount_pct`;
}

export interface ChangeSet {
  updates: number[];
  inserts: number[];
  deletes: number[];
}

/** One DuckDB session in the benchmark process that builds and edits tables and writes them out. */
export class Generator {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  /**
   * The tables live in a database file with a bounded buffer pool: an in-memory session grew to
   * 5 GB at 10M rows, and every process the harness then spawned paid for forking it (~130 ms of
   * wall time on a 1 ms `git status`), which the quick verbs' figures would have counted.
   */
  static async open(dbFile: string): Promise<Generator> {
    await fsp.rm(dbFile, { force: true });
    const instance = await DuckDBInstance.create(dbFile, { memory_limit: '1GB' });
    return new Generator(instance, await instance.connect());
  }

  async version(): Promise<string> {
    const r = await this.conn.runAndReadAll('SELECT version()');
    return String(r.getRows()[0][0]);
  }

  /** `orders` with keys 1, 5, 9, … (N rows), as first loaded. */
  async createOrders(table: string, rows: number): Promise<void> {
    await this.conn.run(`CREATE OR REPLACE TABLE ${quoteIdent(table)} AS
      SELECT ${orderRowSql(0)} FROM (SELECT i * ${STRIDE} + 1 AS id FROM range(${rows}) t(i))`);
  }

  async copyTable(from: string, to: string): Promise<void> {
    await this.conn.run(`CREATE OR REPLACE TABLE ${quoteIdent(to)} AS SELECT * FROM ${quoteIdent(from)}`);
  }

  /** A small second table, so checkout can show it rewrites only the table that changed. */
  async writeCustomers(file: string): Promise<void> {
    await this.conn.run(`COPY (SELECT i + 1 AS customer_id, 'customer' || (i + 1) || '@example.com' AS email,
        ${REGION}[(i % 5 + 1)::INTEGER] AS region FROM range(1000) t(i)) TO ${quoteLiteral(file)} (FORMAT csv, HEADER true)`);
  }

  /** Apply one change set: updated rows get version-`v` values, inserts new rows, deletes drop keys. */
  async apply(table: string, v: number, c: ChangeSet): Promise<void> {
    const t = quoteIdent(table);
    const list = (ids: number[]) => `(SELECT unnest([${ids.join(',')}]::BIGINT[]))`;
    if (c.updates.length) {
      await this.conn.run(`UPDATE ${t} SET quantity = ((id * 31 + ${v} * 7) % 20 + 1)::INTEGER,
          amount = (((id * 2654435761 + ${v} * 40503) % 10000000) / 100)::DECIMAL(12,2),
          status = ${STATUS}[((id * 13 + ${v}) % 4 + 1)::INTEGER]
        WHERE id IN ${list(c.updates)}`);
    }
    if (c.deletes.length) await this.conn.run(`DELETE FROM ${t} WHERE id IN ${list(c.deletes)}`);
    if (c.inserts.length)
      await this.conn.run(`INSERT INTO ${t} SELECT ${orderRowSql(v)} FROM (SELECT unnest([${c.inserts.join(',')}]::BIGINT[]) AS id)`);
  }

  /**
   * Write the table in key order as a CSV. The file's mtime is set a few seconds back, as for a file
   * edited some time before the commit: otherwise lakegit (like git) must treat it as "racily clean"
   * and re-read it on every status, which is not the steady state the figures are about.
   */
  async writeCsv(table: string, file: string): Promise<void> {
    await this.conn.run(`COPY (SELECT * FROM ${quoteIdent(table)} ORDER BY id) TO ${quoteLiteral(file)} (FORMAT csv, HEADER true)`);
    const past = new Date(Date.now() - 3000);
    await fsp.utimes(file, past, past);
  }

  /**
   * One plain Parquet copy of a CSV file (DuckDB's defaults), read with the same type inference
   * lakegit's `add` uses, so both hold the same column types; returns its size.
   */
  async csvToParquet(csv: string, file: string): Promise<number> {
    await this.conn.run(`COPY (SELECT * FROM read_csv(${quoteLiteral(csv)})) TO ${quoteLiteral(file)} (FORMAT parquet)`);
    return (await fsp.stat(file)).size;
  }

  /** A branch's copy of `orders` is ~1 GB of memory at 10M rows: drop it once it is written out. */
  async dropTable(table: string): Promise<void> {
    await this.conn.run(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
  }

  async count(table: string): Promise<number> {
    const r = await this.conn.runAndReadAll(`SELECT count(*) FROM ${quoteIdent(table)}`);
    return Number(r.getRows()[0][0]);
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/**
 * Which keys each commit of a history touches, k at a time: 80% updates, 15% inserts, 5% deletes.
 * clustered: inserts append after the newest key, updates and deletes hit the newest keys;
 * random: every key is equally likely, and inserts fall into the gaps between existing keys.
 */
export class KeyPicker {
  private readonly rand: () => number;
  private slots: number; // base-stride slots in use: keys 4s+1 for s < slots
  private readonly deleted = new Set<number>();
  private readonly inserted = new Set<number>();

  constructor(
    rows: number,
    readonly pattern: Pattern,
    seed: number,
  ) {
    this.slots = rows;
    this.rand = prng(seed ^ (pattern === 'clustered' ? 0x51 : 0xa7));
  }

  next(k: number): ChangeSet {
    const nInsert = Math.round(k * 0.15);
    const nDelete = Math.max(k > 1 ? 1 : 0, Math.round(k * 0.05));
    const nUpdate = k - nInsert - nDelete;
    const taken = new Set<number>();
    const updates = this.existing(nUpdate, taken);
    const deletes = this.existing(nDelete, taken);
    const inserts = this.fresh(nInsert);
    for (const id of deletes) this.deleted.add(id);
    return { updates, inserts, deletes };
  }

  /** Existing keys, distinct, never one already deleted; random inserts stay untouched for simplicity. */
  private existing(n: number, taken: Set<number>): number[] {
    const window = this.pattern === 'clustered' ? Math.min(this.slots, Math.max(1000, 20 * n)) : this.slots;
    const out: number[] = [];
    for (let guard = 0; out.length < n && guard < n * 1000; guard++) {
      const slot = this.slots - 1 - Math.floor(this.rand() * window);
      const id = slot * STRIDE + 1;
      if (this.deleted.has(id) || taken.has(id)) continue;
      taken.add(id);
      out.push(id);
    }
    return out;
  }

  private fresh(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      if (this.pattern === 'clustered') {
        out.push(this.slots++ * STRIDE + 1);
        continue;
      }
      const id = Math.floor(this.rand() * this.slots) * STRIDE + 2 + Math.floor(this.rand() * 2);
      if (this.inserted.has(id)) continue;
      this.inserted.add(id);
      out.push(id);
    }
    return out;
  }
}
