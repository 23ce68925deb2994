import { promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import type * as S3 from '@aws-sdk/client-s3';
import { ChunkStoreUnreachable, LakegitError, badInput } from '../errors.js';
import { chunkNotInStore, chunkObjectName, streamToFile, type RemoteChunkStore } from './chunk-object.js';

let loadSdk = (): unknown =>
  typeof require === 'function' ? require('@aws-sdk/client-s3') : createRequire(import.meta.url)('@aws-sdk/client-s3');
let loaded: typeof S3 | undefined;
/** Loaded on first use only: the SDK is large and most commands never reach a bucket. */
const sdk = (): typeof S3 => (loaded ??= loadSdk() as typeof S3);

/** How the SDK is loaded (the CLI runs a bundled copy of it with a code cache: src/cli/boot.ts). */
export function useS3Sdk(load: () => unknown): void {
  loadSdk = load;
}

const notFound = (e: unknown) => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404;
};

/**
 * A store in an S3-compatible bucket, `s3://bucket/prefix`: chunk `<id>` is the object
 * `<prefix>/<id>.parquet`. Endpoint, region and credentials come from the SDK's own sources
 * (`AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`…, profiles); requests are path-style,
 * which every S3-compatible server accepts.
 */
export class S3ChunkStore implements RemoteChunkStore {
  private constructor(
    private readonly client: S3.S3Client,
    readonly bucket: string,
    readonly prefix: string,
  ) {}

  static fromUrl(url: string): S3ChunkStore {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(url);
    if (!m || !m[1]) throw badInput(`'${url}' is not an s3://bucket/prefix URL`, { url });
    // The SDK's notice about future Node versions is not the user's concern in a lakegit command's output.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const { S3Client } = sdk();
    const client = new S3Client({
      forcePathStyle: true,
      region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      // Plain checksums: S3-compatible servers do not all take the SDK's newer streaming checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    return new S3ChunkStore(client, m[1], m[2].replace(/\/+$/, ''));
  }

  get display() {
    return `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
  }

  private unreachable(e: unknown): LakegitError {
    const err = e as { name?: string; message?: string };
    return new ChunkStoreUnreachable(
      `cannot use the chunk store ${this.display}: ${err.message ?? err.name ?? String(e)}`,
      { store: this.display },
      'set its endpoint and credentials: AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, or a profile',
    );
  }

  private key(id: string) {
    return this.prefix ? `${this.prefix}/${chunkObjectName(id)}` : chunkObjectName(id);
  }

  async has(id: string): Promise<boolean> {
    try {
      await this.client.send(new (sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: this.key(id) }));
      return true;
    } catch (e) {
      if (notFound(e)) return false;
      throw this.unreachable(e);
    }
  }

  async get(id: string, dest: string): Promise<number> {
    let body: Readable;
    try {
      const out = await this.client.send(new (sdk().GetObjectCommand)({ Bucket: this.bucket, Key: this.key(id) }));
      body = out.Body as Readable;
    } catch (e) {
      if (notFound(e)) throw chunkNotInStore(id, this.display);
      throw this.unreachable(e);
    }
    return streamToFile(body, dest);
  }

  async put(id: string, file: string, knownMissing = false): Promise<boolean> {
    // An object put twice holds the same bytes both times (its name is their hash): skipping the check is safe.
    if (!knownMissing && (await this.has(id))) return false;
    const body = await fsp.readFile(file);
    await this.client.send(
      new (sdk().PutObjectCommand)({ Bucket: this.bucket, Key: this.key(id), Body: body, ContentLength: body.length }),
    );
    return true;
  }
}
