/** The word naming the verb: the first that is not an option (or the value of -C). */
export function verbWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-C') {
      i++;
      continue;
    }
    if (a === '--') return undefined;
    if (!a.startsWith('-')) return a;
  }
  return undefined;
}
