/**
 * stdout for large outputs: waits for the pipe to drain so a million-row diff is never buffered
 * whole in memory, and stops quietly when the reader goes away (`lakegit diff | head`).
 */
export class Out {
  closed = false;
  private pending = '';

  constructor(private readonly stream: NodeJS.WritableStream = process.stdout) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      this.closed = true;
    });
  }

  /**
   * Queue text; it goes out in blocks of about 64 KiB. Bytes (UTF-8, whole characters: a diff
   * DuckDB rendered to a file) go out as they are, after the text queued before them.
   */
  async write(text: string | Uint8Array): Promise<void> {
    if (typeof text !== 'string') {
      await this.flush();
      await this.send(text);
      return;
    }
    this.pending += text;
    if (this.pending.length >= 65536) await this.flush();
  }

  async line(text: string): Promise<void> {
    await this.write(`${text}\n`);
  }

  async flush(): Promise<void> {
    const text = this.pending;
    this.pending = '';
    if (text) await this.send(text);
  }

  private async send(chunk: string | Uint8Array): Promise<void> {
    if (this.closed || !chunk.length) return;
    if (this.stream.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
    });
  }
}
