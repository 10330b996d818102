/**
Scores for the grading reporters (classroom50, gradescope, prairielearn): each
step is worth its weight from the lesson's front matter (`weights: {step: n}`,
1 when a step is not named) when it passed and nothing otherwise; a lab's score
is the sum of its steps'.
*/
import type {Failure, LabResult, RunSummary, StepResult} from '../checks/events.js';
import {sanitize} from './text.js';

/** The weights a lab's lesson gives its steps, or undefined for equal weights. */
export type WeightsFor = (lab: string) => Readonly<Record<string, number>> | undefined;

export type StepScore = {step: StepResult; weight: number; score: number};
export type LabScore = {lab: LabResult; score: number; maxScore: number; steps: StepScore[]};
export type RunScore = {score: number; maxScore: number; labs: LabScore[]};

export const DEFAULT_WEIGHT = 1;

export function stepWeight(weights: Readonly<Record<string, number>> | undefined, step: string): number {
	const weight = weights && Object.hasOwn(weights, step) ? weights[step] : undefined;
	return typeof weight === 'number' && Number.isFinite(weight) && weight >= 0 ? weight : DEFAULT_WEIGHT;
}

export function scoreLab(lab: LabResult, weights?: Readonly<Record<string, number>>): LabScore {
	const steps = lab.steps.map(step => {
		const weight = stepWeight(weights, step.id);
		return {step, weight, score: step.status === 'passed' ? weight : 0};
	});
	return {lab, steps, score: steps.reduce((sum, step) => sum + step.score, 0), maxScore: steps.reduce((sum, step) => sum + step.weight, 0)};
}

export function scoreRun(summary: RunSummary, weightsFor: WeightsFor = () => undefined): RunScore {
	const labs = summary.labs.map(lab => scoreLab(lab, weightsFor(lab.lab)));
	return {labs, score: labs.reduce((sum, lab) => sum + lab.score, 0), maxScore: labs.reduce((sum, lab) => sum + lab.maxScore, 0)};
}

/** A failure as lines of text: message, then expected, actual, hint and the repro line under `reproLabel`. */
export function failureLines(failure: Failure, reproLabel: string): string {
	const parts: string[] = [failure.message];
	const add = (label: string, value: string | undefined) => {
		if (value === undefined) return;
		parts.push(value.includes('\n') ? `${label}:\n${value.replace(/^(?=.)/gm, '  ')}` : `${label}: ${value}`);
	};
	add('expected', failure.expected);
	add('actual', failure.actual);
	add('hint', failure.hint);
	add(reproLabel, failure.repro);
	return parts.join('\n');
}

/** A failure as plain text (no ANSI, no control characters), for graders that show it to the learner. */
export function failureText(failure: Failure): string {
	return sanitize(failureLines(failure, 'try it yourself'));
}

/** What a step's test shows: the failure, the reason it was skipped, or a note. */
export function stepText(step: StepResult): string {
	if (step.status === 'failed') return failureText(step.failure ?? {message: 'step failed'});
	if (step.status === 'skipped') return sanitize(`skipped: ${step.skipReason ?? 'an earlier step failed'}`);
	return sanitize(step.note ?? 'passed');
}

/** The last lines the learner's program printed, as plain text, or '' when there are none. */
export function programOutput(lab: LabResult): string {
	if (lab.output.length === 0) return '';
	return sanitize(['your program printed (last lines):', ...lab.output.map(line => (line.startsWith('! ') ? `[stderr] ${line.slice(2)}` : line.replace(/^ {2}/, '')))].join('\n'));
}

export const CHECKER_ERROR = 'the checker itself failed (a node-cluster-lab bug, not your program)';
