/**
The required fields of each grading format, as its own project states them:
Classroom 50's result/v1 (validate_result in foundation50/classroom50's
runner.py and collect_scores.py), Gradescope's results.json
(gradescope/autograder_samples docs/specs.md) and PrairieLearn's external
grader results.json (PrairieLearn docs/externalGrading.md).
*/
/** runner.py's validate_result, field by field; returns the first problem or undefined. */
export function classroom50Problem(data: unknown, identity: {classroom: string; assignment: string; type: string; owner?: string}): string | undefined {
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
export function gradescopeProblem(data: unknown): string | undefined {
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
export function prairieLearnProblem(data: unknown): string | undefined {
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

