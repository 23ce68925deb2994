import { inject, it } from 'vitest';
import { writeFileSync } from 'node:fs';
it('serve', async () => {
  writeFileSync('/tmp/dbg/servers.json', JSON.stringify({ git: inject('gitHttpUrl'), root: inject('gitRoot'), s3: inject('s3Endpoint') }));
  await new Promise((r) => setTimeout(r, 1_500_000));
}, 1_600_000);
