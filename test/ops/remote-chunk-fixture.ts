import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { quoteLiteral } from '../../src/engine/quote.js';
import { RepoContext } from '../../src/ops/context.js';
import { GitStore } from '../../src/store/git.js';
import { ChunkStore } from '../../src/store/chunks.js';
import { openChunkStore } from '../../src/store/remote-store.js';
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
export const SMALL = { scheme: CHUNK_SCHEME, target: 8, min: 2, max: 32 };

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
export type Row = typeof row extends fc.Arbitrary<infer R> ? R : never;

export const valuesSql = (id: number, r: Row) =>
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
