import type { Engine } from '../engine/db.js';
import { quoteIdent } from '../engine/quote.js';
import { withoutLines, writeLayout } from './linelayout.js';
import { SLOT, compactIfDue, writeMarks, writeOverlay, type LineIndexRef } from './lineslots.js';
import type { SplicedBlocks } from './patch-blocks.js';
import type { LinePlan } from './patch-plan.js';
import { cols, joinOn } from './rowsql.js';

/** The scratch tables of a patch this step reads: the changed rows in `after`, and the index entries of their keys. */
export interface PatchTables {
  fresh: string;
  held: string;
}

/**
 * The line index of a patched file (patch-write.ts), from its index before (`lines`, whose layout's
 * pieces are `oldPieces`): kept lines keep their slots, removed lines leave theirs, appended lines
 * take theirs; its blocks and marks are the ones the copy wrote. Only a small overlay of new keys is
 * written, until the index is due for compaction.
 */
export async function patchedIndex(
  engine: Engine,
  dir: string,
  lines: LineIndexRef,
  key: readonly string[],
  plan: LinePlan,
  spliced: SplicedBlocks,
  oldPieces: readonly number[],
  t: PatchTables,
): Promise<LineIndexRef> {
  const { edits, appended, appendedSlots, newSlots } = plan;
  // Removed lines leave their slots; appended ones take theirs.
  const removed = [...edits].filter(([, e]) => e.text === undefined).map(([line]) => line);
  const pieces = withoutLines(oldPieces, removed);
  for (const slot of appendedSlots) pieces.push(slot);
  const next: LineIndexRef = {
    ...lines,
    rows: lines.rows - removed.length + appended.length,
    slots: lines.slots! + newSlots,
    layout: await writeLayout(dir, { ...spliced.layout, pieces: pieces.pieces }),
    marks: await writeMarks(dir, spliced.marks).catch(() => undefined),
  };
  if (newSlots) {
    // The keys with no slot at all: `fresh` less every key the key files hold, in key order (as `appendedSlots` counted them).
    const q = quoteIdent;
    const added = `SELECT ${cols(key, 'f')}, ${lines.slots! - 1} + row_number() OVER (ORDER BY ${cols(key, 'f')}) AS ${SLOT}
        FROM ${q(t.fresh)} f ANTI JOIN ${q(t.held)} h ON ${joinOn(key, 'f', 'h')}`;
    next.overlay = await writeOverlay(engine, dir, lines, key, added);
    next.overlayRows = (lines.overlayRows ?? 0) + newSlots;
  }
  return compactIfDue(engine, dir, next, key, { ...spliced.layout, pieces: pieces.pieces }, lines);
}
