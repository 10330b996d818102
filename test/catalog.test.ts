import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {frontMatterText, lessonBody, loadCatalog, splitFrontMatter} from '../cli/catalog.js';
import {checks} from '../cli/checks/index.js';
import {frontMatterSnapshotFile, solutionsDir, startersDir} from '../cli/paths.js';
import {materialize, mutantsOf, removeMaterialized} from './labs/mutants.js';

const labs = loadCatalog();
afterAll(removeMaterialized);

describe('the catalog', () => {
	it('has labs, in order, with unique ids', () => {
		expect(labs.length).toBeGreaterThan(0);
		const orders = labs.map(lab => lab.order);
		expect([...orders].sort((a, b) => a - b)).toEqual(orders);
	});

	it('has a checker for every lab and a lab for every checker', () => {
		expect(Object.keys(checks).sort()).toEqual(labs.map(lab => lab.id).sort());
	});

	// The app's start-up reads every lesson's front matter from this file instead of parsing YAML.
	it('is in the build\'s front-matter snapshot, lesson by lesson (npm run build writes it)', () => {
		const snapshot = JSON.parse(readFileSync(frontMatterSnapshotFile, 'utf8')) as Record<string, unknown>;
		for (const lab of labs) {
			const yamlText = frontMatterText(readFileSync(lab.lessonFile, 'utf8'))!;
			expect(Object.hasOwn(snapshot, yamlText), `${lab.id}'s front matter, as built`).toBe(true);
			expect((snapshot[yamlText] as {id: string}).id).toBe(lab.id);
		}
	});

	it('parses front matter the snapshot does not know, as after an edit', () => {
		const edited = `---\nid: 99-new\ntitle: "Edited at ${Date.now()}"\n---\nbody`;
		expect(splitFrontMatter(edited)).toEqual({data: {id: '99-new', title: expect.stringMatching(/^Edited at \d+$/)}, body: 'body'});
	});

	for (const lab of labs) {
		describe(lab.id, () => {
			it('has a starter and a solution with every file the lesson names', () => {
				for (const file of lab.files) {
					expect(existsSync(path.join(startersDir, lab.id, file)), `labs/${lab.id}/${file}`).toBe(true);
					expect(existsSync(path.join(solutionsDir, lab.id, file)), `solutions/${lab.id}/${file}`).toBe(true);
				}
			});

			it('marks what the learner must change with // TODO:', () => {
				const todos = lab.files.map(file => readFileSync(path.join(startersDir, lab.id, file), 'utf8')).join('\n');
				expect(todos).toMatch(/\/\/ TODO:/);
				const solution = lab.files.map(file => readFileSync(path.join(solutionsDir, lab.id, file), 'utf8')).join('\n');
				expect(solution).not.toMatch(/\/\/ TODO:/);
			});

			it('has a lesson that states its contract and the checker\'s steps', () => {
				const body = lessonBody(lab);
				for (const step of checks[lab.id]!.steps) expect(body, `lesson mentions step ${step.id}`).toContain(step.id);
				expect(body).toMatch(/^#+ .*Contract/im);
			});

			it('ships mutants whose expected step exists', () => {
				const mutants = mutantsOf(lab.id);
				expect(mutants.length).toBeGreaterThan(0);
				const steps = checks[lab.id]!.steps.map(step => step.id);
				for (const mutant of mutants) {
					expect(steps, `${mutant.name}.rejectedBy`).toContain(mutant.rejectedBy);
					expect(mutant.messageMatches, `${mutant.name}.messageMatches`).toBeTruthy();
					// Only the mistake is stored: mutant.json and mutant.patch, no copies of the lab's files.
					expect(readdirSync(mutant.dir).sort(), mutant.name).toEqual(['mutant.json', 'mutant.patch']);
					// Its patch still applies to the solution (a stale patch fails here, by name, in milliseconds).
					const dir = materialize(mutant);
					for (const file of lab.files) expect(existsSync(path.join(dir, file)), `${mutant.name}/${file}`).toBe(true);
				}
			});

			it('orders hints from a nudge to nearly the answer (more than one)', () => {
				expect(lab.hints.length).toBeGreaterThan(1);
			});
		});
	}

	it('has no stray lab folders without a lesson', () => {
		const ids = new Set(labs.map(lab => lab.id));
		for (const dir of [startersDir, solutionsDir]) for (const entry of readdirSync(dir)) expect(ids.has(entry), `${dir}/${entry}`).toBe(true);
	});
});
