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

/**
 * Where this repository keeps a copy of the passes a remote recorded itself (its `pre-receive` /
 * `post-receive` hooks and `protect` write them, on the commits its protected branches accepted);
 * `fetch` and `clone` bring the remote's `refs/notes/lakegit-checks` here.
 */
export const remoteNotesRef = (remote: string): string => `refs/notes/remotes/${remote}/lakegit-checks`;

/**
 * The passes recorded for the first of `oids` that has a note: this repository's own, and, with
 * `remote`, the record that remote keeps (merged with ours, the same manifests' passes added up).
 * The caller names the remote that guards the branch the checks are for (see `guardingRemote`).
 */
export async function readPasses(ctx: RepoContext, oids: (string | undefined)[], remote?: string): Promise<PassNote | undefined> {
  const own = await readNoteAt(ctx, NOTES_REF, oids);
  const theirs = remote ? await readNoteAt(ctx, remoteNotesRef(remote), oids) : undefined;
  if (!own || !theirs) return own ?? theirs;
  const tables = { ...own.tables };
  for (const [name, t] of Object.entries(theirs.tables)) {
    const mine = tables[name];
    if (!mine) tables[name] = t;
    else if (mine.manifest === t.manifest)
      tables[name] = { manifest: t.manifest, passed: [...new Set([...mine.passed, ...t.passed])].sort() };
  }
  return { lakegit: 1, tables };
}

async function readNoteAt(ctx: RepoContext, ref: string, oids: (string | undefined)[]): Promise<PassNote | undefined> {
  for (const oid of oids) {
    if (!oid) continue;
    const text = await ctx.git.readNote(ref, oid);
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

/**
 * The remote whose recorded passes a check of a merge into `branch` may use: the one that guards
 * it. For a remote-tracking branch (`origin/main`) that remote; for a local branch, the remote of
 * its upstream. A repository trusts no other remote's record.
 */
export async function guardingRemote(ctx: RepoContext, branch: string | undefined): Promise<string | undefined> {
  if (!branch || ctx.bare) return undefined;
  if (await ctx.git.resolveRef(`refs/heads/${branch}`)) return (await ctx.git.getConfig(`branch.${branch}.remote`)) || undefined;
  for (const { remote } of await ctx.git.listRemotes())
    if (branch.startsWith(`${remote}/`) && (await ctx.git.resolveRef(`refs/remotes/${branch}`))) return remote;
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
  const prior = await readNoteAt(ctx, NOTES_REF, [oid]);
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
