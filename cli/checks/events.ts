/**
The stream of events one checker run produces. The pretty reporter, the machine
reporters, the kit's own tests and the Ink app all consume this one stream, so no
step is ever described twice.
*/

/** What a failed step tells the learner. Every field is plain text, no ANSI. */
export type Failure = {
	/** One sentence naming the mistake, e.g. "3 requests got another request's answer". */
	message: string;
	/** What the checker wanted to observe. */
	expected?: string;
	/** What it observed instead. */
	actual?: string;
	/** A likely cause or a nudge towards the fix. */
	hint?: string;
	/** A command the learner can paste to see it for themselves (often a curl line). */
	repro?: string;
	/**
	True when the step could not judge at all (the machine was too busy to tell a
	right program from a wrong one): nothing is known to be wrong, and running the
	check again on a quieter machine is the answer. Still a failed step.
	*/
	unjudged?: true;
};

export type StepStatus = 'passed' | 'failed' | 'skipped';

/**
'passed': every step passed. 'failed': the learner's program failed a step.
'error': the checker itself broke (a kit bug, not the learner's fault), as in
Exercism's fail/error split.
*/
export type LabStatus = 'passed' | 'failed' | 'error';

export type TrafficTally = {
	sent: number;
	ok: number;
	failed: number;
	/** Requests per second over the burst so far. */
	rps: number;
	/** x-worker-pid value -> answers counted. */
	perPid: Record<string, number>;
};

export type CheckEvent =
	| {type: 'lab-start'; lab: string; title: string; dir: string; entry: string; env: Record<string, string>; steps: Array<{id: string; title: string}>}
	| {type: 'step-start'; lab: string; step: string; title: string}
	| {type: 'step-pass'; lab: string; step: string; title: string; durationMs: number; note?: string}
	| {type: 'step-fail'; lab: string; step: string; title: string; durationMs: number; failure: Failure}
	| {type: 'step-skip'; lab: string; step: string; title: string; reason: string}
	| {type: 'traffic'; lab: string; step: string; tally: TrafficTally}
	| {type: 'output'; lab: string; stream: 'stdout' | 'stderr'; line: string}
	| {type: 'lab-end'; lab: string; status: LabStatus; durationMs: number; error?: string};

/** The outcome of one step, as the summary and machine reporters see it. */
export type StepResult = {
	id: string;
	title: string;
	status: StepStatus;
	durationMs: number;
	failure?: Failure;
	note?: string;
	skipReason?: string;
};

export type LabResult = {
	lab: string;
	title: string;
	/** Folder the checker ran against, relative to the cwd when possible. */
	dir: string;
	/** The learner's entry file, relative to the cwd when possible. */
	entry: string;
	status: LabStatus;
	durationMs: number;
	steps: StepResult[];
	/** Set when status is 'error'. */
	error?: string;
	/** The last lines the learner's program printed, for context only. */
	output: string[];
};

export type RunSummary = {
	labs: LabResult[];
	nodeVersion: string;
	platform: string;
	startedAt: string;
	durationMs: number;
};
