/**
One JSON document, printed once at the end, shaped after Exercism's results.json
(v2/v3): a top-level status, then one entry per lab with its steps.
*/
import type {LabResult, LabStatus, RunSummary, StepResult, StepStatus} from '../checks/events.js';
import {kitVersion} from '../paths.js';
import {overallStatus, relativePath, splitOutputLine} from './text.js';
import type {Reporter, ReporterOptions} from './types.js';

export type JsonStatus = 'pass' | 'fail' | 'error';
export type JsonStepStatus = 'pass' | 'fail' | 'skip';

export type JsonStep = {
	id: string;
	name: string;
	status: JsonStepStatus;
	durationMs: number;
	/** The failure's message, or the reason a step was skipped. */
	message?: string;
	expected?: string;
	actual?: string;
	hint?: string;
	repro?: string;
	/** The step could not judge (a machine too busy): nothing is known to be wrong; run the check again. */
	unjudged?: true;
};

export type JsonLab = {
	id: string;
	title: string;
	status: JsonStatus;
	durationMs: number;
	entry: string;
	/** The checker's error, when status is 'error'. */
	message?: string;
	steps: JsonStep[];
	/** The last lines the learner's program printed. */
	output: Array<{stream: 'stdout' | 'stderr'; line: string}>;
};

export type JsonReport = {
	version: 3;
	/** Which kit wrote it: `report` refuses documents from another version (their steps may differ). */
	kit: {name: 'node-cluster-lab'; version: string};
	/** Who handed it in, for `report`: NCL_LEARNER, else GITHUB_REPOSITORY (one repository per learner in a classroom). */
	learner?: string;
	status: JsonStatus;
	node: string;
	platform: string;
	startedAt: string;
	durationMs: number;
	labs: JsonLab[];
};

const labStatus: Record<LabStatus, JsonStatus> = {passed: 'pass', failed: 'fail', error: 'error'};
const stepStatus: Record<StepStatus, JsonStepStatus> = {passed: 'pass', failed: 'fail', skipped: 'skip'};

function toStep(step: StepResult): JsonStep {
	const result: JsonStep = {id: step.id, name: step.title, status: stepStatus[step.status], durationMs: Math.round(step.durationMs)};
	if (step.failure) {
		result.message = step.failure.message;
		if (step.failure.expected !== undefined) result.expected = step.failure.expected;
		if (step.failure.actual !== undefined) result.actual = step.failure.actual;
		if (step.failure.hint !== undefined) result.hint = step.failure.hint;
		if (step.failure.repro !== undefined) result.repro = step.failure.repro;
		if (step.failure.unjudged) result.unjudged = true;
	} else if (step.status === 'skipped' && step.skipReason) {
		result.message = step.skipReason;
	}
	return result;
}

function toLab(lab: LabResult, cwd: string): JsonLab {
	const result: JsonLab = {
		id: lab.lab,
		title: lab.title,
		status: labStatus[lab.status],
		durationMs: Math.round(lab.durationMs),
		entry: relativePath(cwd, lab.entry),
		steps: lab.steps.map(toStep),
		output: lab.output.map(splitOutputLine),
	};
	if (lab.error !== undefined) {
		// Keep the documented key order: message sits before steps.
		return {id: result.id, title: result.title, status: result.status, durationMs: result.durationMs, entry: result.entry, message: lab.error, steps: result.steps, output: result.output};
	}
	return result;
}

export function buildJsonReport(summary: RunSummary, cwd: string, env: Record<string, string | undefined> = {}): JsonReport {
	const learner = [env.NCL_LEARNER, env.GITHUB_REPOSITORY].find(value => value !== undefined && value.trim() !== '')?.trim();
	return {
		version: 3,
		kit: {name: 'node-cluster-lab', version: kitVersion()},
		...(learner === undefined ? {} : {learner}),
		status: labStatus[overallStatus(summary)],
		node: summary.nodeVersion,
		platform: summary.platform,
		startedAt: summary.startedAt,
		durationMs: Math.round(summary.durationMs),
		labs: summary.labs.map((lab) => toLab(lab, cwd)),
	};
}

export function createJsonReporter(options: ReporterOptions): Reporter {
	return {
		onEvent() {
			// A document reporter: everything comes from the summary.
		},
		finish(summary) {
			options.write(`${JSON.stringify(buildJsonReport(summary, options.cwd, options.env), null, 2)}\n`);
		},
	};
}
