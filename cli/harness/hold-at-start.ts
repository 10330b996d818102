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

/**
Arms the hold: from now until release(), every Node process of the tree that
starts waits before the learner's code runs. `held()` lists those that are
waiting. release() disarms and lets them all go on; it is safe to call twice,
and runs when this process exits too.
*/
export function armHold(file: string): {held: () => number[]; release: () => void} {
	writeFileSync(file, '');
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
				return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number).filter(pid => Number.isInteger(pid) && isAlive(pid));
			} catch {
				return [];
			}
		},
		release,
	};
}
