import type { JsonRow } from '../engine/db.js';
import type { SlotMap } from './linelayout.js';
import type { LineEdit } from './splice-copy.js';

/**
 * What a patch (patch-write.ts) does to each line: from where the line index says the changed keys'
 * lines are and the lines a full write gives their rows in `after`, which lines are replaced or
 * removed, which are appended, and the slots the appended lines take. No I/O: the caller reads the
 * rows and writes the bytes.
 */

/** A row's key as text, beside user columns in one select list. */
export const KEY_TEXT = '__lakegit_key_text';

/** Where the changed keys are in the file. */
export interface KeyLines {
  /** A key's line, for the keys a line holds. */
  lineOfKey: Map<string, number>;
  /** A key's garbage slot (a line removed or moved since): an appended line with that key takes it back. */
  deadSlot: Map<string, number>;
}

/**
 * The lines of the index entries `held` (`n`: a slot; `KEY_TEXT`: its key), or undefined when a key
 * is on two lines (not an index this code wrote).
 */
export function locateKeys(held: readonly JsonRow[], slotMap: SlotMap): KeyLines | undefined {
  // A slot no line holds is a key file's garbage (a line removed or moved since): only live slots count.
  const lineOfKey = new Map<string, number>();
  const deadSlot = new Map<string, number>();
  for (const r of held) {
    const k = String(r[KEY_TEXT]);
    const line = slotMap.lineOf(Number(r.n));
    if (line === undefined) {
      deadSlot.set(k, Math.min(Number(r.n), deadSlot.get(k) ?? Infinity));
      continue;
    }
    if (lineOfKey.has(k)) return undefined; // a key on two lines: not an index this code wrote
    lineOfKey.set(k, line);
  }
  return { lineOfKey, deadSlot };
}

/**
 * The row lines of a file a COPY wrote (after its header, if any) when there are `rows` of them and
 * each is one the line cache can describe (no CR, no empty line); undefined otherwise.
 */
export function writtenRowLines(text: string, header: boolean, rows: number): string[] | undefined {
  const lines = text.split('\n');
  const rowsText = lines.slice(header ? 1 : 0, -1);
  if (lines[lines.length - 1] !== '' || rowsText.length !== rows || lines.some((l) => l.includes('\r'))) return undefined;
  // A row line must be one the line cache can describe (no empty line).
  if (rowsText.some((l) => l === '')) return undefined;
  return rowsText;
}

export interface LinePlan {
  /** Data line → its replacement, or none: the line goes. */
  edits: Map<number, LineEdit>;
  /** Lines of rows whose key no line holds, in key order. */
  appended: string[];
  /** The slot each appended line takes, and how many of those are new (`slots` on). */
  appendedSlots: number[];
  newSlots: number;
}

/**
 * The patch of the changed rows (`freshKeys`, in key order, and their lines `rowsText`): a key on a
 * line is rewritten there, a key on no line appended, and a key `after` has not loses its line.
 * `keys` is consumed. Appended lines take back their key's garbage slot, or a new one from `slots`.
 */
export function planLines(freshKeys: readonly string[], rowsText: readonly string[], keys: KeyLines, slots: number): LinePlan {
  const { lineOfKey, deadSlot } = keys;
  const edits = new Map<number, LineEdit>();
  const appendedAt: number[] = []; // positions in key order of the appended rows
  freshKeys.forEach((k, i) => {
    const line = lineOfKey.get(k);
    if (line === undefined) appendedAt.push(i);
    else {
      edits.set(line, { text: rowsText[i] });
      lineOfKey.delete(k);
    }
  });
  for (const line of lineOfKey.values()) edits.set(line, {}); // a key `after` has not: its line goes
  const appended = appendedAt.map((i) => rowsText[i]);
  // Appended lines take back their key's garbage slot, or a new one (their keys added to the overlay), in key order.
  let newSlots = 0;
  const appendedSlots = appendedAt.map((i) => deadSlot.get(freshKeys[i]) ?? slots + newSlots++);
  return { edits, appended, appendedSlots, newSlots };
}
