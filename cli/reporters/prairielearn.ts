/**
PrairieLearn's external grader results.json (PrairieLearn docs,
externalGrading.md): score from 0 to 1, gradable, message, output, and one test
per step with points and max_points. A lab whose checker broke (a kit bug)
makes the run not gradable, so the learner loses no attempt over it.
*/
import type {RunSummary} from '../checks/events.js';
import {CHECKER_ERROR, programOutput, scoreRun, stepText, type WeightsFor} from './scores.js';
import {oneLine, passedLine, sanitize, tallyLabs} from './text.js';
import type {Reporter, ReporterOptions} from './types.js';

export type PrairieLearnTest = {name: string; description: string; points: number; max_points: number; message: string; output: string};

export type PrairieLearnResults = {
	gradable: boolean;
	score: number;
	message: string;
	output: string;
	tests: PrairieLearnTest[];
	format_errors?: string[];
};

export function buildPrairieLearnResults(summary: RunSummary, weightsFor?: WeightsFor): PrairieLearnResults {
	const run = scoreRun(summary, weightsFor);
	const tests: PrairieLearnTest[] = [];
	for (const lab of run.labs) {
		const printed = programOutput(lab.lab);
		for (const {step, weight, score} of lab.steps) {
			const text = stepText(step);
			const [first = '', ...rest] = text.split('\n');
			tests.push({
				name: oneLine(`${lab.lab.lab}: ${step.title}`),
				description: oneLine(lab.lab.title),
				points: score,
				max_points: weight,
				message: first,
				output: step.status === 'failed' && printed ? [...rest, '', printed].join('\n').trim() : rest.join('\n'),
			});
		}
	}
	const tally = tallyLabs(summary);
	const errors = tally.errored.map(lab => sanitize(`${lab.lab}: ${CHECKER_ERROR}: ${lab.error ?? 'unknown error'}`));
	const lines = run.labs.map(lab => `${oneLine(lab.lab.lab)}: ${lab.score}/${lab.maxScore} (${lab.lab.status})`);
	const results: PrairieLearnResults = {
		gradable: errors.length === 0,
		score: run.maxScore > 0 ? run.score / run.maxScore : tally.total > 0 && tally.passed === tally.total ? 1 : 0,
		message: `node-cluster-lab: ${passedLine(tally)}, ${run.score} of ${run.maxScore} points`,
		output: lines.join('\n'),
		tests,
	};
	if (errors.length > 0) results.format_errors = errors;
	return results;
}

export function createPrairieLearnReporter(options: ReporterOptions): Reporter {
	return {
		onEvent() {
			// A document reporter: everything comes from the summary.
		},
		finish(summary) {
			options.write(`${JSON.stringify(buildPrairieLearnResults(summary, options.weights), null, 2)}\n`);
		},
	};
}
