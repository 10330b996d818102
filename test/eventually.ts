import {vi} from 'vitest';

/**
How long a test waits for something that should happen "soon" (a render, a
file event, a run the watcher starts). vi.waitFor's own default is 1 s, which a
2-core runner with CPU hogs beside it exceeds: a watched save took 1.3 s to
start its run under load. The bound is generous because a passing test never
waits for it; the assertion itself stays exact.
*/
export const SOON_MS = 15_000;

/** vi.waitFor with the busy-machine bound (never shorter than SOON_MS) and a 20 ms poll. */
export function eventually<T>(assertion: () => T | Promise<T>, options: {timeout?: number; interval?: number} = {}): Promise<T> {
	return vi.waitFor(assertion, {timeout: Math.max(options.timeout ?? 0, SOON_MS), interval: options.interval ?? 20});
}
