import {readFileSync, readlinkSync} from 'node:fs';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {loadCatalog} from '../../cli/catalog.js';
import {solutionsDir, startersDir} from '../../cli/paths.js';
import {listProcs} from '../../cli/harness/procfs.js';
import {materialize, mutantsOf, removeMaterialized} from './mutants.js';
import {explain, runCheck, type CheckOutcome} from './run-check.js';
import {inSample, mutantSampleFraction} from './sample.js';

/**
Nothing whose command line names a file in this folder may outlive a run. The
trailing separator matters: mutants fifo-replies and fifo-replies-keeps-id run
side by side.
*/
function leftovers(folder: string): number[] {
	const dir = `${folder}/`;
	return listProcs()
		.filter(proc => proc.state !== 'Z')
		.filter(proc => {
			try {
				// Children are forked by absolute path; the keeper and the primary run with the folder as cwd.
				const cwd = readlinkSync(`/proc/${proc.pid}/cwd`);
				return cwd === folder || cwd.startsWith(dir) || readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').includes(dir);
			} catch {
				return false;
			}
		})
		.map(proc => proc.pid);
}

// Every lab's checker is proven in both directions, as rustlings' dev check does,
// and each step is proven able to fail by a mutant that only that step catches.
// A lab's runs go side by side (vitest's maxConcurrency bounds how many): each
// has its own port and process group, and the checkers were proven on this
// 2-core machine under load averages of 10 and more.
afterAll(removeMaterialized);

/**
One checker run's bound in this suite. A run takes 10–40 s on an idle 2-core
machine; with two CPU hogs per core and three runs side by side, runs of labs
03, 06 and 07 took 60–90 s (the steps' own deadlines are what judge the
program: this bound only stops a runaway test).
*/
const RUN_MS = 240_000;

/**
A run whose failing step could not judge (a machine too busy: Failure.unjudged)
says nothing about the program, right or wrong: it is run again, this many times
at most, and the log says so. A verdict, right or wrong, is never run again.
*/
const UNJUDGED_RERUNS = 2;

async function judgedRun(labId: string, dir: string, what: string): Promise<CheckOutcome> {
	let outcome = await runCheck(labId, dir);
	for (let rerun = 1; rerun <= UNJUDGED_RERUNS && outcome.failed?.failure.unjudged; rerun++) {
		console.log(`[labs] ${labId} ${what}: step ${outcome.failed.step} could not judge (${outcome.failed.failure.message}); run again (${rerun} of ${UNJUDGED_RERUNS})`);
		outcome = await runCheck(labId, dir);
	}
	return outcome;
}

const fraction = mutantSampleFraction();
if (fraction < 1) console.log(`[labs] proving a sample of the mutants (NCL_MUTANT_SAMPLE=${fraction}); NCL_FULL=1 or npm run test:stress proves all`);

for (const lab of loadCatalog()) {
	describe.concurrent(`lab ${lab.id}`, () => {
		it('passes the reference solution', async () => {
			const outcome = await judgedRun(lab.id, path.join(solutionsDir, lab.id), 'reference');
			expect(outcome.status, explain(outcome)).toBe('passed');
			expect(leftovers(path.join(solutionsDir, lab.id))).toEqual([]);
		}, RUN_MS * (1 + UNJUDGED_RERUNS));

		it('fails the starter', async () => {
			const outcome = await judgedRun(lab.id, path.join(startersDir, lab.id), 'starter');
			expect(outcome.status, explain(outcome)).toBe('failed');
			expect(outcome.failed?.failure.unjudged, explain(outcome)).toBeUndefined();
			expect(leftovers(path.join(startersDir, lab.id))).toEqual([]);
		}, RUN_MS * (1 + UNJUDGED_RERUNS));

		// Declared only when sampled, so a CI run shows no skipped test for the others.
		for (const mutant of mutantsOf(lab.id).filter(mutant => inSample(`${lab.id}/${mutant.name}`, fraction))) {
			// Root-only mutants run wherever the checker can catch them; CI runs as root.
			it.runIf(!mutant.requiresRoot || process.getuid?.() === 0)(`rejects mutant ${mutant.name} at step ${mutant.rejectedBy}: ${mutant.mistake}`, async () => {
				const dir = materialize(mutant);
				const outcome = await judgedRun(lab.id, dir, `mutant ${mutant.name}`);
				expect(outcome.status, explain(outcome)).toBe('failed');
				expect(outcome.failed?.step, explain(outcome)).toBe(mutant.rejectedBy);
				expect(outcome.failed?.failure.message, explain(outcome)).toMatch(new RegExp(mutant.messageMatches, 'i'));
				expect(leftovers(dir)).toEqual([]);
			}, RUN_MS * (1 + UNJUDGED_RERUNS));
		}
	});
}
