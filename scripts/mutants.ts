/**
Mutants are stored as patches against the reference solution (test/labs/mutant-patch.ts).
To write or change one, work on a full copy, then save it back as a patch:

  tsx scripts/mutants.ts open <lab> <name> <dir>   the solution + the mutant's patch, written into <dir>
  tsx scripts/mutants.ts save <lab> <name> <dir>   <dir>'s difference from the solution, as the mutant's patch

A new mutant also needs test/mutants/<lab>/<name>/mutant.json (see test/labs/mutants.ts).
*/
import {cpSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {solutionsDir} from '../cli/paths.js';
import {applyMutantPatch, diffAgainstSolution} from '../test/labs/mutant-patch.js';
import {mutantsDir} from '../test/labs/mutants.js';

const [verb, lab, name, dir] = process.argv.slice(2);
if (!verb || !lab || !name || !dir || !['open', 'save'].includes(verb)) {
	console.error('usage: tsx scripts/mutants.ts open|save <lab> <name> <dir>');
	process.exit(2);
}
const solution = path.join(solutionsDir, lab);
const patchFile = path.join(mutantsDir, lab, name, 'mutant.patch');
if (verb === 'open') {
	// A new mutant starts as the plain solution.
	if (existsSync(patchFile)) applyMutantPatch(solution, readFileSync(patchFile, 'utf8'), dir, patchFile);
	else cpSync(solution, dir, {recursive: true});
	console.log(`${lab}/${name} written to ${dir}`);
} else {
	const patch = diffAgainstSolution(solution, dir);
	if (patch === '') {
		console.error(`${dir} is the solution unchanged: nothing to save`);
		process.exit(1);
	}
	mkdirSync(path.dirname(patchFile), {recursive: true});
	writeFileSync(patchFile, patch);
	console.log(`saved ${path.relative(process.cwd(), patchFile)}`);
}
