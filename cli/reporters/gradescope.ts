/**
Gradescope's autograder results.json (gradescope/autograder_samples,
docs/specs.md): one test per step with score, max_score, status, number
("lab.step"), output and tags; the total score and execution_time at the top.
Every string is sent with the "text" format, so nothing a learner's program
printed is rendered as HTML (the top-level output defaults to simple_format,
which is HTML).
*/
import type {RunSummary} from '../checks/events.js';
import {CHECKER_ERROR, programOutput, scoreRun, stepText, type WeightsFor} from './scores.js';
import {oneLine, passedLine, sanitize, tallyLabs} from './text.js';
import type {Reporter, ReporterOptions} from './types.js';

export type GradescopeTest = {
	name: string;
	number: string;
	score: number;
	max_score: number;
	status: 'passed' | 'failed';
	output: string;
	tags: string[];
	visibility: 'visible';
	name_format: 'text';
	output_format: 'text';
};

export type GradescopeResults = {
	score: number;
	execution_time: number;
	output: string;
	output_format: 'text';
	test_output_format: 'text';
	test_name_format: 'text';
	visibility: 'visible';
	tests: GradescopeTest[];
};

export function buildGradescopeResults(summary: RunSummary, weightsFor?: WeightsFor): GradescopeResults {
	const run = scoreRun(summary, weightsFor);
	const tests: GradescopeTest[] = [];
	run.labs.forEach((lab, labIndex) => {
		const printed = programOutput(lab.lab);
		lab.steps.forEach(({step, weight, score}, stepIndex) => {
			const failedHere = step.status === 'failed';
			tests.push({
				name: oneLine(`${lab.lab.lab}: ${step.title}`),
				number: `${labIndex + 1}.${stepIndex + 1}`,
				score,
				max_score: weight,
				status: step.status === 'passed' ? 'passed' : 'failed',
				output: failedHere && printed ? `${stepText(step)}\n\n${printed}` : stepText(step),
				tags: [lab.lab.lab, step.id],
				visibility: 'visible',
				name_format: 'text',
				output_format: 'text',
			});
		});
		if (lab.lab.status === 'error') {
			tests.push({
				name: oneLine(`${lab.lab.lab}: checker`),
				number: `${labIndex + 1}.${lab.steps.length + 1}`,
				score: 0,
				max_score: 0,
				status: 'failed',
				output: sanitize(`${CHECKER_ERROR}:\n${lab.lab.error ?? 'unknown error'}`),
				tags: [lab.lab.lab, 'checker-error'],
				visibility: 'visible',
				name_format: 'text',
				output_format: 'text',
			});
		}
	});
	const lines = [`node-cluster-lab: ${passedLine(tallyLabs(summary))}, ${run.score} of ${run.maxScore} points`];
	for (const lab of run.labs) lines.push(`${oneLine(lab.lab.lab)}: ${lab.score}/${lab.maxScore} (${lab.lab.status})`);
	return {
		score: run.score,
		execution_time: Math.max(0, Math.round(summary.durationMs / 1000)),
		output: lines.join('\n'),
		output_format: 'text',
		test_output_format: 'text',
		test_name_format: 'text',
		visibility: 'visible',
		tests,
	};
}

export function createGradescopeReporter(options: ReporterOptions): Reporter {
	return {
		onEvent() {
			// A document reporter: everything comes from the summary.
		},
		finish(summary) {
			options.write(`${JSON.stringify(buildGradescopeResults(summary, options.weights), null, 2)}\n`);
		},
	};
}
