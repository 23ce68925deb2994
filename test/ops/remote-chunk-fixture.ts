import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { Engine } from '../../src/engine/db.js';
import { pathList, quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { RepoContext } from '../../src/ops/context.js';
import { GitStore } from '../../src/store/git.js';
import { ChunkStore } from '../../src/store/chunks.js';
import { openChunkStore, type RemoteChunkStore } from '../../src/store/remote-store.js';
import { writeChunks } from '../../src/table/chunker.js';
import { noteManifestChunks } from '../../src/table/chunkid.js';
import { CHUNK_SCHEME } from '../../src/table/manifest.js';
import type { Column } from '../../src/table/schema.js';

// What the chunk-fetching properties share: a table of every kind of column (odd names, wide
// numbers, unicode), random rows for it as SQL values, and a clone whose origin names a directory store.

export const COLUMNS: Column[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'select', type: 'INTEGER' },
  { name: 'big', type: 'HUGEINT' },
  { name: 'f', type: 'DOUBLE' },
  { name: 'dec', type: 'DECIMAL(20,4)' },
  { name: 'filename', type: 'VARCHAR' },
  { name: '__op', type: 'BOOLEAN' },
  { name: 'd', type: 'DATE' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'odd "name", é', type: 'VARCHAR' },
];
const SMALL = { scheme: CHUNK_SCHEME, target: 8, min: 2, max: 32 };

const text = fc.oneof(fc.string(), fc.constantFrom('', 'NULL', 'a "quoted" \\ back', 'tab\there\nnew', 'ü 🙂 /'));
export const row = fc.record({
  select: fc.option(fc.integer(), { nil: null }),
  big: fc.option(fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }), { nil: null }),
  f: fc.option(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0.1, 1e21, -3)), { nil: null }),
  dec: fc.option(fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }), { nil: null }),
  filename: fc.option(text, { nil: null }),
  op: fc.option(fc.boolean(), { nil: null }),
  d: fc.option(fc.integer({ min: -700_000, max: 2_900_000 }), { nil: null }),
  ts: fc.option(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { nil: null }),
  odd: fc.option(text, { nil: null }),
});
type Row = typeof row extends fc.Arbitrary<infer R> ? R : never;

const valuesSql = (id: number, r: Row) =>
  `(${[
    String(id),
    r.select ?? 'NULL',
    r.big === null ? 'NULL' : `${r.big}::HUGEINT`,
    r.f === null ? 'NULL' : `${Object.is(r.f, -0) ? '-0.0' : r.f}::DOUBLE`,
    r.dec === null ? 'NULL' : `(${r.dec}::HUGEINT::DECIMAL(38,0) / 10000)::DECIMAL(20,4)`,
    r.filename === null ? 'NULL' : quoteLiteral(r.filename),
    r.op ?? 'NULL',
    r.d === null ? 'NULL' : `DATE '2000-01-01' + ${r.d}`,
    r.ts === null ? 'NULL' : `TIMESTAMP '2000-01-01' + INTERVAL (${r.ts}) MICROSECOND`,
    r.odd === null ? 'NULL' : quoteLiteral(r.odd),
  ].join(', ')})`;

/** A writer's chunk store, a directory store, and a clone whose origin names it. */
export async function setup() {
  const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-ondemand-'));
  const writer = new ChunkStore(path.join(base, 'writer'));
  await fsp.mkdir(writer.dir);
  const storeDir = path.join(base, 'store');
  const clone = await RepoContext.create(path.join(base, 'clone'));
  await GitStore.init(clone.gitdir, 'main');
  await clone.git.setConfig('remote.origin.url', path.join(base, 'remote.git'));
  await clone.git.setConfig('remote.origin.lakegitchunks', storeDir);
  return { base, writer, store: await openChunkStore(storeDir), clone };
}

/**
 * `rows` written as chunks by the writer (`lg_src` holds them) and put in `store`, and beside them
 * `forged`: the victim chunk's rows with one value changed, for a test to slip into the store.
 */
export async function chunksWithForgery(
  engine: Engine,
  { base, writer, store }: { base: string; writer: ChunkStore; store: RemoteChunkStore },
  rows: [number, Row][],
  pick: number,
) {
  const defs = COLUMNS.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
  await engine.run(`CREATE OR REPLACE TABLE lg_src (${defs})`);
  await engine.run(`INSERT INTO lg_src VALUES ${rows.map(([id, r]) => valuesSql(id, r)).join(', ')}`);
  await engine.run('CREATE OR REPLACE TABLE lg_work AS SELECT * FROM lg_src ORDER BY id');
  const chunks = await writeChunks(engine, writer, 'lg_work', COLUMNS, ['id'], SMALL);
  noteManifestChunks({ columns: COLUMNS, chunks, deltas: [] });
  for (const c of chunks) await store.put(c.id, writer.pathOf(c.id));
  const victim = chunks[pick % chunks.length];
  const forged = path.join(base, 'forged.parquet');
  await engine.run(
    `COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () = 1 THEN coalesce("select", 0) + 1 ELSE "select" END AS "select") FROM read_parquet(${pathList([writer.pathOf(victim.id)])})) TO ${quoteLiteral(forged)} (FORMAT parquet)`,
  );
  return { chunks, victim, forged };
}
