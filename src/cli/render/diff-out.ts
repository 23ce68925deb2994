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

  /** Queue text; it goes out in blocks of about 64 KiB. */
  async write(text: string): Promise<void> {
    this.pending += text;
    if (this.pending.length >= 65536) await this.flush();
  }

  async line(text: string): Promise<void> {
    await this.write(`${text}\n`);
  }

  async flush(): Promise<void> {
    const text = this.pending;
    this.pending = '';
    if (this.closed || !text) return;
    if (this.stream.write(text)) return;
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
