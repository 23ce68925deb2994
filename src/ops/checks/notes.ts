import type { RepoContext } from '../context.js';
import { resolveIdentity } from '../identity.js';

/**
 * Passed row-local checks are remembered in git notes, so the next merge into a branch only
 * checks the rows it changes. A note sits on the commit that was checked; a gate that passes
 * before its commit exists notes the commit's tree instead (same tree, same tables).
 */
export const NOTES_REF = 'refs/notes/lakegit-checks';

export interface PassNote {
  lakegit: 1;
  /** Per table: the manifest blob that was checked and the fingerprints of the checks it passed. */
  tables: Record<string, { manifest: string; passed: string[] }>;
}

export async function readPasses(ctx: RepoContext, oids: (string | undefined)[]): Promise<PassNote | undefined> {
  for (const oid of oids) {
    if (!oid) continue;
    const text = await ctx.git.readNote(NOTES_REF, oid);
    if (!text) continue;
    try {
      const note = JSON.parse(text) as PassNote;
      if (note.lakegit === 1 && note.tables && typeof note.tables === 'object') return note;
    } catch {
      // A note someone else wrote by hand: not ours to trust.
    }
  }
  return undefined;
}

/** The fingerprints a note says `table` passed at exactly this manifest. */
export function passedAt(note: PassNote | undefined, table: string, manifest: string | undefined): Set<string> {
  const t = note?.tables[table];
  return new Set(t && t.manifest === manifest ? t.passed : []);
}

/** Add passes to the note on `oid`, keeping what it already holds for the same manifests. The caller holds the lock. */
export async function recordPasses(ctx: RepoContext, oid: string, passes: PassNote['tables']): Promise<void> {
  if (Object.keys(passes).length === 0) return;
  const prior = await readPasses(ctx, [oid]);
  const tables = { ...(prior?.tables ?? {}) };
  for (const [name, p] of Object.entries(passes)) {
    const old = tables[name]?.manifest === p.manifest ? tables[name].passed : [];
    tables[name] = { manifest: p.manifest, passed: [...new Set([...old, ...p.passed])].sort() };
  }
  const note: PassNote = { lakegit: 1, tables };
  const author = await resolveIdentity(ctx).catch(() => ({
    name: 'lakegit',
    email: '',
    timestamp: Math.floor(Date.now() / 1000),
    timezoneOffset: 0,
  }));
  const text = `${JSON.stringify(note)}\n`;
  try {
    await ctx.git.addNote(NOTES_REF, oid, text, author);
  } catch {
    // The notes history is only a cache; if it cannot be read (a refused merge removed the objects
    // it had just written), start it afresh rather than fail the commit or merge.
    await ctx.git.deleteRef(NOTES_REF).catch(() => undefined);
    await ctx.git.addNote(NOTES_REF, oid, text, author);
  }
}
