/**
What the check view shows about one run, folded from the check event stream.
Pure: the same events always give the same view, so it is tested without any
process or terminal.
*/
import type {CheckEvent, Failure, TrafficTally} from '../checks/events.js';
import {OUTPUT_CONTEXT_LINES} from '../checks/fold-events.js';
import {sanitize} from '../reporters/text.js';

export type StepView = {
	id: string;
	title: string;
	status: 'pending' | 'running' | 'passed' | 'failed' | 'skipped';
	durationMs?: number;
	note?: string;
	failure?: Failure;
	skipReason?: string;
};

/** 'idle': never run in this session; 'cancelled': stopped by a new save, a key or leaving the lab. */
export type RunPhase = 'idle' | 'running' | 'passed' | 'failed' | 'error' | 'cancelled';

export type OutputLine = {stream: 'stdout' | 'stderr'; line: string};

export type RunView = {
	lab?: string;
	phase: RunPhase;
	steps: StepView[];
	/** The latest tally of the step sending traffic (cleared when a new step starts). */
	traffic?: {step: string; tally: TrafficTally};
	/** The last lines the learner's program printed, control characters removed. */
	output: OutputLine[];
	env?: Record<string, string>;
	durationMs?: number;
	/** Set when phase is 'error': the checker itself broke. */
	error?: string;
};

export const idleRun: RunView = {phase: 'idle', steps: [], output: []};

/** A run about to start: every step listed as pending, so the list shows before the first event. */
export function startRun(lab: string, steps: ReadonlyArray<{id: string; title: string}>): RunView {
	return {lab, phase: 'running', steps: steps.map(({id, title}) => ({id, title, status: 'pending'})), output: []};
}

/** The run was stopped on purpose: nothing spins any more and no verdict is shown. */
export function cancelRun(view: RunView): RunView {
	if (view.phase !== 'running') return view;
	return {...view, phase: 'cancelled', traffic: undefined, steps: view.steps.map(step => (step.status === 'running' ? {...step, status: 'pending'} : step))};
}

function updateStep(view: RunView, id: string, title: string, change: Partial<StepView>): StepView[] {
	const known = view.steps.some(step => step.id === id);
	const steps = known ? view.steps : [...view.steps, {id, title, status: 'pending' as const}];
	return steps.map(step => (step.id === id ? {...step, ...change} : step));
}

export function foldRun(view: RunView, event: CheckEvent): RunView {
	if (event.type !== 'lab-start' && view.lab !== undefined && event.lab !== view.lab) return view;
	switch (event.type) {
		case 'lab-start':
			return {lab: event.lab, phase: 'running', env: event.env, output: [], steps: event.steps.map(({id, title}) => ({id, title, status: 'pending'}))};
		case 'step-start':
			return {...view, traffic: undefined, steps: updateStep(view, event.step, event.title, {status: 'running'})};
		case 'step-pass':
			return {...view, steps: updateStep(view, event.step, event.title, {status: 'passed', durationMs: event.durationMs, note: event.note})};
		case 'step-fail':
			return {...view, steps: updateStep(view, event.step, event.title, {status: 'failed', durationMs: event.durationMs, failure: event.failure})};
		case 'step-skip':
			return {...view, steps: updateStep(view, event.step, event.title, {status: 'skipped', skipReason: event.reason})};
		case 'traffic':
			return {...view, traffic: {step: event.step, tally: event.tally}};
		case 'output': {
			// A learner's line may hold colours, cursor moves or a carriage return: never let them reach the screen.
			const lines = sanitize(event.line).split('\n').map(line => ({stream: event.stream, line}));
			return {...view, output: [...view.output, ...lines].slice(-OUTPUT_CONTEXT_LINES)};
		}
		case 'lab-end': {
			// runLab ends a cancelled run as an 'error' named 'cancelled': not the checker breaking.
			if (event.status === 'error' && event.error === 'cancelled') return {...cancelRun({...view, phase: 'running'}), durationMs: event.durationMs};
			const ended: RunView = {...view, phase: event.status, durationMs: event.durationMs, traffic: undefined};
			return event.status === 'error' ? {...ended, error: event.error ?? 'unknown error'} : ended;
		}
		default:
			return view;
	}
}

/** Counts for a one-line summary: "3 of 10 steps passed". */
export function stepCounts(view: RunView): {passed: number; failed: number; skipped: number; total: number} {
	const count = (status: StepView['status']) => view.steps.filter(step => step.status === status).length;
	return {passed: count('passed'), failed: count('failed'), skipped: count('skipped'), total: view.steps.length};
}
