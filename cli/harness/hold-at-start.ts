import {randomUUID} from 'node:crypto';
import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {packageRoot} from '../paths.js';
import {isAlive} from './procfs.js';
import {requireOption} from './preload.js';

/** The preload (see hold-at-start.cjs). */
const holdFile = path.join(packageRoot, 'cli', 'harness', 'hold-at-start.cjs');

/** The variables that carry the hold into a learner's tree: a checker lists them as kitVariables. */
export const HOLD_VARIABLES = ['NODE_OPTIONS', 'NCL_HOLD_FILE'];

/** Environment for a run whose Node processes stop at start while the hold is armed. */
export function holdEnvironment(prefix: string): {NODE_OPTIONS: string; NCL_HOLD_FILE: string} {
	const file = path.join(tmpdir(), `${prefix}-${process.pid}-${randomUUID().slice(0, 8)}`);
	return {NODE_OPTIONS: requireOption(holdFile), NCL_HOLD_FILE: file};
}

export type Hold = {held: () => number[]; release: () => void};

/**
Arms the hold: from now until release(), every Node process of the tree that
starts waits before the learner's code runs (with ipcChildrenOnly, only those
started with fork(), each for at most maxMs). `held()` lists those that are
waiting. release() disarms and lets them all go on; it is safe to call twice,
and runs when this process exits too.
*/
export function armHold(file: string, options: {ipcChildrenOnly?: {maxMs: number}} = {}): Hold {
	// With ipcChildrenOnly, only processes started with fork() wait, each at most maxMs (see hold-at-start.cjs).
	writeFileSync(file, options.ipcChildrenOnly ? `#ipc-children ${Math.round(options.ipcChildrenOnly.maxMs)}\n` : '');
	let released = false;
	const release = () => {
		if (released) return;
		released = true;
		rmSync(file, {force: true});
		process.off('exit', release);
	};
	process.once('exit', release);
	return {
		held: () => {
			if (released) return [];
			try {
				// "<pid> <until>" per held process: it goes on by itself at `until` (ms since the epoch).
				const now = Date.now();
				return readFileSync(file, 'utf8')
					.split('\n')
					.map(line => line.split(' ').map(Number) as [number, number?])
					.filter(([pid, until]) => Number.isInteger(pid) && pid > 0 && (until === undefined || until > now) && isAlive(pid))
					.map(([pid]) => pid);
			} catch {
				return [];
			}
		},
		release,
	};
}

/**
Requests racing start-up, made certain (labs 01 and 04): arms the hold for the
fork()ed children only, each held at most maxMs, then runs `restart`. A primary
that listens at once then listens while its children are held at their start,
so none can have said it is ready; one that waits for its children listens only
once the hold has expired, and then nothing is early, which is right too. The
caller sends its early requests, waits until the primary has them, and releases.
*/
export async function restartWithChildrenHeld(file: string, maxMs: number, restart: () => Promise<void>): Promise<Hold> {
	const hold = armHold(file, {ipcChildrenOnly: {maxMs}});
	try {
		await restart();
	} catch (error) {
		hold.release();
		throw error;
	}
	return hold;
}
