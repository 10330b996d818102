/**
Classroom 50's result.json (schema "classroom50/result/v1", as its runner.py
and collect_scores.py validate it): one test per step, integer scores, the
identity fields from the environment the Classroom 50 runner gives an
autograder (CLASSROOM, ASSIGNMENT, SUBMISSION_TAG, OWNER or USERNAME,
ASSIGNMENT_TYPE, COMMIT_URL, RELEASE_URL, REVIEW_URL). The runner stamps owner,
assignment_type and datetime again itself; outside Classroom 50 they get
placeholders so the document still has every field.
*/
import type {RunSummary} from '../checks/events.js';
import {CHECKER_ERROR, scoreRun, type WeightsFor} from './scores.js';
import {oneLine} from './text.js';
import type {Reporter, ReporterOptions} from './types.js';

export const CLASSROOM50_SCHEMA = 'classroom50/result/v1';

export type Classroom50Test = {'test-name': string; passed: boolean; score: number; 'max-score': number};

export type Classroom50Result = {
	schema: typeof CLASSROOM50_SCHEMA;
	classroom: string;
	assignment: string;
	assignment_type: string;
	owner: string;
	submission: string;
	commit: string;
	release: string;
	review: string;
	datetime: string;
	score: number;
	'max-score': number;
	tests: Classroom50Test[];
};

/** "2025-01-02T03:04:05Z": the UTC format Classroom 50 writes (no fraction). */
function utcSeconds(iso: string): string {
	const date = new Date(iso);
	return (Number.isNaN(date.getTime()) ? new Date() : date).toISOString().replace(/\.\d+Z$/, 'Z');
}

function nonEmpty(...values: Array<string | undefined>): string | undefined {
	return values.find(value => value !== undefined && value.trim() !== '')?.trim();
}

/** Scores are integers in Classroom 50: a weight like 1.5 is rounded down. */
const whole = (value: number) => Math.max(0, Math.floor(value));

export function buildClassroom50Result(summary: RunSummary, env: Record<string, string | undefined>, weightsFor?: WeightsFor): Classroom50Result {
	const run = scoreRun(summary, weightsFor);
	const tests: Classroom50Test[] = [];
	for (const lab of run.labs) {
		for (const {step, weight, score} of lab.steps) {
			tests.push({'test-name': oneLine(`${lab.lab.lab}: ${step.title}`) || lab.lab.lab, passed: step.status === 'passed', score: whole(score), 'max-score': whole(weight)});
		}
		if (lab.lab.status === 'error') tests.push({'test-name': oneLine(`${lab.lab.lab}: ${CHECKER_ERROR}`), passed: false, score: 0, 'max-score': 0});
	}
	const server = nonEmpty(env.GITHUB_SERVER_URL) ?? 'https://github.com';
	const repository = nonEmpty(env.GITHUB_REPOSITORY);
	const sha = nonEmpty(env.GITHUB_SHA);
	const commit = nonEmpty(env.COMMIT_URL) ?? (repository && sha ? `${server}/${repository}/commit/${sha}` : 'local');
	const submission = nonEmpty(env.SUBMISSION_TAG) ?? `submit/local-${utcSeconds(summary.startedAt).replace(/[-:]/g, '')}`;
	return {
		schema: CLASSROOM50_SCHEMA,
		classroom: nonEmpty(env.CLASSROOM) ?? 'local',
		assignment: nonEmpty(env.ASSIGNMENT) ?? 'node-cluster-lab',
		assignment_type: nonEmpty(env.ASSIGNMENT_TYPE) ?? 'individual',
		owner: nonEmpty(env.OWNER, env.USERNAME, env.GITHUB_ACTOR) ?? 'local',
		submission,
		commit,
		release: nonEmpty(env.RELEASE_URL) ?? (repository ? `${server}/${repository}/releases/tag/${encodeURIComponent(submission)}` : 'local'),
		review: nonEmpty(env.REVIEW_URL) ?? commit,
		datetime: utcSeconds(summary.startedAt),
		score: tests.reduce((sum, test) => sum + test.score, 0),
		'max-score': tests.reduce((sum, test) => sum + test['max-score'], 0),
		tests,
	};
}

export function createClassroom50Reporter(options: ReporterOptions): Reporter {
	return {
		onEvent() {
			// A document reporter: everything comes from the summary.
		},
		finish(summary) {
			options.write(`${JSON.stringify(buildClassroom50Result(summary, options.env, options.weights), null, 2)}\n`);
		},
	};
}
