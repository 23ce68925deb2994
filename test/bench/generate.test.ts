import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Generator, KeyPicker, prng, type Pattern } from '../../bench/generate.js';

describe('bench generator', () => {
  it('prng: a seed gives the same sequence every time, another seed another one', () => {
    const take = (seed: number) => {
      const r = prng(seed);
      return Array.from({ length: 5 }, r);
    };
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
    expect(take(7).every((x) => x >= 0 && x < 1)).toBe(true);
  });

  for (const pattern of ['clustered', 'random'] as Pattern[]) {
    it(`KeyPicker ${pattern}: k distinct existing keys per commit, inserts never collide, deletes never repeat`, () => {
      const rows = 5000;
      const live = new Set(Array.from({ length: rows }, (_, s) => s * 4 + 1));
      const picker = new KeyPicker(rows, pattern, 1);
      const again = new KeyPicker(rows, pattern, 1);
      for (let j = 0; j < 40; j++) {
        const c = picker.next(100);
        expect(again.next(100)).toEqual(c);
        expect([c.updates.length, c.inserts.length, c.deletes.length]).toEqual([80, 15, 5]);
        const touched = [...c.updates, ...c.deletes];
        expect(new Set(touched).size).toBe(touched.length);
        for (const id of touched) expect(live.has(id)).toBe(true);
        for (const id of c.inserts) expect(live.has(id)).toBe(false);
        if (pattern === 'clustered') expect(Math.min(...c.inserts)).toBeGreaterThan(Math.max(...live));
        if (pattern === 'clustered') expect(Math.min(...touched)).toBeGreaterThan(4 * (rows - 2500));
        for (const id of c.deletes) live.delete(id);
        for (const id of c.inserts) live.add(id);
      }
    });
  }

  it('Generator: the same N gives byte-identical CSV, with NULLs, and apply changes exactly the picked rows', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-bench-'));
    const gen = await Generator.open(path.join(dir, 'generator.duckdb'));
    try {
      const files = [path.join(dir, 'a.csv'), path.join(dir, 'b.csv')];
      for (const [i, f] of files.entries()) {
        await gen.createOrders(`t${i}`, 1000);
        await gen.writeCsv(`t${i}`, f);
      }
      const [a, b] = await Promise.all(files.map((f) => fsp.readFile(f, 'utf8')));
      expect(a).toBe(b);
      expect(a.split('\n')[0]).toBe('id,customer_id,product_id,quantity,amount,status,region,email,note,created_at,is_gift,discount_pct');
      const lines = a.trimEnd().split('\n').slice(1);
      const nullNotes = lines.filter((l) => /,[^,]*@example\.com,,/.test(l)).length;
      expect(nullNotes / lines.length).toBeCloseTo(0.1, 1);
      expect(lines.filter((l) => l.endsWith(',')).length / lines.length).toBeCloseTo(1 / 7, 1);
      const c = new KeyPicker(1000, 'random', 3).next(20);
      await gen.apply('t1', 1, c);
      const diff = await gen.conn.runAndReadAll(`SELECT count(*) FROM (SELECT * FROM t0 EXCEPT SELECT * FROM t1)`);
      expect(Number(diff.getRows()[0][0])).toBe(c.updates.length + c.deletes.length);
      expect(await gen.count('t1')).toBe(1000 + c.inserts.length - c.deletes.length);
    } finally {
      gen.close();
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
