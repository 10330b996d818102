import {describe, expect, it} from 'vitest';
import {cancelRun, foldRun, idleRun, startRun, stepCounts, type RunView} from '../../cli/app/run-state.js';
import type {CheckEvent} from '../../cli/checks/events.js';
import {OUTPUT_CONTEXT_LINES} from '../../cli/checks/fold-events.js';

const LAB = '01-ipc';
const steps = [
	{id: 'starts', title: 'Starts'},
	{id: 'answers', title: 'Answers'},
	{id: 'spread', title: 'Spreads'},
];

function fold(events: CheckEvent[], from: RunView = idleRun): RunView {
	return events.reduce(foldRun, from);
}

const start: CheckEvent = {type: 'lab-start', lab: LAB, title: 'IPC', dir: 'labs/01-ipc', entry: 'labs/01-ipc/main.ts', env: {PORT: '1234'}, steps};

describe('the run-state reducer', () => {
	it('lists every step as pending before the first event, and again on lab-start', () => {
		const view = startRun(LAB, steps);
		expect(view.phase).toBe('running');
		expect(view.steps.map(step => step.status)).toEqual(['pending', 'pending', 'pending']);
		expect(fold([start]).steps.map(step => [step.id, step.status])).toEqual([
			['starts', 'pending'],
			['answers', 'pending'],
			['spread', 'pending'],
		]);
		expect(fold([start]).env).toEqual({PORT: '1234'});
	});

	it('marks a step running, then passed with its duration and note', () => {
		const view = fold([start, {type: 'step-start', lab: LAB, step: 'starts', title: 'Starts'}]);
		expect(view.steps[0]!.status).toBe('running');
		const passed = foldRun(view, {type: 'step-pass', lab: LAB, step: 'starts', title: 'Starts', durationMs: 42, note: 'listening'});
		expect(passed.steps[0]).toMatchObject({status: 'passed', durationMs: 42, note: 'listening'});
		// Pure: the earlier view is untouched.
		expect(view.steps[0]!.status).toBe('running');
	});

	it('keeps the failure, the skipped steps and the verdict', () => {
		const failure = {message: 'no children', expected: '3 children', actual: 'none', hint: 'fork()', repro: 'ps'};
		const view = fold([
			start,
			{type: 'step-start', lab: LAB, step: 'starts', title: 'Starts'},
			{type: 'step-pass', lab: LAB, step: 'starts', title: 'Starts', durationMs: 1},
			{type: 'step-start', lab: LAB, step: 'answers', title: 'Answers'},
			{type: 'step-fail', lab: LAB, step: 'answers', title: 'Answers', durationMs: 2, failure},
			{type: 'step-skip', lab: LAB, step: 'spread', title: 'Spreads', reason: 'an earlier step failed'},
			{type: 'lab-end', lab: LAB, status: 'failed', durationMs: 99},
		]);
		expect(view.phase).toBe('failed');
		expect(view.durationMs).toBe(99);
		expect(view.steps[1]!.failure).toEqual(failure);
		expect(view.steps[2]).toMatchObject({status: 'skipped', skipReason: 'an earlier step failed'});
		expect(stepCounts(view)).toEqual({passed: 1, failed: 1, skipped: 1, total: 3});
	});

	it('shows the latest traffic tally of the step in progress, and drops it when the next step starts or the run ends', () => {
		const tally = {sent: 10, ok: 9, failed: 1, rps: 50, perPid: {'101': 5, '102': 4}};
		const view = fold([start, {type: 'step-start', lab: LAB, step: 'spread', title: 'Spreads'}, {type: 'traffic', lab: LAB, step: 'spread', tally}]);
		expect(view.traffic).toEqual({step: 'spread', tally});
		expect(foldRun(view, {type: 'step-start', lab: LAB, step: 'answers', title: 'Answers'}).traffic).toBeUndefined();
		expect(foldRun(view, {type: 'lab-end', lab: LAB, status: 'passed', durationMs: 5}).traffic).toBeUndefined();
	});

	it('keeps the last lines the program printed, without control characters', () => {
		const lines: CheckEvent[] = Array.from({length: OUTPUT_CONTEXT_LINES + 5}, (_, index) => ({type: 'output', lab: LAB, stream: 'stdout', line: `line ${index}`}));
		const view = fold([start, ...lines, {type: 'output', lab: LAB, stream: 'stderr', line: '\u001B[31mred\u001B[0m and a\rcarriage return'}]);
		expect(view.output).toHaveLength(OUTPUT_CONTEXT_LINES);
		expect(view.output.at(-1)).toEqual({stream: 'stderr', line: 'red and acarriage return'});
		expect(view.output[0]!.line).toBe('line 6');
	});

	it('calls a run the checker broke an error, and a cancelled one cancelled (no verdict, nothing spinning)', () => {
		const running = fold([start, {type: 'step-start', lab: LAB, step: 'starts', title: 'Starts'}]);
		const broken = foldRun(running, {type: 'lab-end', lab: LAB, status: 'error', durationMs: 3, error: 'port in use'});
		expect(broken).toMatchObject({phase: 'error', error: 'port in use'});
		const cancelled = foldRun(running, {type: 'lab-end', lab: LAB, status: 'error', durationMs: 3, error: 'cancelled'});
		expect(cancelled.phase).toBe('cancelled');
		expect(cancelled.error).toBeUndefined();
		expect(cancelled.steps[0]!.status).toBe('pending');
		expect(cancelRun(running).phase).toBe('cancelled');
		// A finished run stays as it was.
		expect(cancelRun(broken)).toBe(broken);
	});

	it('ignores events of another lab', () => {
		const view = fold([start]);
		expect(foldRun(view, {type: 'step-start', lab: '02-other', step: 'starts', title: 'Starts'})).toBe(view);
	});
});
