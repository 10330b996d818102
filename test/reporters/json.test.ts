import {describe, expect, it} from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import {type JsonReport, buildJsonReport, createJsonReporter} from '../../cli/reporters/json.js';
import {ANSI_ACTUAL, MULTILINE_EXPECTED, NASTY, allEvents, capture, erroringLab, failingLab, passingLab, summaryOf} from './fixtures.js';
import type {CheckEvent} from '../../cli/checks/events.js';

function run(events: CheckEvent[]): {report: JsonReport; raw: string; writesBeforeFinish: number} {
	const {options, text, writes} = capture();
	const reporter = createJsonReporter(options);
	for (const event of events) reporter.onEvent(event);
	const writesBeforeFinish = writes.length;
	reporter.finish(summaryOf(events));
	return {report: JSON.parse(text()) as JsonReport, raw: text(), writesBeforeFinish};
}

describe('json reporter', () => {
	it('prints one pretty-printed document, only in finish', () => {
		const {raw, writesBeforeFinish} = run(allEvents());
		expect(writesBeforeFinish).toBe(0);
		expect(raw.startsWith('{\n  "version": 3,\n')).toBe(true);
		expect(raw.endsWith('}\n')).toBe(true);
	});

	it('reports run, lab and step statuses', () => {
		const {report} = run(allEvents());
		expect(report).toMatchObject({version: 3, status: 'error', node: 'v20.20.2', platform: 'linux', startedAt: '2025-01-02T03:04:05.000Z', durationMs: 4340});
		expect(report.labs.map((lab) => [lab.id, lab.status])).toEqual([
			['01-ipc', 'pass'],
			['02-cluster', 'fail'],
			['03-sticky', 'error'],
		]);
		expect(report.labs[1].steps.map((step) => step.status)).toEqual(['pass', 'fail', 'skip', 'skip']);
		expect(report.labs[0].entry).toBe('labs/01-ipc/main.js');
		expect(report.labs[0].title).toBe('Talking to children: fork and IPC');
		expect(report.labs[0].durationMs).toBe(1700);
		expect(report.labs[0].message).toBeUndefined();
		expect(report.labs[2].message).toBe('TypeError: cannot read <undefined> & "x"\n    at check (checker.ts:1:1)');
	});

	it('keeps failure details verbatim', () => {
		const {report} = run(allEvents());
		const step = report.labs[1].steps[1];
		expect(step).toEqual({
			id: 'share',
			name: 'shares the port #2',
			status: 'fail',
			durationMs: 2500,
			message: `3 requests got ${NASTY}`,
			expected: MULTILINE_EXPECTED,
			actual: ANSI_ACTUAL,
			hint: 'call listen() in the workers, not the primary: 100% of them',
			repro: `curl -si 'http://127.0.0.1:23457/?a=1&b=2'`,
		});
		expect(report.labs[1].steps[2]).toEqual({id: 'restart', name: 'restarts dead workers', status: 'skip', durationMs: 0, message: 'an earlier step failed'});
		expect(report.labs[0].steps[0]).toEqual({id: 'starts', name: 'starts and listens', status: 'pass', durationMs: 123});
	});

	it('marks a step that could not judge (too busy), and only that one', () => {
		const events = failingLab().map((event) => (event.type === 'step-fail' ? {...event, failure: {...event.failure, unjudged: true as const}} : event));
		expect(run(events).report.labs[0].steps[1]).toMatchObject({id: 'share', status: 'fail', unjudged: true});
		expect(run(failingLab()).report.labs[0].steps[1]!.unjudged).toBeUndefined();
	});

	it('includes the output lines with their stream', () => {
		const {report} = run(allEvents());
		expect(report.labs[1].output).toEqual([
			{stream: 'stdout', line: '\u001B[32mprimary <1> ready\u001B[39m'},
			{stream: 'stderr', line: 'Error: EADDRINUSE & "co"'},
			{stream: 'stdout', line: 'FAILING-LAB-LAST-LINE'},
		]);
	});

	it('names the kit and its version, and the learner from NCL_LEARNER or GITHUB_REPOSITORY', () => {
		const version = (JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as {version: string}).version;
		expect(run(passingLab()).report.kit).toEqual({name: 'node-cluster-lab', version});
		expect(run(passingLab()).report.learner).toBeUndefined();
		const learnerOf = (env: Record<string, string>) => buildJsonReport(summaryOf(passingLab()), '/repo', env).learner;
		expect(learnerOf({GITHUB_REPOSITORY: 'org/labs-alice'})).toBe('org/labs-alice');
		expect(learnerOf({GITHUB_REPOSITORY: 'org/labs-alice', NCL_LEARNER: 'Alice A.'})).toBe('Alice A.');
	});

	it('is fail without errors and pass when everything passed', () => {
		expect(run([...passingLab(), ...failingLab()]).report.status).toBe('fail');
		expect(run(passingLab()).report.status).toBe('pass');
		expect(run(erroringLab()).report.status).toBe('error');
		expect(run([]).report).toMatchObject({status: 'pass', labs: []});
	});
});
