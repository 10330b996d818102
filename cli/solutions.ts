import {readFileSync} from 'node:fs';
import path from 'node:path';
import type {Lab} from './catalog.js';
import {solutionsDir} from './paths.js';
import type {Workspace} from './workspace.js';
import {labOpenedBy, looksLikeCode, normalizeCode} from './workshop.js';

/**
Why `lab`'s solution may not be shown, if it may not: 'locked' is an
instructor's lock that no code opens (NCL_LOCK_SOLUTIONS=1, or
"solutionsLocked": true in the workspace); 'workshop' is a lab of the
instructor's workshop whose code this learner has not entered yet (`unlock`).
*/
export function solutionLock(env: Record<string, string | undefined>, workspace: Workspace, lab: string): 'locked' | 'workshop' | undefined {
	if (env.NCL_LOCK_SOLUTIONS === '1' || workspace.state.solutionsLocked === true) return 'locked';
	if (workspace.state.workshop && Object.hasOwn(workspace.state.workshop.solutions, lab) && !workspace.state.unlocked?.includes(lab)) return 'workshop';
	return undefined;
}

/** What a learner reads when a solution is locked, and how it may open. */
export function lockedMessage(lock: 'locked' | 'workshop', lab: string): string {
	return lock === 'locked'
		? 'solutions are locked for this workshop. Ask your instructor, or try `npx node-cluster-lab hint`.'
		: `the solution of ${lab} opens when your instructor reads out its code: npx node-cluster-lab unlock <code>. Until then, try \`npx node-cluster-lab hint\`.`;
}

/** The reference solution's files, in the order the lesson lists them. */
export function readSolution(lab: Lab): Array<{file: string; content: string}> {
	return lab.files.map(file => ({file, content: readFileSync(path.join(solutionsDir, lab.id, file), 'utf8')}));
}

/** A workshop code a learner entered: the lab whose solution it opened (now recorded), or why not. */
export function enterCode(workspace: Workspace, typed: string): {opened: string} | {error: string} {
	const verifiers = workspace.state.workshop?.solutions ?? {};
	if (Object.keys(verifiers).length === 0) {
		return {error: 'this workspace has no workshop codes. Your instructor adds them with `npx node-cluster-lab workshop` in the repository you cloned.'};
	}
	if (!looksLikeCode(typed)) return {error: `${JSON.stringify(typed)} is not a workshop code: a code is 8 letters and digits, like K7M2-QX9P.`};
	const lab = labOpenedBy(typed, verifiers);
	if (!lab) return {error: `${normalizeCode(typed)} opens no lab of this workshop. Check it with your instructor.`};
	workspace.state.unlocked = [...new Set([...(workspace.state.unlocked ?? []), lab])];
	workspace.save();
	return {opened: lab};
}
