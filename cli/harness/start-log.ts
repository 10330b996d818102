import {readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {randomUUID} from 'node:crypto';
import {packageRoot} from '../paths.js';
import {requireOption} from './preload.js';

/** The preload that writes the start log (see start-log.cjs). */
export const startLogFile = path.join(packageRoot, 'cli', 'harness', 'start-log.cjs');

/** The variables that carry the start log into a learner's tree: a checker lists them as kitVariables. */
export const START_LOG_VARIABLES = ['NODE_OPTIONS', 'NCL_START_LOG'];

const made = new Set<string>();
let sweeping = false;

/**
Environment for a run whose every Node process logs its start to a fresh file
(removed when this process exits, or by removeStartLog).
*/
export function startLogEnvironment(prefix: string): {NODE_OPTIONS: string; NCL_START_LOG: string} {
	const file = path.join(tmpdir(), `${prefix}-${process.pid}-${randomUUID().slice(0, 8)}`);
	made.add(file);
	if (!sweeping) {
		sweeping = true;
		process.once('exit', () => {
			for (const left of made) rmSync(left, {force: true});
		});
	}
	return {NODE_OPTIONS: requireOption(startLogFile), NCL_START_LOG: file};
}

export function removeStartLog(file: string | undefined): void {
	if (!file) return;
	rmSync(file, {force: true});
	made.delete(file);
}

export type StartRecord = {pid: number; ppid: number; at: number};

/** Every start logged so far (each pid once: the first line wins). */
export function readStartLog(file: string | undefined): StartRecord[] {
	if (!file) return [];
	let text = '';
	try {
		text = readFileSync(file, 'utf8');
	} catch {
		return [];
	}
	const seen = new Set<number>();
	const records: StartRecord[] = [];
	for (const line of text.split('\n')) {
		const [pid, ppid, at] = line.split(' ').map(Number);
		if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isFinite(at) || seen.has(pid!)) continue;
		seen.add(pid!);
		records.push({pid: pid!, ppid: ppid!, at: at!});
	}
	return records;
}

/**
When each logged process ran its 'exit' event (Date.now() there, a lower bound
of its real exit), by pid. A process killed by a signal has none.
*/
export function readExitLog(file: string | undefined): Map<number, number> {
	const exits = new Map<number, number>();
	if (!file) return exits;
	let text = '';
	try {
		text = readFileSync(file, 'utf8');
	} catch {
		return exits;
	}
	for (const line of text.split('\n')) {
		const [pid, word, at] = line.split(' ');
		if (word !== 'exit' || !Number.isInteger(Number(pid)) || !Number.isFinite(Number(at)) || exits.has(Number(pid))) continue;
		exits.set(Number(pid), Number(at));
	}
	return exits;
}
