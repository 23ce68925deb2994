import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { MalformedConfig } from '../../errors.js';
import { readCheck } from './config-checks.js';

/** A value from lakegit.yaml that a check compares rows with (bound as a parameter, cast to the column's type). */
export type Literal = string | number | boolean | null;

interface SpecBase {
  table: string;
  name: string;
  line: number;
}
export type CheckSpec = SpecBase &
  (
    | { kind: 'not_null'; column: string }
    | { kind: 'unique'; columns: string[] }
    | { kind: 'accepted_values'; column: string; values: Literal[] }
    | { kind: 'range'; column: string; min?: Literal; max?: Literal }
    | { kind: 'row_count'; min?: number; max?: number }
    | { kind: 'max_change'; limit: number; percent: boolean }
    | { kind: 'schema'; allowDrop: boolean; allowTypeChange: boolean; required: string[] }
    | { kind: 'foreign_keys'; column: string; refTable: string; refColumn: string }
    | { kind: 'sql'; query: string }
  );
export type CheckKind = CheckSpec['kind'];

export interface HookSpec {
  event: HookEvent;
  name: string;
  run: string;
  timeoutMs: number;
  line: number;
}
export type HookEvent = 'pre-merge' | 'pre-commit';

export interface ChecksConfig {
  checks: CheckSpec[];
  hooks: HookSpec[];
}

export const DEFAULT_HOOK_TIMEOUT_S = 300;
const KINDS = ['not_null', 'unique', 'accepted_values', 'range', 'row_count', 'max_change', 'schema', 'foreign_keys', 'sql'];

/** A misconfiguration: exit 2, naming the line of lakegit.yaml at fault (and where that lakegit.yaml came from). */
export class ConfigReader {
  private readonly lines = new LineCounter();
  constructor(readonly origin: string) {}

  fail(line: number, message: string, hint?: string): never {
    throw new MalformedConfig(`${this.origin}, line ${line}: ${message}`, { file: 'lakegit.yaml', line }, hint);
  }

  lineOf(node: Node | null | undefined, fallback = 1): number {
    const offset = node?.range?.[0];
    return offset === undefined ? fallback : this.lines.linePos(offset).line;
  }

  parse(text: string): ChecksConfig {
    const doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true });
    const err = doc.errors[0];
    if (err) this.fail(err.linePos?.[0].line ?? 1, `malformed YAML: ${err.message.split('\n')[0]}`);
    const root = doc.contents as Node | null;
    if (root === null || (isScalar(root) && root.value === null)) return { checks: [], hooks: [] };
    const top = this.pairs(root, 'the top level');
    const out: ChecksConfig = { checks: [], hooks: [] };
    for (const [key, value, line] of top) {
      if (key === 'checks') out.checks = this.checks(value, line);
      else if (key === 'hooks') out.hooks = this.hooks(value, line);
      else this.fail(line, `unknown section '${key}'`, "lakegit.yaml has 'checks' and 'hooks'");
    }
    return out;
  }

  /** The entries of a mapping as [key, value node, line of the key]. */
  pairs(node: Node | null | undefined, what: string): [string, Node | null, number][] {
    if (!isMap(node)) this.fail(this.lineOf(node), `${what} must be a mapping`);
    return (node.items as Pair<Node, Node | null>[]).map((p) => {
      const key = isScalar(p.key) ? String(p.key.value) : this.fail(this.lineOf(p.key), `${what}: keys must be plain names`);
      return [key, p.value, this.lineOf(p.key)];
    });
  }

  list(node: Node | null, line: number, what: string): Node[] {
    if (isSeq(node)) return node.items as Node[];
    if (isScalar(node) && node.value !== null) return [node];
    return this.fail(this.lineOf(node, line), `${what} must be a list`);
  }

  text(node: Node | null, line: number, what: string): string {
    if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number') && String(node.value) !== '') {
      return String(node.value);
    }
    return this.fail(this.lineOf(node, line), `${what} must be a name or text`);
  }

  literal(node: Node | null, line: number, what: string): Literal {
    if (!isScalar(node)) return this.fail(this.lineOf(node, line), `${what} must be a single value`);
    const v = node.value;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (v instanceof Date) return v.toISOString();
    return String(v);
  }

  number(node: Node | null, line: number, what: string): number {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) this.fail(this.lineOf(node, line), `${what} must be a non-negative number`);
    return v;
  }

  flag(node: Node | null, line: number, what: string): boolean {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'boolean') this.fail(this.lineOf(node, line), `${what} must be true or false`);
    return v;
  }

  private checks(node: Node | null, line: number): CheckSpec[] {
    if (isScalar(node) && node.value === null) return [];
    const out: CheckSpec[] = [];
    for (const [table, body, tline] of this.pairs(node ?? undefined, `'checks' (line ${line})`)) {
      if (isScalar(body) && body.value === null) continue;
      for (const [kind, value, kline] of this.pairs(body, `checks of table '${table}'`)) {
        if (!KINDS.includes(kind)) {
          this.fail(kline, `unknown check '${kind}' for table '${table}'`, `checks are: ${KINDS.join(', ')}`);
        }
        out.push(...readCheck(this, table, kind as CheckKind, value, kline || tline));
      }
    }
    return out;
  }

  private hooks(node: Node | null, line: number): HookSpec[] {
    if (isScalar(node) && node.value === null) return [];
    const entries = this.pairs(node, `'hooks' (line ${line})`);
    const timeoutEntry = entries.find(([k]) => k === 'timeout');
    const defaultTimeout = timeoutEntry ? this.number(timeoutEntry[1], timeoutEntry[2], 'hooks.timeout') : DEFAULT_HOOK_TIMEOUT_S;
    const out: HookSpec[] = [];
    for (const [event, list, eline] of entries) {
      if (event === 'timeout') continue;
      if (event !== 'pre-merge' && event !== 'pre-commit')
        this.fail(eline, `unknown hook event '${event}'`, "hooks are 'pre-merge' and 'pre-commit'");
      if (isScalar(list) && list.value === null) continue;
      if (!isSeq(list)) this.fail(this.lineOf(list, eline), `hooks.${event} must be a list`);
      for (const item of list.items as Node[]) out.push(this.hook(event, item, defaultTimeout));
    }
    return out;
  }

  private hook(event: HookEvent, item: Node, defaultTimeout: number): HookSpec {
    const line = this.lineOf(item);
    if (isScalar(item)) {
      const run = this.text(item, line, `a ${event} hook`);
      return { event, name: run, run, timeoutMs: defaultTimeout * 1000, line };
    }
    const fields = new Map(this.pairs(item, `a ${event} hook`).map(([k, v, l]) => [k, { v, l }]));
    for (const [k, { l }] of fields)
      if (!['name', 'run', 'timeout'].includes(k)) this.fail(l, `unknown hook field '${k}'`, "a hook has 'name', 'run' and 'timeout'");
    const run = fields.get('run');
    if (!run) this.fail(line, `a ${event} hook needs 'run: <command>'`);
    const cmd = this.text(run.v, run.l, 'hook run');
    const name = fields.get('name');
    const timeout = fields.get('timeout');
    return {
      event,
      run: cmd,
      line,
      name: name ? this.text(name.v, name.l, 'hook name') : cmd,
      timeoutMs: (timeout ? this.number(timeout.v, timeout.l, 'hook timeout') : defaultTimeout) * 1000,
    };
  }
}

/** Read lakegit.yaml text; `origin` names it in errors ("lakegit.yaml at main"). */
export function parseChecksConfig(text: string, origin = 'lakegit.yaml'): ChecksConfig {
  return new ConfigReader(origin).parse(text);
}
