import {existsSync} from 'node:fs';
import path from 'node:path';
import type {Lab} from '../catalog.js';
import {startLabProcess, type LabProcess} from '../harness/lab-process.js';
import {PORT_BLOCK, reservePortBlock} from '../harness/ports.js';
import {TrafficClient} from '../harness/traffic.js';
import {waitForListening} from '../harness/readiness.js';
import type {CheckEvent, Failure, LabStatus} from './events.js';
import {CheckFailure, type LabCheck, type StepContext} from './step.js';

export type RunLabOptions = {
	lab: Lab;
	check: LabCheck;
	/** The folder holding the lab's files (labs/<id> in a workspace, solutions/<id>, a mutant…). */
	dir: string;
	emit: (event: CheckEvent) => void;
	/** Cancels the run (Ctrl-C, a new save in watch mode): processes are killed at once. */
	signal?: AbortSignal;
	/** Paths in events are shown relative to this folder. */
	cwd?: string;
};

const HOST = '127.0.0.1';
/**
How long a restarted program may take to listen again. A tsx primary that waits
for 3–4 tsx children took over 10 s with two CPU hogs per core; a right program
is not slower because the bound is long, only a broken one is reported later.
*/
const RESTART_READY_MS = 20_000;

/**
Where a restart started ahead (LabCheck.restartAhead) listens: the second half
of the run's port block, clear of the first copy's ports (lab 02's first run
uses PORT to PORT+6).
*/
export const RESTART_AHEAD_OFFSET = PORT_BLOCK / 2;
/** Lines a copy started ahead may print before it is taken on; the oldest go first. */
const HELD_OUTPUT_LINES = 200;

class StepTimeout extends Error {}
class Cancelled extends Error {}

function relative(cwd: string, file: string): string {
	const rel = path.relative(cwd, file);
	return rel.startsWith('..') ? file : rel || '.';
}

/**
Run one lab's checker against one folder: start the learner's program, run the
steps in order, stop at the first failure (later steps are reported skipped),
and always end the whole process tree.
*/
export async function runLab(options: RunLabOptions): Promise<LabStatus> {
	// PORT and the ports after it are this run's alone until it ends (see PORT_BLOCK).
	const block = await reservePortBlock(HOST);
	try {
		return await runLabOnPort(options, block.port);
	} finally {
		block.release();
	}
}

/** Whether two sets of variables are the same (the restart a step asks for is the one started ahead). */
function sameVariables(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
	const keys = Object.keys(a);
	return keys.length === Object.keys(b).length && keys.every(key => a[key] === b[key]);
}

async function runLabOnPort(options: RunLabOptions, blockPort: number): Promise<LabStatus> {
	// A restart taken over from a copy started ahead moves the run to that copy's port.
	let port = blockPort;
	const {lab, check, emit, signal = new AbortController().signal, cwd = process.cwd()} = options;
	const dir = path.resolve(cwd, options.dir);
	const started = Date.now();
	const env = {...check.env(lab.defaults), PORT: String(port), HOST};
	const entryPath = path.join(dir, lab.entry);
	const shownEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !check.kitVariables?.includes(name)));
	emit({type: 'lab-start', lab: lab.id, title: lab.title, dir: relative(cwd, dir), entry: relative(cwd, entryPath), env: shownEnv, steps: check.steps.map(({id, title}) => ({id, title}))});

	const skipRest = (from: number, reason: string) => {
		for (const step of check.steps.slice(from)) emit({type: 'step-skip', lab: lab.id, step: step.id, title: step.title, reason});
	};
	const end = (status: LabStatus, error?: string): LabStatus => {
		emit({type: 'lab-end', lab: lab.id, status, durationMs: Date.now() - started, error});
		return status;
	};

	if (!existsSync(entryPath)) {
		const first = check.steps[0]!;
		emit({
			type: 'step-fail',
			lab: lab.id,
			step: first.id,
			title: first.title,
			durationMs: 0,
			failure: {
				message: `${relative(cwd, entryPath)} is missing`,
				expected: `the lab's entry file ${lab.entry} in ${relative(cwd, dir)}`,
				actual: existsSync(dir) ? `the folder has no ${lab.entry}` : 'the folder does not exist',
				hint: `In a workspace, restore the starter with: npx node-cluster-lab reset ${lab.id}`,
			},
		});
		skipRest(1, 'an earlier step failed');
		return end('failed');
	}

	let labProcess: LabProcess | undefined;
	const trafficClient = () =>
		new TrafficClient(`http://${HOST}:${port}`, tally => {
			if (currentStep) emit({type: 'traffic', lab: lab.id, step: currentStep, tally});
		});
	let http = trafficClient();
	/** The copy started ahead of its restart, until a restart takes it on or the run ends. */
	let ahead: {extraEnv: Readonly<Record<string, string>>; env: Record<string, string>; process: LabProcess; takeOn: () => void} | undefined;
	let currentStep: string | undefined;
	const cleanups: Array<() => void | Promise<void>> = [];
	try {
		const launch = (runEnv: Record<string, string>, onOutput: (stream: 'stdout' | 'stderr', line: string) => void) =>
			startLabProcess({cwd: dir, entry: lab.entry, env: runEnv, supplementaryGroups: check.supplementaryGroups, onOutput});
		const primaryOf = async (started: LabProcess) => {
			const pid = await started.primaryPid;
			if (pid === undefined) throw new Error(`could not start node in ${dir}: ${started.exitInfo?.error ?? 'unknown reason'}`);
			return pid;
		};
		const start = async (runEnv: Record<string, string>) => {
			const started = launch(runEnv, (stream, line) => emit({type: 'output', lab: lab.id, stream, line}));
			labProcess = started;
			return {started, pid: await primaryOf(started)};
		};
		// Its output is held back until a restart takes it on: until then the learner's lines are the first copy's.
		const startAhead = (extraEnv: Readonly<Record<string, string>>) => {
			const aheadEnv = {...check.env(lab.defaults), PORT: String(blockPort + RESTART_AHEAD_OFFSET), HOST, ...extraEnv};
			const held: Array<{stream: 'stdout' | 'stderr'; line: string}> = [];
			let takenOn = false;
			const copy = launch(aheadEnv, (stream, line) => {
				if (takenOn) emit({type: 'output', lab: lab.id, stream, line});
				else if (held.push({stream, line}) > HELD_OUTPUT_LINES) held.shift();
			});
			ahead = {
				extraEnv,
				env: aheadEnv,
				process: copy,
				takeOn: () => {
					takenOn = true;
					for (const {stream, line} of held.splice(0)) emit({type: 'output', lab: lab.id, stream, line});
				},
			};
		};
		let {started: current, pid: primaryPid} = await start(env);
		let runEnv: Record<string, string> = env;
		// The learner's variables only: the kit's own (a preload in NODE_OPTIONS, its files) are the checker's business.
		const shellWord = (value: string) => (/^[\w@%+=:,./-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);
		const runLine = (lineEnv: Record<string, string>) =>
			`cd ${relative(cwd, dir)} && ${Object.entries(lineEnv)
				.filter(([key]) => !check.kitVariables?.includes(key))
				.map(([key, value]) => `${key}=${shellWord(value)}`)
				.join(' ')} npx tsx ${lab.entry}`;
		const memo = new Map<string, unknown>();
		for (const [index, step] of check.steps.entries()) {
			if (signal.aborted) throw new Cancelled();
			currentStep = step.id;
			// Every step starts with no kept connections: one left idle by an earlier step may be closed by
			// the server just as a request is written on it (a stalled checker notices late), and a POST
			// lost that way is not the learner's fault.
			await http.close();
			http.resetTally();
			emit({type: 'step-start', lab: lab.id, step: step.id, title: step.title});
			if (check.restartAhead?.during === step.id && !ahead) startAhead(check.restartAhead.env);
			const stepStarted = Date.now();
			let waitingFor = 'the step to finish';
			let note: string | undefined;
			const context: StepContext = {
				lab: lab.id,
				host: HOST,
				port,
				baseUrl: `http://${HOST}:${port}`,
				env: runEnv,
				dir: relative(cwd, dir),
				labDir: dir,
				runItYourself: runLine(runEnv),
				process: current,
				primaryPid,
				http,
				memo,
				signal,
				waitingFor: what => {
					waitingFor = what;
				},
				fail: failure => {
					throw new CheckFailure(failure);
				},
				note: text => {
					note = text;
				},
				atEnd: cleanup => {
					cleanups.unshift(cleanup);
				},
				curl: pathAndQuery => `curl -si 'http://${HOST}:${port}${pathAndQuery}'`,
				async restart(extraEnv) {
					await current.stop();
					const copy = ahead;
					ahead = undefined;
					if (copy && sameVariables(copy.extraEnv, extraEnv)) {
						runEnv = copy.env;
						current = copy.process;
						labProcess = current;
						copy.takeOn();
						primaryPid = await primaryOf(current);
						port = Number(runEnv.PORT);
						await http.close();
						http = trafficClient();
						Object.assign(context, {port, baseUrl: `http://${HOST}:${port}`, http});
					} else {
						await copy?.process.stop();
						runEnv = {...env, ...extraEnv};
						({started: current, pid: primaryPid} = await start(runEnv));
					}
					context.process = current;
					context.primaryPid = primaryPid;
					context.env = runEnv;
					context.runItYourself = runLine(runEnv);
					context.waitingFor(`your program to listen again on ${HOST}:${port} after a restart with ${Object.entries(extraEnv).map(([key, value]) => `${key}=${value}`).join(' ')}`);
					const ready = await waitForListening(current, HOST, port, RESTART_READY_MS);
					if (!ready.ready) {
						context.fail({
							message: `After a restart with ${Object.entries(extraEnv).map(([key, value]) => `${key}=${value}`).join(' ')}, your program did not listen again`,
							expected: `a server on ${HOST}:${port}`,
							actual: ready.reason === 'exited' ? `it exited (code ${ready.code}, signal ${ready.signal})` : `nothing accepted connections within ${RESTART_READY_MS / 1000} s`,
							repro: runLine(runEnv),
						});
					}
				},
			};
			try {
				await withDeadline(step.run(context), step.timeoutMs, signal);
				emit({type: 'step-pass', lab: lab.id, step: step.id, title: step.title, durationMs: Date.now() - stepStarted, note});
			} catch (error) {
				if (error instanceof Cancelled) throw error;
				let failure: Failure;
				if (error instanceof CheckFailure) failure = {...error.failure};
				else if (error instanceof StepTimeout) {
					failure = {
						message: `This step did not finish within ${step.timeoutMs / 1000} s`,
						expected: `${waitingFor}`,
						actual: `still waiting after ${step.timeoutMs / 1000} s`,
						hint: 'Something in your program is not answering. Its last printed lines are below.',
					};
				} else throw error;
				const exit = current.exitInfo;
				if (exit && !failure.actual?.includes('exited')) {
					const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
					failure.actual = `${failure.actual ? `${failure.actual}\n` : ''}(your program ${how} during this step)`;
				}
				emit({type: 'step-fail', lab: lab.id, step: step.id, title: step.title, durationMs: Date.now() - stepStarted, failure});
				skipRest(index + 1, 'an earlier step failed');
				return end('failed');
			}
		}
		return end('passed');
	} catch (error) {
		if (error instanceof Cancelled) return end('error', 'cancelled');
		const message = error instanceof Error ? error.message : String(error);
		const detail = process.env.NCL_DEBUG && error instanceof Error ? `\n${error.stack}` : '';
		return end('error', `${message}${detail}`);
	} finally {
		currentStep = undefined;
		await http.close();
		await labProcess?.stop();
		await ahead?.process.stop();
		for (const cleanup of cleanups) {
			try {
				await cleanup();
			} catch {
				// A cleanup that fails must not hide the run's verdict; the keepers end what is left.
			}
		}
	}
}

/** Race a step against its deadline and the run's cancellation. */
async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, signal: AbortSignal): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	let onAbort: (() => void) | undefined;
	try {
		return await Promise.race([
			promise,
			new Promise<never>((_, reject) => {
				timer = setTimeout(() => reject(new StepTimeout()), timeoutMs);
			}),
			new Promise<never>((_, reject) => {
				onAbort = () => reject(new Cancelled());
				if (signal.aborted) onAbort();
				else signal.addEventListener('abort', onAbort, {once: true});
			}),
		]);
	} finally {
		clearTimeout(timer);
		if (onAbort) signal.removeEventListener('abort', onAbort);
	}
}
