import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {lessonBody, loadCatalog, splitFrontMatter} from '../cli/catalog.js';
import {checks} from '../cli/checks/index.js';
import {contractClauses, contractVariables, type MapEntry, normalize, pinnedPitfalls, readContractMap, section, sharedVariables} from './contract-map.js';
import {mutantsOf} from './labs/mutants.js';

/**
Every clause of a lesson's Contract, every pitfall it pins on a step and every
variable it names maps to a step that can fail and a mutant that proves it
(test/contract-map.ts explains the front matter). This file is the static half:
test/labs/labs.test.ts runs each mutant and proves its step rejects it.
*/
for (const lab of loadCatalog()) {
	describe(`${lab.id}: clause → step → mutant`, () => {
		const {data} = splitFrontMatter(readFileSync(lab.lessonFile, 'utf8'));
		const map = readContractMap(data as Record<string, unknown>);
		const body = lessonBody(lab);
		const check = checks[lab.id]!;
		const stepIds = check.steps.map(step => step.id);
		const mutants = new Map(mutantsOf(lab.id).map(mutant => [mutant.name, mutant]));

		/** Each entry names steps that exist, and mutants that exist and are rejected by one of those steps. */
		const expectProven = (entry: MapEntry, what: string) => {
			expect(entry.steps.length, `${what}: no step`).toBeGreaterThan(0);
			for (const step of entry.steps) expect(stepIds, `${what}: step ${step}`).toContain(step);
			expect(entry.mutants.length, `${what}: no mutant proves it`).toBeGreaterThan(0);
			for (const name of entry.mutants) {
				const mutant = mutants.get(name);
				expect(mutant, `${what}: mutant ${name} (test/mutants/${lab.id}/${name})`).toBeDefined();
				expect(entry.steps, `${what}: mutant ${name} is rejected by ${mutant!.rejectedBy}, not by a step of this clause`).toContain(mutant!.rejectedBy);
			}
		};

		it('maps every clause of the Contract to a step and a mutant', () => {
			const clauses = contractClauses(body);
			expect(clauses.length).toBeGreaterThan(0);
			const unmapped = clauses.filter(clause => !map.contract.some(entry => clause.includes(normalize(entry.text))));
			expect(unmapped, 'Contract clauses with no entry in the front matter\'s contract:').toEqual([]);
			for (const entry of map.contract) {
				const found = clauses.filter(clause => clause.includes(normalize(entry.text)));
				expect(found.length, `"${entry.text}" must name exactly one clause of the Contract`).toBe(1);
				expectProven(entry, `"${entry.text}"`);
			}
		});

		it('maps every pitfall pinned on a step to that step and a mutant', () => {
			const pinned = pinnedPitfalls(body, stepIds);
			const unmapped = pinned.filter(pitfall => !map.pitfalls.some(entry => pitfall.text.includes(normalize(entry.text)))).map(pitfall => pitfall.text);
			expect(unmapped, 'Pitfalls that name a step but have no entry in the front matter\'s pitfalls:').toEqual([]);
			for (const entry of map.pitfalls) {
				const found = pinned.filter(pitfall => pitfall.text.includes(normalize(entry.text)));
				expect(found.length, `pitfall "${entry.text}" must name exactly one Pitfalls bullet that names a step`).toBe(1);
				for (const step of found[0]!.steps) expect(entry.steps, `pitfall "${entry.text}" names ${step}`).toContain(step);
				expectProven(entry, `pitfall "${entry.text}"`);
			}
		});

		it('tries every variable of the Contract at two values other than the lesson\'s default, and a mutant proves it', () => {
			const named = contractVariables(body).filter(name => !sharedVariables.has(name));
			expect(map.variables.map(variable => variable.name).sort(), 'variables: in the front matter, one per variable of the Environment table').toEqual(named.sort());
			const described = normalize(section(body, /What the checker does/));
			for (const variable of map.variables) {
				if (variable.switch) {
					expectProven({text: variable.name, steps: variable.steps, mutants: variable.mutants}, `switch ${variable.name}`);
					continue;
				}
				expect(variable.values.length, `${variable.name}: at least two values`).toBeGreaterThanOrEqual(2);
				expect(new Set(variable.values).size, `${variable.name}: distinct values`).toBe(variable.values.length);
				const lessonDefault = lab.defaults[variable.name];
				if (lessonDefault !== undefined && !/^[a-z-]+$/.test(lessonDefault)) expect(variable.values, `${variable.name}: the lesson's default ${lessonDefault} is not a test`).not.toContain(lessonDefault);
				expect(check.variables?.[variable.name], `${variable.name}: the checker's own list (LabCheck.variables)`).toEqual(variable.values);
				for (const value of variable.values) expect(described, `"What the checker does" says ${variable.name}=${value}`).toContain(`${variable.name}=${value}`);
				expect(variable.mutants.length, `${variable.name}: a mutant that hard-codes it`).toBeGreaterThan(0);
				for (const name of variable.mutants) expect(mutants.has(name), `${variable.name}: mutant ${name}`).toBe(true);
			}
		});

		it('has every mutant prove some clause, pitfall or variable', () => {
			const named = new Set([...map.contract, ...map.pitfalls].flatMap(entry => entry.mutants).concat(map.variables.flatMap(variable => variable.mutants)));
			expect([...mutants.keys()].filter(name => !named.has(name)), 'mutants the map never names').toEqual([]);
		});
	});
}
