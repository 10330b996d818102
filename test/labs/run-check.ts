import {findLab} from '../../cli/catalog.js';
import type {CheckEvent, LabStatus} from '../../cli/checks/events.js';
import {checks} from '../../cli/checks/index.js';
import {runLab} from '../../cli/checks/runner.js';

export type CheckOutcome = {
	status: LabStatus;
	events: CheckEvent[];
	/** The first failed step, if any. */
	failed?: Extract<CheckEvent, {type: 'step-fail'}>;
	passedSteps: string[];
	error?: string;
};

/** Run a lab's checker in-process against a folder holding the lab's files. */
export async function runCheck(labId: string, dir: string): Promise<CheckOutcome> {
	const lab = findLab(labId)!;
	const events: CheckEvent[] = [];
	const status = await runLab({lab, check: checks[labId]!, dir, emit: event => events.push(event)});
	const failed = events.find((event): event is Extract<CheckEvent, {type: 'step-fail'}> => event.type === 'step-fail');
	const passedSteps = events.filter(event => event.type === 'step-pass').map(event => (event as {step: string}).step);
	const end = events.find(event => event.type === 'lab-end') as Extract<CheckEvent, {type: 'lab-end'}>;
	return {status, events, failed, passedSteps, error: end.error};
}

/** A readable account of a run for assertion messages. */
export function explain(outcome: CheckOutcome): string {
	const lines = outcome.events
		.filter(event => event.type === 'step-pass' || event.type === 'step-fail' || event.type === 'lab-end')
		.map(event => JSON.stringify(event));
	const output = outcome.events.filter(event => event.type === 'output').slice(-15).map(event => `[your_program] ${(event as {line: string}).line}`);
	return [...lines, ...output].join('\n');
}
