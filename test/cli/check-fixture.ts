import type { TempRepo } from '../helpers.js';
import { api, newRepo } from './core-helpers.js';

/** lakegit.yaml declaring every check kind; line numbers matter to the tests that name them. */
export const CHECKS_YAML = `checks:
  orders:
    not_null: [id, customer_id]
    unique: [ref, [customer_id, status]]
    accepted_values: { status: [new, paid, shipped, cancelled] }
    range: { amount: { min: 0 }, qty: { min: 1, max: 1000 } }
    row_count: { min: 1, max: 6 }
    max_change: 50%
    schema: { allow_drop: false, allow_type_change: false, required_columns: [id, amount] }
    foreign_keys: { customer_id: customers.id }
    sql:
      - name: no_huge_orders
        query: select * from orders where qty * amount > 1000
`;

export const ORDERS = `id,customer_id,amount,status,qty,ref,note,code
1,10,5.00,new,1,r1,x,1
2,11,7.50,paid,2,r2,y,2
3,10,1.00,shipped,3,r3,z,3
4,11,2.00,new,4,r4,w,4
5,10,3.00,paid,5,r5,v,5
`;

export const CUSTOMERS = 'id,name\n10,Ada\n11,Bob\n';

/**
 * A repo whose main has orders + customers + the checks above, committed (they pass). Built in-process
 * (init, add, commit through the API the CLI calls); the checks under test run the real CLI.
 */
export async function checkedRepo(yaml = CHECKS_YAML): Promise<TempRepo> {
  const repo = await newRepo({ 'orders.csv': ORDERS, 'customers.csv': CUSTOMERS, 'lakegit.yaml': yaml });
  const a = await api(repo);
  await a.add({ paths: ['orders.csv'], cwd: repo.dir, key: ['id'] });
  await a.add({ paths: ['customers.csv'], cwd: repo.dir, key: ['id'] });
  await a.add({ paths: ['lakegit.yaml'], cwd: repo.dir });
  await a.commit({ message: 'load with checks' });
  return repo;
}

/**
 * Set-up steps in-process (the API the CLI calls, without a process start and a DuckDB load each):
 * `checkout [-b new] target`, `commit -a[m]` (refused commits fail the test), `add`, `protect`.
 * What a test checks still runs the CLI.
 */
export async function steps(repo: TempRepo) {
  const a = await api(repo);
  return {
    checkout: (target: string, create?: string) => a.checkout(create ? { target, create } : { target }),
    async commit(message: string, opts: { noVerify?: boolean; all?: boolean; author?: string } = {}): Promise<string> {
      const r = await a.commit({ message, all: opts.all ?? true, noVerify: opts.noVerify, author: opts.author });
      if (r.status !== 'committed') throw new Error(`set-up commit '${message}' refused: ${JSON.stringify(r)}`);
      return r.oid;
    },
    add: (file: string) => a.add({ paths: [file], cwd: repo.dir }),
    mv: (from: string, to: string) => a.mv(from, to),
    protect: (branch: string) => a.protect(branch),
    merge: (source: string, opts: { noVerify?: boolean } = {}) => a.merge({ source, ...opts }),
  };
}

export const json = (out: string) => JSON.parse(out);
/** What `log --json [-n n]` prints, read in-process: where the verb under test is another one, its commits are read without a process start. */
export const logOf = async (repo: TempRepo, n?: number) => json(JSON.stringify(await (await api(repo)).log(n ? { n } : {})));
export const byName = (report: { checks: { check: string }[] }, name: string) => {
  const c = report.checks.find((x) => x.check === name);
  if (!c) throw new Error(`no check ${name} in ${report.checks.map((x) => x.check).join(', ')}`);
  return c as {
    check: string;
    passed: boolean;
    violations: number;
    sample: Record<string, unknown>[];
    mode: string;
    introducedBy?: unknown[];
    output?: string;
    message?: string;
  };
};
