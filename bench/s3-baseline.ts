/**
 * The remote clone's baseline: download one Parquet copy of a table from an S3-compatible store
 * through @aws-sdk/client-s3 (endpoint and credentials from the environment, path-style, as lakegit
 * reaches a bucket), then let DuckDB write the CSV from it. One process, timed from spawn to exit.
 *
 *   node dist/bench/s3-baseline.js <bucket> <key> <downloaded.parquet> <out.csv>
 */
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { quoteLiteral } from '../src/engine/quote.js';

const [bucket, key, parquet, csv] = process.argv.slice(2);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const client = new S3Client({
  forcePathStyle: true,
  region: process.env.AWS_REGION ?? 'us-east-1',
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
await pipeline(got.Body as Readable, createWriteStream(parquet));
const instance = await DuckDBInstance.create(':memory:', { threads: process.env.LAKEGIT_THREADS ?? '2' });
const conn = await instance.connect();
try {
  await conn.run(`COPY (SELECT * FROM read_parquet(${quoteLiteral(parquet)})) TO ${quoteLiteral(csv)} (FORMAT csv, HEADER true)`);
} finally {
  conn.closeSync();
  instance.closeSync();
}
