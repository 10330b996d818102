import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {solutionsDir} from '../../cli/paths.js';
import {applyMutantPatch} from './mutant-patch.js';

export const mutantsDir = fileURLToPath(new URL('../mutants', import.meta.url));

/** A known-wrong implementation and the step that must reject it. */
export type Mutant = {
	lab: string;
	name: string;
	/** test/mutants/<lab>/<name>: mutant.json and mutant.patch. */
	dir: string;
	/** The step id that must fail. */
	rejectedBy: string;
	/** What is wrong, in one sentence. */
	mistake: string;
	/** The failure message must match this (case-insensitive), so it names the mistake. */
	messageMatches: string;
	/** Only a checker running as root can catch it (e.g. a privilege drop): CI runs as root. */
	requiresRoot?: boolean;
};

export function mutantsOf(lab: string): Mutant[] {
	const root = path.join(mutantsDir, lab);
	if (!existsSync(root)) return [];
	return readdirSync(root, {withFileTypes: true})
		.filter(entry => entry.isDirectory())
		.map(entry => {
			const dir = path.join(root, entry.name);
			const meta = JSON.parse(readFileSync(path.join(dir, 'mutant.json'), 'utf8')) as Omit<Mutant, 'lab' | 'name' | 'dir'>;
			return {lab, name: entry.name, dir, ...meta};
		});
}

let scratch: string | undefined;

/**
Writes the mutant's program (the solution with mutant.patch applied) into a
fresh folder of its own and returns that folder. The folder name ends in the
mutant's name, so checker messages and leftover checks stay readable.
*/
export function materialize(mutant: Mutant): string {
	const patchFile = path.join(mutant.dir, 'mutant.patch');
	if (scratch === undefined) {
		scratch = mkdtempSync(path.join(os.tmpdir(), 'ncl-mutants-'));
		// As in a learner's workspace (templates/workspace/package.json): the .ts files are ES modules.
		writeFileSync(path.join(scratch, 'package.json'), '{"type": "module"}\n');
	}
	return applyMutantPatch(path.join(solutionsDir, mutant.lab), readFileSync(patchFile, 'utf8'), path.join(scratch, mutant.lab, mutant.name), path.relative(process.cwd(), patchFile));
}

/** Removes every folder materialize() wrote (call it from afterAll). */
export function removeMaterialized(): void {
	if (scratch !== undefined) rmSync(scratch, {recursive: true, force: true});
	scratch = undefined;
}
