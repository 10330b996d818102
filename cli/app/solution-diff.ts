/**
The reference solution as a diff against the learner's own files: what to
change, not just another program to read.
*/
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {structuredPatch} from 'diff';
import type {Lab} from '../catalog.js';
import {readSolution} from '../solutions.js';

export type SolutionDiff = {
	/** The file, relative to the lab folder. */
	file: string;
	/** The learner has no such file: every line of the reference is an addition. */
	missing: boolean;
	/** The learner's file already equals the reference. */
	identical: boolean;
	/** Unified-diff lines: "@@ …" hunk headers, then lines starting with ' ', '-' (yours) or '+' (reference). */
	lines: string[];
};

/** `context` lines around each change; Infinity shows the whole reference with the changes marked. */
export function solutionDiffs(lab: Lab, labDir: string, shownDir: string, context = 3): SolutionDiff[] {
	return readSolution(lab).map(({file, content}) => {
		const mine = path.join(labDir, file);
		const missing = !existsSync(mine);
		const yours = missing ? '' : readFileSync(mine, 'utf8');
		const patch = structuredPatch(`${shownDir}/${file}`, `solutions/${lab.id}/${file}`, yours, content, undefined, undefined, {context: Number.isFinite(context) ? context : Number.MAX_SAFE_INTEGER});
		const lines = patch.hunks.flatMap(hunk => [`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`, ...hunk.lines.filter(line => !line.startsWith('\\'))]);
		return {file, missing, identical: lines.length === 0, lines};
	});
}
