import type {Failure} from './events.js';
import type {LabProcess} from '../harness/lab-process.js';
import type {TrafficClient} from '../harness/traffic.js';

/** Thrown by a step to fail with a message for the learner (not a kit bug). */
export class CheckFailure extends Error {
	constructor(readonly failure: Failure) {
		super(failure.message);
	}
}

export type StepContext = {
	lab: string;
	host: string;
	port: number;
	baseUrl: string;
	/** The environment the learner's program was started with (PORT, HOST, WORKERS, …). */
	env: Record<string, string>;
	process: LabProcess;
	/** The folder the program runs in, as the learner would type it. */
	dir: string;
	/** The same folder, absolute (to read the learner's other files, e.g. a config template). */
	labDir: string;
	/** A shell line that starts the program the way the checker did. */
	runItYourself: string;
	/** The learner's primary (the process the entry file runs in). */
	primaryPid: number;
	http: TrafficClient;
	/** What earlier steps found (e.g. the child pids), for later steps. */
	memo: Map<string, unknown>;
	/** Say what the step is waiting for, so a timeout can name it. */
	waitingFor: (what: string) => void;
	/** Fail the step: throws. */
	fail: (failure: Failure) => never;
	/** A line shown under a passed step (a figure worth knowing). */
	note: (text: string) => void;
	/** A curl command the learner can paste to repeat a request. */
	curl: (pathAndQuery: string) => string;
	/** Aborted when the run is cancelled. */
	signal: AbortSignal;
	/**
	Stop the learner's program (the whole tree) and start it again with these
	variables added to the run's environment (e.g. another STRATEGY), then wait
	until it listens. Updates process, primaryPid and env for this and later steps.
	Fails the step if the program does not listen again.
	*/
	restart: (extraEnv: Record<string, string>) => Promise<void>;
	/**
	Run this when the run ends, whatever the outcome (pass, fail, timeout,
	cancel), after the learner's tree is stopped: for what a step started
	besides the learner's program (a server of the checker's own, an nginx
	under its own keeper). Later registrations run first.
	*/
	atEnd: (cleanup: () => void | Promise<void>) => void;
};

export type Step = {
	id: string;
	title: string;
	/** The step fails with a message naming what it waited for after this long. */
	timeoutMs: number;
	run: (context: StepContext) => Promise<void>;
};

export type LabCheck = {
	lab: string;
	/** The environment for this run; defaults come from the lesson's front matter. */
	env: (defaults: Record<string, string>) => Record<string, string>;
	/**
	Variables the kit sets for its own instruments (lab 08's IPC spy), kept out of
	the environment a report shows: the learner sets none of them to reproduce a run.
	*/
	kitVariables?: readonly string[];
	/**
	The values the checker tries for each variable the lesson's Contract names
	(the first run's value first), none of them the lesson's default, so that a
	program that hard-codes one value fails. The lesson's front matter lists the
	same values, and test/contract-map.test.ts holds the two together.
	*/
	variables?: Readonly<Record<string, readonly string[]>>;
	/**
	A restart started ahead of time: when step `during` begins, a second copy of
	the program starts with `env` added, on PORT+RESTART_AHEAD_OFFSET, its output
	held back; the step that then calls restart(env) with the same variables
	stops the first copy and goes on with this one (PORT, baseUrl and http follow),
	instead of waiting for a cold start. For a restart whose start-up is not what
	the step tests (not one that arms a hold first). `during` should be a step
	that leaves the CPU mostly idle: the copy's start-up competes with it.
	*/
	restartAhead?: {during: string; env: Readonly<Record<string, string>>};
	/**
	When the kit runs as root, start the learner's program with these
	supplementary groups (see LabProcessOptions), so a check can see whether
	its children drop them.
	*/
	supplementaryGroups?: readonly number[];
	steps: Step[];
};
