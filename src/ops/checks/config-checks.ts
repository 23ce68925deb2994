import { isScalar, isSeq, type Node } from 'yaml';
import type { CheckKind, CheckSpec, ConfigReader, Literal } from './config.js';

type Reader = ConfigReader;
const named = (kind: string, columns: string[]) => `${kind}(${columns.join(',')})`;

/** One lakegit.yaml entry (`not_null: [a, b]`) as the checks it declares, one per column where that reads best. */
export function readCheck(r: Reader, table: string, kind: CheckKind, value: Node | null, line: number): CheckSpec[] {
  const at = (node: Node | null) => r.lineOf(node, line);
  switch (kind) {
    case 'not_null':
      return r.list(value, line, 'not_null').map((n) => {
        const column = r.text(n, line, 'a not_null column');
        return { kind, table, column, name: named(kind, [column]), line: at(n) };
      });
    case 'unique':
      return r.list(value, line, 'unique').map((n) => {
        const columns = isSeq(n)
          ? (n.items as Node[]).map((c) => r.text(c, at(n), 'a unique column'))
          : [r.text(n, line, 'a unique column')];
        if (!columns.length) r.fail(at(n), 'unique needs at least one column');
        return { kind, table, columns, name: named(kind, columns), line: at(n) };
      });
    case 'accepted_values':
      return r.pairs(value, 'accepted_values').map(([column, list, l]) => {
        const values = r.list(list, l, `accepted_values of '${column}'`).map((v) => r.literal(v, l, 'an accepted value'));
        return { kind, table, column, values, name: named(kind, [column]), line: l };
      });
    case 'range':
      return r.pairs(value, 'range').map(([column, bounds, l]) => {
        const b = readBounds(r, bounds, l, `range of '${column}'`, (n, bl, what) => r.literal(n, bl, what));
        return { kind, table, column, ...b, name: named(kind, [column]), line: l };
      });
    case 'row_count': {
      const b = readBounds(r, value, line, 'row_count', (n, bl, what) => r.number(n, bl, what));
      return [{ kind, table, ...b, name: named(kind, []), line }];
    }
    case 'max_change':
      return [{ kind, table, ...readLimit(r, value, line), name: named(kind, []), line }];
    case 'schema':
      return [readSchema(r, table, value, line)];
    case 'foreign_keys':
      return r.pairs(value, 'foreign_keys').map(([column, target, l]) => {
        const ref = r.text(target, l, `foreign key of '${column}'`);
        const dot = ref.lastIndexOf('.');
        if (dot <= 0 || dot === ref.length - 1) r.fail(l, `foreign key '${ref}' must be written <table>.<column>`);
        return { kind, table, column, refTable: ref.slice(0, dot), refColumn: ref.slice(dot + 1), name: named(kind, [column]), line: l };
      });
    case 'sql':
      return r.list(value, line, 'sql').map((n) => readRule(r, table, n, at(n)));
  }
}

function readBounds<T extends Literal>(
  r: Reader,
  node: Node | null,
  line: number,
  what: string,
  read: (n: Node | null, l: number, what: string) => T,
): { min?: T; max?: T } {
  const out: { min?: T; max?: T } = {};
  for (const [k, v, l] of r.pairs(node, what)) {
    if (k !== 'min' && k !== 'max') r.fail(l, `${what}: unknown bound '${k}'`, "use 'min' and/or 'max'");
    const value = read(v, l, `${what}.${k}`);
    if (value === null) r.fail(l, `${what}.${k} must not be empty`);
    out[k] = value;
  }
  if (out.min === undefined && out.max === undefined) r.fail(line, `${what} needs 'min' or 'max'`);
  return out;
}

function readLimit(r: Reader, node: Node | null, line: number): { limit: number; percent: boolean } {
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return { limit: v, percent: false };
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v) : null;
  if (!m) return r.fail(r.lineOf(node, line), 'max_change must be a row count (1000) or a percentage (10%)');
  return { limit: Number(m[1]), percent: true };
}

function readSchema(r: Reader, table: string, node: Node | null, line: number): CheckSpec {
  const spec = {
    kind: 'schema' as const,
    table,
    allowDrop: true,
    allowTypeChange: true,
    required: [] as string[],
    name: named('schema', []),
    line,
  };
  for (const [k, v, l] of r.pairs(node, 'schema')) {
    if (k === 'allow_drop') spec.allowDrop = r.flag(v, l, 'schema.allow_drop');
    else if (k === 'allow_type_change') spec.allowTypeChange = r.flag(v, l, 'schema.allow_type_change');
    else if (k === 'required_columns')
      spec.required = r.list(v, l, 'schema.required_columns').map((c) => r.text(c, l, 'a required column'));
    else r.fail(l, `schema: unknown setting '${k}'`, 'use allow_drop, allow_type_change, required_columns');
  }
  return spec;
}

function readRule(r: Reader, table: string, node: Node, line: number): CheckSpec {
  const fields = new Map(r.pairs(node, 'an sql rule').map(([k, v, l]) => [k, { v, l }]));
  for (const [k, { l }] of fields) if (k !== 'name' && k !== 'query') r.fail(l, `an sql rule has 'name' and 'query', not '${k}'`);
  const name = fields.get('name');
  const query = fields.get('query');
  if (!name || !query) r.fail(line, "an sql rule needs 'name' and 'query'");
  const text = r.text(query.v, query.l, 'sql query').trim().replace(/;\s*$/, '');
  return { kind: 'sql', table, name: r.text(name.v, name.l, 'sql rule name'), query: text, line: query.l };
}
