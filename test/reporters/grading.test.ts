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

/** runner.py's validate_result, field by field; returns the first problem or undefined. */
function classroom50Problem(data: unknown, identity: {classroom: string; assignment: string; type: string; owner?: string}): string | undefined {
	const isInt = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;
	if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'not a JSON object';
	const d = data as Record<string, unknown>;
	if (d.schema !== 'classroom50/result/v1') return 'schema';
	if (d.classroom !== identity.classroom) return 'classroom';
	if (d.assignment !== identity.assignment) return 'assignment';
	if (typeof d.owner !== 'string' || !d.owner) return 'owner';
	if (identity.owner !== undefined && d.owner.toLowerCase() !== identity.owner.toLowerCase()) return 'owner mismatch';
	if (d.assignment_type !== identity.type) return 'assignment_type';
	if (typeof d.submission !== 'string' || !d.submission.startsWith('submit/')) return 'submission';
	for (const field of ['commit', 'release', 'review', 'datetime']) if (typeof d[field] !== 'string' || !d[field]) return field;
	if (!/^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/.test(d.datetime as string)) return 'datetime format';
	if (!isInt(d.score)) return 'score';
	if (!isInt(d['max-score'])) return 'max-score';
	if ((d.score as number) > (d['max-score'] as number)) return 'score > max-score';
	if (!Array.isArray(d.tests)) return 'tests';
	for (const [i, t] of d.tests.entries()) {
		if (typeof t !== 'object' || t === null) return `tests[${i}]`;
		const test = t as Record<string, unknown>;
		if (typeof test['test-name'] !== 'string' || !test['test-name']) return `tests[${i}].test-name`;
		if (/[\u0000-\u001F\u007F]/.test(test['test-name'])) return `tests[${i}].test-name control`;
		if (typeof test.passed !== 'boolean') return `tests[${i}].passed`;
		if (!isInt(test.score) || !isInt(test['max-score'])) return `tests[${i}].score`;
		if ((test.score as number) > (test['max-score'] as number)) return `tests[${i}].score > max`;
	}
	return undefined;
}

/** Gradescope: score (or every test's score), numbers where numbers go, known visibilities, text formats. */
function gradescopeProblem(data: unknown): string | undefined {
	if (typeof data !== 'object' || data === null) return 'not an object';
	const d = data as Record<string, unknown>;
	const tests = d.tests as Array<Record<string, unknown>> | undefined;
	if (typeof d.score !== 'number' && !(Array.isArray(tests) && tests.every(test => typeof test.score === 'number'))) return 'score missing';
	if (d.execution_time !== undefined && (typeof d.execution_time !== 'number' || d.execution_time < 0)) return 'execution_time';
	if (d.output !== undefined && typeof d.output !== 'string') return 'output';
	const formats = ['text', 'html', 'simple_format', 'md', 'ansi'];
	const visibilities = ['hidden', 'after_due_date', 'after_published', 'visible'];
	for (const key of ['output_format', 'test_output_format', 'test_name_format']) if (d[key] !== undefined && !formats.includes(d[key] as string)) return key;
	if (d.visibility !== undefined && !visibilities.includes(d.visibility as string)) return 'visibility';
	for (const [i, test] of (tests ?? []).entries()) {
		if (typeof test.name !== 'string') return `tests[${i}].name`;
		if (typeof test.number !== 'string') return `tests[${i}].number`;
		if (typeof test.score !== 'number' || typeof test.max_score !== 'number' || test.score > test.max_score) return `tests[${i}].score`;
		if (test.status !== undefined && test.status !== 'passed' && test.status !== 'failed') return `tests[${i}].status`;
		if (typeof test.output !== 'string') return `tests[${i}].output`;
		if (!Array.isArray(test.tags) || test.tags.some(tag => typeof tag !== 'string')) return `tests[${i}].tags`;
		if (test.visibility !== undefined && !visibilities.includes(test.visibility as string)) return `tests[${i}].visibility`;
		for (const key of ['output_format', 'name_format']) if (test[key] !== undefined && !formats.includes(test[key] as string)) return `tests[${i}].${key}`;
	}
	return undefined;
}

/** PrairieLearn: score in [0, 1] when gradable, gradable boolean, tests with name/points/max_points/message/output. */
function prairieLearnProblem(data: unknown): string | undefined {
	if (typeof data !== 'object' || data === null) return 'not an object';
	const d = data as Record<string, unknown>;
	if (d.gradable !== undefined && typeof d.gradable !== 'boolean') return 'gradable';
	if (d.gradable !== false && (typeof d.score !== 'number' || d.score < 0 || d.score > 1)) return 'score';
	if (d.gradable === false && d.format_errors !== undefined && typeof d.format_errors !== 'string' && !Array.isArray(d.format_errors)) return 'format_errors';
	for (const key of ['message', 'output']) if (d[key] !== undefined && typeof d[key] !== 'string') return key;
	for (const [i, test] of ((d.tests as Array<Record<string, unknown>>) ?? []).entries()) {
		if (typeof test.name !== 'string' || !test.name) return `tests[${i}].name`;
		if (typeof test.points !== 'number' || typeof test.max_points !== 'number' || test.points > test.max_points) return `tests[${i}].points`;
		if (typeof test.message !== 'string' || typeof test.output !== 'string') return `tests[${i}].message`;
	}
	return JSON.stringify(d).length > 1024 * 1024 ? 'over 1 MB' : undefined;
}

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
