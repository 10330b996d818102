import type {Lab} from '../../cli/catalog.js';

export const KEY = {
	up: '\u001B[A',
	down: '\u001B[B',
	pageDown: '\u001B[6~',
	pageUp: '\u001B[5~',
	enter: '\r',
	escape: '\u001B',
	ctrlC: '\u0003',
};

/**
Let React flush effects (useInput subscribes in one) and Ink render. A write
made synchronously right after render() is dropped.
*/
export async function tick(): Promise<void> {
	await new Promise(resolve => setImmediate(() => setTimeout(resolve, 0)));
}

/** Each argument is one stdin chunk (one `read()` for Ink), written after a tick. */
export async function press(stdin: {write: (data: string) => void}, ...chunks: string[]): Promise<void> {
	for (const chunk of chunks) {
		await tick();
		stdin.write(chunk);
	}
	await tick();
}

/** A lab as the catalog would describe it, for components that only render it. */
export function fakeLab(id: string, extra: Partial<Lab> = {}): Lab {
	return {
		id,
		title: `Title of ${id}`,
		order: 1,
		entry: 'main.ts',
		files: ['main.ts'],
		seeds: [],
		defaults: {},
		summary: `Summary of ${id}.`,
		hints: ['First nudge.', 'Second, closer.', 'Nearly the answer.'],
		lessonFile: '/nonexistent.md',
		...extra,
	};
}
