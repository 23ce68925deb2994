import { Chalk, type ChalkInstance } from 'chalk';

/** One chalk instance, set once at start-up: colour only on a TTY without NO_COLOR or --no-color. */
export let paint: ChalkInstance = new Chalk({ level: 0 });

export function setColor(enabled: boolean): void {
  paint = new Chalk({ level: enabled ? 1 : 0 });
}

export const shortId = (oid: string | null | undefined): string => (oid ? oid.slice(0, 7) : '(none)');
