import type {Lab} from './catalog.js';
import type {Workspace} from './workspace.js';

/** How many of a lab's hints the learner has seen (hints come one at a time). */
export function hintsShown(workspace: Workspace, lab: Lab): number {
	return Math.min(workspace.progress(lab.id)?.hintsShown ?? 0, lab.hints.length);
}

/**
Remember that the learner has now seen `count` hints of a lab. Never goes
back: showing fewer (or the same) hints again changes nothing. A lab never
verified gets an empty lastRun, so it still counts as not started.
*/
export function recordHintsShown(workspace: Workspace, lab: Lab, count: number): void {
	const progress = workspace.progress(lab.id);
	if (count <= (progress?.hintsShown ?? 0)) return;
	workspace.state.labs[lab.id] = {...(progress ?? {status: 'failing', lastRun: ''}), hintsShown: count};
	workspace.save();
}

/** Reveal one more hint (up to the last); returns how many are shown now. */
export function revealNextHint(workspace: Workspace, lab: Lab): number {
	const show = Math.min(hintsShown(workspace, lab) + 1, lab.hints.length);
	recordHintsShown(workspace, lab, show);
	return show;
}
