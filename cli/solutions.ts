import {readFileSync} from 'node:fs';
import path from 'node:path';
import type {Lab} from './catalog.js';
import {solutionsDir} from './paths.js';
import type {Workspace} from './workspace.js';

/** An instructor's lock: NCL_LOCK_SOLUTIONS=1, or "solutionsLocked": true in the workspace. No key opens it. */
export function solutionsLocked(env: Record<string, string | undefined>, workspace: Workspace): boolean {
	return env.NCL_LOCK_SOLUTIONS === '1' || workspace.state.solutionsLocked === true;
}

/** The reference solution's files, in the order the lesson lists them. */
export function readSolution(lab: Lab): Array<{file: string; content: string}> {
	return lab.files.map(file => ({file, content: readFileSync(path.join(solutionsDir, lab.id, file), 'utf8')}));
}
