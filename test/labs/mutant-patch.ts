/**
A mutant is the reference solution plus one known mistake, stored as a unified
diff (mutant.patch) against solutions/<lab>/. Stored this way the mistake is
the whole file to read, and a mutant follows its solution when the solution
changes: a patch that no longer applies fails the mutant's test by name.
*/
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {applyPatch, createTwoFilesPatch, parsePatch} from 'diff';

/** The lab's files: every regular file directly in the solution folder. */
function labFiles(solutionDir: string): string[] {
	return readdirSync(solutionDir, {withFileTypes: true})
		.filter(entry => entry.isFile())
		.map(entry => entry.name)
		.sort();
}

/** The diff from the solution to a folder holding a mutated copy of the lab's files. */
export function diffAgainstSolution(solutionDir: string, mutatedDir: string): string {
	return labFiles(solutionDir)
		.map(file => {
			const before = readFileSync(path.join(solutionDir, file), 'utf8');
			const after = readFileSync(path.join(mutatedDir, file), 'utf8');
			return before === after ? '' : createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, undefined, undefined, {context: 3});
		})
		.join('');
}

/** Writes the solution with the patch applied into `into` (created), and returns `into`. */
export function applyMutantPatch(solutionDir: string, patchText: string, into: string, name = 'mutant.patch'): string {
	mkdirSync(into, {recursive: true});
	const files = new Map(labFiles(solutionDir).map(file => [file, readFileSync(path.join(solutionDir, file), 'utf8')]));
	const patches = parsePatch(patchText);
	if (patches.length === 0) throw new Error(`${name} changes nothing: a mutant must differ from the solution`);
	for (const patch of patches) {
		const file = patch.oldFileName?.replace(/^a\//, '') ?? '';
		const before = files.get(file);
		if (before === undefined) throw new Error(`${name} patches ${file}, which the solution does not have`);
		const after = applyPatch(before, patch);
		if (after === false) throw new Error(`${name} no longer applies to the solution's ${file}: rebuild it (scripts/mutants.ts)`);
		files.set(file, after);
	}
	for (const [file, text] of files) writeFileSync(path.join(into, file), text);
	return into;
}
