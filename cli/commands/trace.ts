import {accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {constants as osConstants, tmpdir} from 'node:os';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {UsageError, UserError, type Command, type Io} from '../command.js';
import {pollUntil} from '../checks/common.js';
import {isMessage, isStart, spyEnvironment, TraceTail, type TraceEvent} from '../harness/ipc-trace.js';
import {LabProcess, startKeeper, type ExitInfo} from '../harness/lab-process.js';
import {childrenOf, environ, isAlive} from '../harness/procfs.js';
import {Timeline} from '../harness/trace-timeline.js';
import {packageRoot, tsxLoaderUrl} from '../paths.js';

/** Runs the command under the keeper: the keeper only starts Node, this starts anything. */
const launcherFile = path.join(packageRoot, 'cli', 'harness', 'trace-launcher.mjs');
/** How often the trace file is read for new lines. */
const POLL_MS = 50;
/** After SIGTERM (--timeout) or SIGINT (Ctrl-C): how long the program may take to shut down before it is killed. */
const SHUTDOWN_GRACE_MS = 3000;
/** After the program's first process exits: how long the rest of its tree may take to follow (cluster workers take ~10 ms). */
const TREE_GRACE_MS = 1000;
const MAX_TIMEOUT_S = 24 * 3600;
/** A first word with one of these runs as a script with the kit's Node and tsx loader, as verify does. */
const SCRIPT = /\.(?:[cm]?ts|[cm]?js)$/;

export type TraceOptions = {
	/** What to start: the command as given, or the kit's node + tsx for a script path. */
	argv: string[];
	all: boolean;
	json: boolean;
	timeoutMs: number | undefined;
	/** Keep the raw trace (JSON lines) in this file. */
	save: string | undefined;
};

function isExecutable(file: string): boolean {
	try {
		accessSync(file, constants.X_OK);
		return statSync(file).isFile();
	} catch {
		return false;
	}
}

function onPath(name: string, pathVariable: string | undefined): boolean {
	return (pathVariable ?? '').split(path.delimiter).some(dir => dir !== '' && isExecutable(path.join(dir, name)));
}

/**
The command line to start, or a UserError naming what is missing: a script path
runs with the kit's Node and tsx (so .ts works without setup); anything else
must be an executable on PATH or at the path given.
*/
export function resolveCommand(words: string[], cwd: string, pathVariable: string | undefined): string[] {
	const [first, ...rest] = words as [string, ...string[]];
	if (SCRIPT.test(first)) {
		const file = path.resolve(cwd, first);
		if (!existsSync(file)) throw new UserError(`no such file: ${first} (looked in ${cwd})`);
		return [process.execPath, '--import', tsxLoaderUrl, file, ...rest];
	}
	if (first.includes('/')) {
		if (!isExecutable(path.resolve(cwd, first))) throw new UserError(`cannot run ${first}: ${existsSync(path.resolve(cwd, first)) ? 'not an executable file' : 'no such file'}`);
	} else if (!onPath(first, pathVariable)) {
		throw new UserError(`command not found: ${first}`);
	}
	// `node app.js`: say plainly that app.js is missing rather than let Node print a stack trace.
	const script = rest[0];
	if (/^node(?:js)?$/.test(path.basename(first)) && script !== undefined && !script.startsWith('-') && SCRIPT.test(script) && !existsSync(path.resolve(cwd, script))) {
		throw new UserError(`no such file: ${script} (looked in ${cwd})`);
	}
	return words;
}

export function parseTraceArgs(values: Record<string, unknown>, positionals: string[], io: Pick<Io, 'cwd' | 'env'>): TraceOptions {
	if (positionals.length === 0) throw new UsageError('name the command to trace after --, e.g. trace -- node app.js');
	let timeoutMs: number | undefined;
	if (values.timeout !== undefined) {
		const text = String(values.timeout).trim();
		const seconds = Number(text);
		if (!/^\d+(?:\.\d+)?$/.test(text) || seconds <= 0 || seconds > MAX_TIMEOUT_S) throw new UsageError(`--timeout takes seconds, more than 0 and at most ${MAX_TIMEOUT_S}, not '${text}'`);
		timeoutMs = seconds * 1000;
	}
	const save = typeof values.save === 'string' ? values.save : undefined;
	return {argv: resolveCommand(positionals, io.cwd, io.env.PATH), all: Boolean(values.all), json: Boolean(values.json), timeoutMs, save};
}

/** Where a pid's role comes from before its own start line is read. */
const procLookup = {
	uniqueId: (pid: number) => {
		const env = environ(pid);
		return env === undefined ? undefined : (env.NODE_UNIQUE_ID ?? null);
	},
};

/**
The program gets the environment it would get from the shell (unlike verify,
which cleans it: NODE_CLUSTER_SCHED_POLICY and NODE_OPTIONS are the learner's to
try here), except what would make it pose as a cluster worker or IPC child.
The spy is added to the user's NODE_OPTIONS; the launcher hands that on, so the
keeper and the launcher themselves stay untraced.
*/
export function traceEnvironment(file: string, env: Record<string, string | undefined>): Record<string, string> {
	const clean: Record<string, string> = {};
	for (const [key, value] of Object.entries(env)) {
		if (value !== undefined && !['NODE_UNIQUE_ID', 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE', 'NODE_OPTIONS'].includes(key)) clean[key] = value;
	}
	const spy = spyEnvironment(file);
	return {...clean, NCL_TRACE_FILE: spy.NCL_TRACE_FILE, NCL_TRACE_NODE_OPTIONS: [env.NODE_OPTIONS, spy.NODE_OPTIONS].filter(Boolean).join(' ')};
}

function exitCode(info: ExitInfo): number {
	if (info.code !== null) return info.code;
	const number = info.signal ? osConstants.signals[info.signal as NodeJS.Signals] : undefined;
	return number === undefined ? 1 : 128 + number;
}

function describeExit(info: ExitInfo): string {
	return info.code !== null ? `exited with code ${info.code}` : `was killed by ${info.signal ?? 'a signal'}`;
}

const TEMP_PREFIX = 'ncl-trace-';

/**
A kit killed by SIGKILL cannot remove its trace folder: the next trace does,
for every folder whose kit (the pid in its name) is gone.
*/
function sweepStaleTraceDirs(): void {
	try {
		for (const name of readdirSync(tmpdir())) {
			const pid = new RegExp(`^${TEMP_PREFIX}(\\d+)-`).exec(name)?.[1];
			if (pid !== undefined && !isAlive(Number(pid))) rmSync(path.join(tmpdir(), name), {recursive: true, force: true});
		}
	} catch {
		// Only housekeeping.
	}
}

/**
Start the program under a keeper with the spy preloaded everywhere, print the
timeline as the trace file grows, stop it when it ends (or on --timeout or
Ctrl-C) and print a summary. Returns the exit code for the kit.
*/
export async function traceProgram(options: TraceOptions, io: Io): Promise<number> {
	sweepStaleTraceDirs();
	const tempDir = mkdtempSync(path.join(tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
	const file = options.save ? path.resolve(io.cwd, options.save) : path.join(tempDir, 'trace.jsonl');
	try {
		writeFileSync(file, '');
	} catch (error) {
		rmSync(tempDir, {recursive: true, force: true});
		throw new UserError(`--save ${options.save}: cannot write there (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
	}

	// The keeper leads a new process group, killed whole at the end.
	const keeper = startKeeper([launcherFile, ...options.argv], {cwd: io.cwd, env: traceEnvironment(file, io.env)});
	// With --json, stdout carries only events: the program's own stdout goes to stderr.
	const lab = new LabProcess(keeper, (stream, line) => (stream === 'stdout' && !options.json ? io.out(line) : io.err(line)));

	const tail = new TraceTail(file);
	const timeline = new Timeline({all: options.all, cwd: io.cwd, procs: procLookup});
	let traced = 0;
	/** The program's first process: the one the launcher started. */
	let topPid: number | undefined;
	let launcherPid: number | undefined;
	const show = (events: TraceEvent[]) => {
		for (const event of events) {
			if (!isStart(event)) continue;
			traced++;
			if (launcherPid !== undefined && event.ppid === launcherPid) topPid ??= event.pid;
		}
		if (options.json) {
			for (const event of events) if (!isMessage(event) || event.internal || options.all) io.out(JSON.stringify(event));
		} else {
			for (const line of timeline.addAll(events)) io.out(line);
		}
	};
	if (!options.json) io.out(timeline.header());
	const poll = setInterval(() => show(tail.read()), POLL_MS);

	let finished = false;
	// `trace ... | head`: once the reader is gone there is no one to show the rest to. End the
	// program (the 'exit' hooks of lab-process kill its group) rather than crash on EPIPE.
	const onOutputError = (error: NodeJS.ErrnoException) => {
		if (error.code !== 'EPIPE') throw error;
		finished = true;
		rmSync(tempDir, {recursive: true, force: true});
		process.exit(141); // 128 + SIGPIPE, as a shell reports a reader that went away
	};
	process.stdout.on('error', onOutputError);
	process.stderr.on('error', onOutputError);
	const finish = () => {
		if (finished) return;
		finished = true;
		clearInterval(poll);
		show(tail.end());
		if (topPid !== undefined && lab.exitInfo?.signal) timeline.killedBy(topPid, lab.exitInfo.signal);
		if (!options.json) {
			io.out('');
			for (const line of timeline.summary()) io.out(line);
		}
		if (traced === 0) io.err('No Node.js process loaded the IPC spy: is the command a Node.js program? (A program that clears NODE_OPTIONS for its children hides them from the trace.)');
		if (options.save) io.err(`The raw trace (one JSON object a line) is in ${file}`);
		rmSync(tempDir, {recursive: true, force: true});
	};
	// SIGTERM or SIGHUP to the kit end it through process.exit (see main.ts): still show what was traced.
	process.once('exit', finish);

	// Ctrl-C acts as in a terminal: SIGINT to every process of the program, which may shut
	// down cleanly (and show its disconnect messages); a second Ctrl-C kills them at once.
	launcherPid = await lab.primaryPid;
	const programPids = () => lab.members().filter(pid => pid !== launcherPid);
	let interrupts = 0;
	let interrupted!: () => void;
	let interruptedAgain!: () => void;
	const firstInterrupt = new Promise<'interrupt'>(resolve => {
		interrupted = () => resolve('interrupt');
	});
	const secondInterrupt = new Promise<'kill'>(resolve => {
		interruptedAgain = () => resolve('kill');
	});
	const onSigint = () => {
		interrupts++;
		if (interrupts > 1) return interruptedAgain();
		for (const pid of programPids()) {
			try {
				process.kill(pid, 'SIGINT');
			} catch {
				// Gone meanwhile.
			}
		}
		io.err('(Ctrl-C: SIGINT sent to every process of the program, as a terminal does. Ctrl-C again kills them at once.)');
		interrupted();
	};
	const savedSigint = process.listeners('SIGINT');
	process.removeAllListeners('SIGINT');
	process.on('SIGINT', onSigint);

	let stoppedByUs = false;
	try {
		const exited = lab.exited.then(() => 'exited' as const);
		const deadline = options.timeoutMs === undefined ? new Promise<never>(() => {}) : delay(options.timeoutMs, 'timeout' as const, {ref: false});
		const first = await Promise.race([exited, deadline, firstInterrupt]);
		if (first === 'timeout') {
			const top = topPid ?? (launcherPid === undefined ? undefined : childrenOf(launcherPid)[0]?.pid);
			io.err(`(--timeout: ${options.timeoutMs! / 1000} s are up; SIGTERM sent to the program${top ? `, pid ${top}` : ''}.)`);
			try {
				if (top !== undefined) process.kill(top, 'SIGTERM');
			} catch {
				// It ended meanwhile.
			}
		}
		if (first !== 'exited') {
			stoppedByUs = true;
			await Promise.race([exited, delay(SHUTDOWN_GRACE_MS, undefined, {ref: false}), secondInterrupt]);
		}
		// The first process is gone; the rest of the tree usually follows (workers exit on disconnect).
		if (lab.exitInfo) await Promise.race([pollUntil(() => (programPids().length === 0 ? true : undefined), TREE_GRACE_MS), secondInterrupt]);
		const leftover = programPids();
		if (leftover.length > 0) io.err(`(${leftover.length} process${leftover.length === 1 ? '' : 'es'} of the program still ran${lab.exitInfo ? ' after its first process ended' : ''}: killed pid ${leftover.join(', ')}.)`);
		await lab.stop();
	} finally {
		process.off('SIGINT', onSigint);
		for (const listener of savedSigint) process.on('SIGINT', listener as () => void);
		await lab.stop();
		process.off('exit', finish);
		finish();
		process.stdout.off('error', onOutputError);
		process.stderr.off('error', onOutputError);
	}

	const info = lab.exitInfo ?? {code: null, signal: 'SIGKILL'};
	if (interrupts > 0) return 130;
	if (stoppedByUs) return 0;
	if (info.code !== 0) io.err(`node-cluster-lab trace: the program ${describeExit(info)}.`);
	return exitCode(info);
}

export const traceCommand: Command = {
	name: 'trace',
	summary: 'run a program and print the IPC messages between its processes',
	usage: 'trace [--all] [--json] [--timeout <s>] [--save <file>] -- <command...>',
	help: [
		'Runs <command> (e.g. node app.js, npx tsx main.ts, or just main.ts) with an IPC spy preloaded',
		'into every Node.js process of its tree, and prints, as they happen, the messages those',
		'processes send each other over their IPC channels: a cluster worker\'s online, queryServer',
		'and its reply (with the handle key, and a listening handle or none), listening, newconn',
		'carrying each connection\'s handle, NODE_HANDLE_ACK, accepted, disconnect, close. Each line:',
		'ms since the start, sender → receiver (primary, worker#<id> or node, with the pid), the message.',
		'The program\'s own output passes through. A summary follows when it ends.',
		'',
		'A first word ending in .ts or .js runs with the kit\'s Node.js and tsx, as verify does; any',
		'other command runs as it is, with the Node.js on your PATH: see your own version\'s messages.',
		'',
		'  --all            also show the program\'s own messages (send() calls), not only Node\'s',
		'  --json           print the raw events, one JSON object a line, instead of the timeline',
		'                   (the program\'s stdout then goes to stderr)',
		'  --timeout <s>    after <s> seconds send SIGTERM to the program, as `kill` would',
		'  --save <file>    keep the raw trace in <file>',
		'',
		'Ctrl-C sends SIGINT to every process of the program, as a terminal does, and waits up to',
		`${SHUTDOWN_GRACE_MS / 1000} s for it to shut down; press it again to kill it at once. The program runs in its`,
		'own process group: nothing of it outlives the trace. Exit code: the program\'s.',
	].join('\n'),
	options: {
		all: {type: 'boolean'},
		json: {type: 'boolean'},
		timeout: {type: 'string'},
		save: {type: 'string'},
	},
	async run({values, positionals}, io) {
		return traceProgram(parseTraceArgs(values, positionals, io), io);
	},
};
