import {randomUUID} from 'node:crypto';
import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {packageRoot} from '../paths.js';
import {setTimeout as delay} from 'node:timers/promises';
import {inEpollWait, isAlive, readProc} from './procfs.js';
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

export type Hold = {held: () => number[]; registered: () => number[]; release: () => void};

/**
Arms the hold: from now until release(), every Node process of the tree that
starts waits before the learner's code runs (with ipcChildrenOnly, only those
started with fork(), each for at most maxMs). `held()` lists those that are
waiting; `registered()` every process that was held, gone on or not, until
release(). release() disarms and lets them all go on; it is safe to call twice,
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
	// "<pid> <until>" per process that was held: it goes on by itself at `until` (ms since the epoch).
	const lines = (): Array<[number, number?]> => {
		if (released) return [];
		try {
			return readFileSync(file, 'utf8')
				.split('\n')
				.map(line => line.split(' ').map(Number) as [number, number?])
				.filter(([pid]) => Number.isInteger(pid) && pid > 0);
		} catch {
			return [];
		}
	};
	return {
		held: () => {
			const now = Date.now();
			return lines()
				.filter(([pid, until]) => (until === undefined || until > now) && isAlive(pid))
				.map(([pid]) => pid);
		},
		registered: () => lines().map(([pid]) => pid),
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

/**
Requests racing start-up for a primary that must not listen before its
children are ready (lab 03): as restartWithChildrenHeld, but a primary that
waits for them is not made to sit out the whole hold. Once `children` of its
fork()ed children are held, its event loop has slept with nothing to do for
`quietMs`, and `listening()` is still false, it is waiting for a message no
held child can send: the hold is released (`waited: true`) and nothing was
early. A primary that listens at once does so in the tick that forked its
children, so it never looks idle first: it listens while they are held.
*/
export async function restartWithChildrenHeldUnlessWaiting(
	file: string,
	options: {maxMs: number; children: number; quietMs: number; primaryPid: () => number; listening: () => boolean},
	restart: () => Promise<void>,
): Promise<{hold: Hold; waited: boolean}> {
	const hold = armHold(file, {ipcChildrenOnly: {maxMs: options.maxMs}});
	let settled = false;
	let waited = false;
	const watching = (async () => {
		let quietSince: number | undefined;
		while (!settled) {
			const primary = options.primaryPid();
			const held = hold.held();
			const waiting = held.length >= options.children && held.every(pid => readProc(pid)?.ppid === primary) && inEpollWait(primary) && !options.listening();
			if (!waiting) quietSince = undefined;
			else if (Date.now() - (quietSince ??= Date.now()) >= options.quietMs) {
				waited = true;
				hold.release();
				return;
			}
			await delay(25);
		}
	})();
	try {
		await restart();
	} catch (error) {
		hold.release();
		throw error;
	} finally {
		settled = true;
		await watching;
	}
	return {hold, waited};
}
