import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './fsutil.js';

/**
 * Reflogs in git's own format and place (`logs/HEAD`, `logs/refs/heads/<branch>`), so
 * `git --git-dir .lakegit reflog` reads what lakegit wrote. One line per ref move:
 * `<old> <new> <name> <<email>> <seconds> <±hhmm>\t<message>`, oldest first.
 */
export const ZERO_OID = '0'.repeat(40);

export interface ReflogEntry {
  old: string; // ZERO_OID when the ref did not exist
  new: string;
  name: string;
  email: string;
  timestamp: number; // seconds since the epoch
  timezone: string; // as written, e.g. +0000
  message: string;
}

/** git logs these refs by default in a repository with a working tree (core.logAllRefUpdates). */
export const isLoggedRef = (ref: string): boolean => ref === 'HEAD' || ref.startsWith('refs/heads/') || ref.startsWith('refs/remotes/');

const reflogFile = (gitdir: string, ref: string): string => path.join(gitdir, 'logs', ref);

function formatEntry(e: ReflogEntry): string {
  // A message is one line in git's format: a multi-line commit message contributes its subject.
  const message = e.message.split('\n')[0].replace(/\t/g, ' ');
  return `${e.old} ${e.new} ${e.name.replace(/[<>\n]/g, '')} <${e.email.replace(/[<>\n]/g, '')}> ${e.timestamp} ${e.timezone}\t${message}\n`;
}

const LINE = /^([0-9a-f]{40}) ([0-9a-f]{40}) (.*?) <([^>]*)> (\d+) ([+-]\d{4})(?:\t(.*))?$/;

function parseReflog(text: string): ReflogEntry[] {
  const out: ReflogEntry[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue; // a torn last line from a killed writer is skipped, as git does
    out.push({ old: m[1], new: m[2], name: m[3], email: m[4], timestamp: Number(m[5]), timezone: m[6], message: m[7] ?? '' });
  }
  return out;
}

/** Oldest first, as stored; an absent log is empty. */
export async function readReflog(gitdir: string, ref: string): Promise<ReflogEntry[]> {
  const text = await fsp.readFile(reflogFile(gitdir, ref), 'utf8').catch(() => '');
  return parseReflog(text);
}

export async function appendReflog(gitdir: string, ref: string, entry: ReflogEntry): Promise<void> {
  const file = reflogFile(gitdir, ref);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.appendFile(file, formatEntry(entry));
}

/** Rewrite a log keeping only the entries `keep` accepts; returns how many were dropped. */
export async function filterReflog(gitdir: string, ref: string, keep: (e: ReflogEntry) => boolean): Promise<number> {
  const entries = await readReflog(gitdir, ref);
  const kept = entries.filter(keep);
  if (kept.length === entries.length) return 0;
  await writeFileAtomic(reflogFile(gitdir, ref), kept.map(formatEntry).join(''));
  return entries.length - kept.length;
}

/** Every ref that has a log: `HEAD` and `refs/…`. */
export async function listReflogs(gitdir: string): Promise<string[]> {
  const base = path.join(gitdir, 'logs');
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && !e.name.endsWith('.tmp')) out.push(path.relative(base, p).split(path.sep).join('/'));
    }
  };
  await walk(base);
  return out.sort();
}

export async function removeReflog(gitdir: string, ref: string): Promise<void> {
  await fsp.rm(reflogFile(gitdir, ref), { force: true });
}

export async function renameReflog(gitdir: string, from: string, to: string): Promise<void> {
  const target = reflogFile(gitdir, to);
  await fsp.mkdir(path.dirname(target), { recursive: true });
  await fsp.rename(reflogFile(gitdir, from), target).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}
