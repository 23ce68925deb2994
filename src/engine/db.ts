import type { DuckDBConnection, DuckDBInstance, DuckDBType, DuckDBValue, DuckDBValueConverter, Json } from '@duckdb/node-api';

export type Params = DuckDBValue[] | Record<string, DuckDBValue>;
export type JsonRow = Record<string, Json>;

/**
 * One DuckDB session per process, loaded on first use so that commands which never touch rows
 * (`--version`, `log`, `branch`) do not pay for loading the native module.
 */
/** Connection methods that take a statement's text first: each is preceded by `Engine.beforeQuery`. */
const STATEMENT_METHODS = new Set([
  'run',
  'runAndRead',
  'runAndReadAll',
  'runAndReadUntil',
  'stream',
  'streamAndRead',
  'streamAndReadAll',
  'streamAndReadUntil',
  'prepare',
  'start',
  'startStream',
]);

/** A connection whose statements first pass through `Engine.beforeQuery` (when one is set). */
function guarded(conn: DuckDBConnection): DuckDBConnection {
  return new Proxy(conn, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      if (typeof prop !== 'string' || !STATEMENT_METHODS.has(prop)) return (v as (...a: unknown[]) => unknown).bind(target);
      return async (sql: unknown, ...rest: unknown[]) => {
        if (Engine.beforeQuery && typeof sql === 'string') await Engine.beforeQuery(sql);
        return (v as (...a: unknown[]) => unknown).call(target, sql, ...rest);
      };
    },
  });
}

export class Engine {
  /**
   * Runs before every statement with its text: a partial clone fetches the chunk files a statement
   * names here, the one place every read of a snapshot passes (src/ops/context.ts sets it).
   */
  static beforeQuery: ((sql: string) => Promise<void>) | undefined;

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
    /** DuckDB values to contract JSON (see json.ts); loaded with DuckDB itself. */
    readonly toJson: DuckDBValueConverter<Json>,
    private readonly columnConverter: (type: DuckDBType) => (v: DuckDBValue) => Json,
  ) {}

  private static current: Promise<Engine> | undefined;

  static get(): Promise<Engine> {
    Engine.current ??= (async () => {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const { toJson, columnConverter } = await import('./json.js');
      const instance = await DuckDBInstance.create(':memory:', { threads: String(Engine.threads()) });
      const conn = guarded(await instance.connect());
      // Text forms of TIMESTAMPTZ values feed chunk ids and working files: never the machine's zone.
      await conn.run("SET TimeZone = 'UTC'");
      // Its cache of file blocks serves stale, even mixed, rows for a file replaced in place with one
      // of the same size (a working file rewritten, an export over an export): local reads need no cache.
      await conn.run('SET enable_external_file_cache = false');
      return new Engine(instance, conn, toJson as DuckDBValueConverter<Json>, columnConverter);
    })();
    return Engine.current;
  }

  static loaded(): boolean {
    return Engine.current !== undefined;
  }

  private static threads(): number {
    const fromEnv = Number(process.env.LAKEGIT_THREADS);
    return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 2;
  }

  /**
   * `body` with DuckDB on `n` threads, the setting put back after. For work of small statements: on
   * those a statement's second thread costs more CPU than it saves (docs/benchmarks.md, `clone3`, `revert5`).
   */
  async withThreads<T>(n: number, body: () => Promise<T>): Promise<T> {
    const was = Number(await this.value("SELECT current_setting('threads')"));
    if (was === n) return body();
    await this.run(`SET threads = ${n}`);
    try {
      return await body();
    } finally {
      await this.run(`SET threads = ${was}`);
    }
  }

  /** A second connection to the same database, for running independent statements in parallel. */
  async connect(): Promise<DuckDBConnection> {
    return guarded(await this.instance.connect());
  }

  /** Like `connect`, with this engine's session settings: row text (chunk ids, working files) is the same on it. */
  async lane(): Promise<DuckDBConnection> {
    const conn = await this.connect();
    await conn.run("SET TimeZone = 'UTC'");
    return conn;
  }

  async run(sql: string, params?: Params): Promise<void> {
    await this.conn.run(sql, params);
  }

  /** All rows as contract JSON objects. For small results only: big ones go through `stream`. */
  async all(sql: string, params?: Params): Promise<JsonRow[]> {
    const reader = await this.conn.runAndReadAll(sql, params);
    return reader.convertRowObjects(this.toJson) as JsonRow[];
  }

  async one(sql: string, params?: Params): Promise<JsonRow | undefined> {
    return (await this.all(sql, params))[0];
  }

  async value<T extends Json>(sql: string, params?: Params): Promise<T> {
    const reader = await this.conn.runAndReadAll(sql, params);
    return (reader.convertRows(this.toJson)[0]?.[0] ?? null) as T;
  }

  /** Rows streamed chunk by chunk as arrays of contract JSON, converted a column at a time: a large diff or blame never sits whole in memory. */
  async *streamArrays(sql: string, params?: Params): AsyncGenerator<{ names: string[]; rows: Json[][] }> {
    const result = await this.conn.stream(sql, params);
    const names = result.columnNames();
    const converters = result.columnTypes().map(this.columnConverter);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const rows: Json[][] = Array.from({ length: chunk.rowCount }, () => new Array(names.length));
      for (let c = 0; c < names.length; c++) {
        const conv = converters[c];
        const values = chunk.getColumnValues(c);
        for (let r = 0; r < values.length; r++) rows[r][c] = values[r] === null ? null : conv(values[r]);
      }
      yield { names, rows };
    }
  }

  /** Like `streamArrays`, a column at a time: each chunk's values per column, with no per-row array. */
  async *streamColumns(sql: string, params?: Params): AsyncGenerator<Json[][]> {
    const result = await this.conn.stream(sql, params);
    const converters = result.columnTypes().map(this.columnConverter);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      yield converters.map((conv, c) => chunk.getColumnValues(c).map((v) => (v === null ? null : conv(v))));
    }
  }

  /**
   * Like `streamColumns`, from a result read whole first: no asynchronous round trip per 2048-row
   * chunk (~0.1 µs a row). Only for results known to be small enough to sit in memory at once.
   */
  async *readColumns(sql: string, params?: Params): AsyncGenerator<Json[][]> {
    const result = await this.conn.run(sql, params);
    const converters = result.columnTypes().map(this.columnConverter);
    for (let i = 0; i < result.chunkCount; i++) {
      const chunk = result.getChunk(i);
      if (chunk.rowCount === 0) continue;
      yield converters.map((conv, c) => chunk.getColumnValues(c).map((v) => (v === null ? null : conv(v))));
    }
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
    Engine.current = undefined;
  }
}
