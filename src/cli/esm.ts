/**
 * `import()` of an ES-module-only package (yargs). The CLI runs as a CommonJS bundle compiled from
 * a V8 code cache (src/cli/boot.ts), and Node 20 cannot run `import()` inside such a script
 * (nodejs/node#35375), so the loader hands in an `import` made in an ES module.
 */
let importer = (specifier: string): Promise<unknown> => import(specifier);

export const importEsm = <T>(specifier: string): Promise<T> => importer(specifier) as Promise<T>;

export function setImporter(f: (specifier: string) => Promise<unknown>): void {
  importer = f;
}
