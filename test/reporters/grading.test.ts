/**
The grading reporters, each checked against the required fields of its own
spec: Classroom 50's result/v1 (a port of validate_result in
foundation50/classroom50's runner.py and collect_scores.py), Gradescope's
results.json (gradescope/autograder_samples docs/specs.md) and PrairieLearn's
external grader results.json (PrairieLearn docs/externalGrading.md).
*/
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {loadCatalog, CatalogError} from '../../cli/catalog.js';
import {buildClassroom50Result, createClassroom50Reporter} from '../../cli/reporters/classroom50.js';
import {buildGradescopeResults} from '../../cli/reporters/gradescope.js';
import {buildPrairieLearnResults} from '../../cli/reporters/prairielearn.js';
import {scoreRun} from '../../cli/reporters/scores.js';
import {ESC, allEvents, capture, erroringLab, failingLab, passingLab, summaryOf} from './fixtures.js';
import {classroom50Problem, gradescopeProblem, prairieLearnProblem} from './specs.js';

const CLASSROOM_ENV = {
	CLASSROOM: 'cs101',
	ASSIGNMENT: 'cluster-labs',
	SUBMISSION_TAG: 'submit/20250102T030405Z-abc1234',
	OWNER: 'alice',
	USERNAME: 'alice',
	ASSIGNMENT_TYPE: 'individual',
	COMMIT_URL: 'https://github.com/org/cs101-cluster-labs-alice/commit/abc1234',
	RELEASE_URL: 'https://github.com/org/cs101-cluster-labs-alice/releases/tag/submit%2F20250102T030405Z-abc1234',
	REVIEW_URL: 'https://github.com/org/cs101-cluster-labs-alice/compare/000...abc1234',
};

const weights = (lab: string): Record<string, number> | undefined => (lab === '01-ipc' ? {starts: 2, forks: 5} : lab === '02-cluster' ? {share: 3} : undefined);

describe('scores', () => {
	it('each step is worth its weight (1 when unnamed), passed steps only', () => {
		const run = scoreRun(summaryOf(allEvents()), weights);
		expect(run.labs.map(lab => [lab.lab.lab, lab.score, lab.maxScore])).toEqual([
			['01-ipc', 8, 8],
			['02-cluster', 1, 6],
			['03-sticky', 1, 1],
		]);
		expect(run.labs[1]!.steps.map(step => [step.step.id, step.score, step.weight])).toEqual([
			['boot', 1, 1],
			['share', 0, 3],
			['restart', 0, 1],
			['drain', 0, 1],
		]);
		expect([run.score, run.maxScore]).toEqual([10, 15]);
	});

	it('equal weights by default', () => {
		const run = scoreRun(summaryOf(allEvents()));
		expect([run.score, run.maxScore]).toEqual([5, 8]);
	});
});

describe('lesson weights in the catalog', () => {
	const lesson = (weights: string) => `---\nid: 09-x\ntitle: X\norder: 9\nentry: main.ts\nsummary: s\nhints: [h]\n${weights}---\nbody\n`;
	const catalog = (text: string) => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ncl-weights-'));
		fs.writeFileSync(path.join(dir, '09-x.md'), text);
		try {
			return loadCatalog(dir);
		} finally {
			fs.rmSync(dir, {recursive: true, force: true});
		}
	};
	it('reads weights: {step: n}', () => {
		expect(catalog(lesson('weights: {starts: 2, forks: 0}\n'))[0]!.weights).toEqual({starts: 2, forks: 0});
		expect(catalog(lesson(''))[0]!.weights).toBeUndefined();
	});
	it('refuses a weight that is not a whole number from 0', () => {
		expect(() => catalog(lesson('weights: {starts: 1.5}\n'))).toThrow(CatalogError);
		expect(() => catalog(lesson('weights: {starts: -1}\n'))).toThrow(/whole number/);
		expect(() => catalog(lesson('weights: [1, 2]\n'))).toThrow(/weights/);
	});
});

describe('classroom50 reporter', () => {
	it('meets classroom50/result/v1 inside Classroom 50, with a test per step and integer scores', () => {
		const result = buildClassroom50Result(summaryOf(allEvents()), CLASSROOM_ENV, weights);
		expect(classroom50Problem(result, {classroom: 'cs101', assignment: 'cluster-labs', type: 'individual', owner: 'alice'})).toBeUndefined();
		expect(result).toMatchObject({schema: 'classroom50/result/v1', owner: 'alice', submission: CLASSROOM_ENV.SUBMISSION_TAG, commit: CLASSROOM_ENV.COMMIT_URL, review: CLASSROOM_ENV.REVIEW_URL, datetime: '2025-01-02T03:04:05Z', score: 10, 'max-score': 15});
		expect(result.tests.slice(0, 3)).toEqual([
			{'test-name': '01-ipc: starts and listens', passed: true, score: 2, 'max-score': 2},
			{'test-name': '01-ipc: forks 3 workers', passed: true, score: 5, 'max-score': 5},
			{'test-name': '01-ipc: answers over IPC', passed: true, score: 1, 'max-score': 1},
		]);
		expect(result.tests.find(test => test['test-name'] === '02-cluster: shares the port #2')).toEqual({'test-name': '02-cluster: shares the port #2', passed: false, score: 0, 'max-score': 3});
		expect(result.tests.at(-1)).toMatchObject({passed: false, score: 0, 'max-score': 0});
	});

	it('still has every field outside Classroom 50 (placeholders the runner would stamp)', () => {
		const result = buildClassroom50Result(summaryOf(passingLab()), {GITHUB_REPOSITORY: 'me/labs', GITHUB_SHA: 'f00', GITHUB_SERVER_URL: 'https://github.com'});
		expect(classroom50Problem(result, {classroom: 'local', assignment: 'node-cluster-lab', type: 'individual'})).toBeUndefined();
		expect(result.commit).toBe('https://github.com/me/labs/commit/f00');
		expect(result.submission).toBe('submit/local-20250102T030405Z');
		expect(classroom50Problem(buildClassroom50Result(summaryOf([]), {}), {classroom: 'local', assignment: 'node-cluster-lab', type: 'individual'})).toBeUndefined();
	});

	it('keeps control characters and ANSI out of test names', () => {
		const events = failingLab();
		const fail = events.find(event => event.type === 'step-fail')!;
		if (fail.type === 'step-fail') fail.title = `bad ${ESC}[31mred${ESC}[0m\nname\u0007`;
		const result = buildClassroom50Result(summaryOf(events), CLASSROOM_ENV);
		expect(classroom50Problem(result, {classroom: 'cs101', assignment: 'cluster-labs', type: 'individual'})).toBeUndefined();
		expect(result.tests.map(test => test['test-name'])).toContain('02-cluster: bad red name');
	});

	it('prints one document through the reporter interface', () => {
		const {options, text} = capture({env: CLASSROOM_ENV, weights});
		const reporter = createClassroom50Reporter(options);
		for (const event of allEvents()) reporter.onEvent(event);
		expect(text()).toBe('');
		reporter.finish(summaryOf(allEvents()));
		expect(JSON.parse(text())).toMatchObject({score: 10, 'max-score': 15});
	});
});

describe('gradescope reporter', () => {
	it('meets the results.json spec: score, execution_time, output, tests with number, status and tags', () => {
		const results = buildGradescopeResults(summaryOf(allEvents()), weights);
		expect(gradescopeProblem(results)).toBeUndefined();
		expect(results).toMatchObject({score: 10, execution_time: 4, output_format: 'text', test_output_format: 'text', test_name_format: 'text'});
		expect(results.output).toContain('1 of 3 labs passed, 10 of 15 points');
		const share = results.tests.find(test => test.tags.includes('share'))!;
		expect(share).toMatchObject({name: '02-cluster: shares the port #2', number: '2.2', score: 0, max_score: 3, status: 'failed', tags: ['02-cluster', 'share']});
		expect(share.output).toContain('3 requests got a <tag> & "quotes"');
		expect(share.output).toContain('FAILING-LAB-LAST-LINE');
		expect(share.output).not.toContain(ESC);
		expect(results.tests.find(test => test.tags.includes('forks'))).toMatchObject({number: '1.2', score: 5, max_score: 5, status: 'passed', output: 'workers answered 4/3/3'});
		expect(results.tests.at(-1)).toMatchObject({status: 'failed', tags: ['03-sticky', 'checker-error']});
	});

	it('a run with nothing in it is still valid', () => {
		expect(gradescopeProblem(buildGradescopeResults(summaryOf([])))).toBeUndefined();
	});
});

describe('prairielearn reporter', () => {
	it('meets the external grader results.json: score 0–1, gradable, message, output, tests with points', () => {
		const results = buildPrairieLearnResults(summaryOf([...passingLab(), ...failingLab()]), weights);
		expect(prairieLearnProblem(results)).toBeUndefined();
		expect(results).toMatchObject({gradable: true, score: 9 / 14});
		expect(results.format_errors).toBeUndefined();
		const share = results.tests.find(test => test.name === '02-cluster: shares the port #2')!;
		expect(share).toMatchObject({description: 'The cluster module', points: 0, max_points: 3, message: '3 requests got a <tag> & "quotes" and \'apostrophes\''});
		expect(share.output).toContain('expected:');
		expect(share.output).not.toContain(ESC);
	});

	it('a checker error (a kit bug) makes the run not gradable, so no attempt is lost', () => {
		const results = buildPrairieLearnResults(summaryOf(allEvents()));
		expect(prairieLearnProblem(results)).toBeUndefined();
		expect(results.gradable).toBe(false);
		expect(results.format_errors?.[0]).toMatch(/^03-sticky: the checker itself failed/);
	});

	it('all passed is 1, nothing run is 0', () => {
		expect(buildPrairieLearnResults(summaryOf(passingLab())).score).toBe(1);
		expect(buildPrairieLearnResults(summaryOf([])).score).toBe(0);
		expect(buildPrairieLearnResults(summaryOf(erroringLab())).gradable).toBe(false);
	});
});
