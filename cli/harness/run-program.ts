/**
Running another program (nginx, tmux, a tool) and wanting its result: the one
way the kit and its tests do it, on execa. A failure becomes a ProgramError: a
UserError whose message is one plain sentence with the command and the
program's own message, which the CLI prints as it is (never a stack trace).

    const {stdout} = await runProgram('nginx', ['-t', '-c', conf], {cancelSignal: context.signal});
    // fails with: `nginx -t -c /tmp/x/nginx.conf` failed with exit code 1: nginx: [emerg] unknown directive "lsiten" in /tmp/x/nginx.conf:3

In a checker, pass the run's AbortSignal as cancelSignal: a watch-mode restart or
Ctrl-C in the app then stops the program. When the kit itself exits (Ctrl-C,
SIGTERM or process.exit on the command line), execa's `cleanup` ends it.

Not for the learner's own program: that runs under the keeper (lab-process.ts),
in a process group of its own.
*/
import type {ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {execa, execaSync, ExecaError, ExecaSyncError, type Options, type SyncOptions} from 'execa';
import {UserError} from '../command.js';

export type ProgramOptions = {
	cwd?: string;
	/** The whole environment, or added to the kit's when extendEnv is true (the default). */
	env?: Record<string, string | undefined>;
	extendEnv?: boolean;
	/** Stop it (SIGTERM, then SIGKILL after FORCE_KILL_AFTER_MS) after this long. Default 10 s. */
	timeoutMs?: number;
	/** Aborting it stops the program the same way (a run cancelled by Ctrl-C or a watch-mode restart). */
	cancelSignal?: AbortSignal;
	/** Each line it prints, as it prints it (the result still holds all of it). */
	onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
	/** Written to its stdin; without it stdin is empty. */
	input?: string;
	/** Drop the final newline of stdout and stderr (default true); false keeps the output exactly as printed. */
	stripFinalNewline?: boolean;
	/** Exit codes that are answers rather than failures (e.g. `grep` finding nothing: 1). Default [0]. */
	okExitCodes?: readonly number[];
};

export type ProgramResult = {command: string; exitCode: number; stdout: string; stderr: string};

/** The default time a program may take. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** After the polite SIGTERM (a timeout or a cancel), how long before SIGKILL. */
export const FORCE_KILL_AFTER_MS = 2000;
/** At most this much of the program's own message goes into the sentence. */
const MESSAGE_CHARS = 400;

export type ProgramFailure = 'not-found' | 'cannot-run' | 'exit-code' | 'signal' | 'timeout' | 'canceled';

/** A program failed: `message` is the sentence for the learner. */
export class ProgramError extends UserError {
	constructor(
		message: string,
		readonly command: string,
		readonly failure: ProgramFailure,
		readonly exitCode: number | undefined,
		readonly stdout: string,
		readonly stderr: string,
	) {
		super(message);
		this.name = 'ProgramError';
	}
}

/** What the program said last about itself: its stderr, else its stdout, on one line. */
function ownMessage(stderr: string, stdout: string): string {
	const text = stderr.trim() || stdout.trim();
	const line = text
		.split(/\r?\n/)
		.map(part => part.trim())
		.filter(Boolean)
		.join(' / ');
	// The sentence ends with its own full stop.
	return line.length > MESSAGE_CHARS ? `${line.slice(0, MESSAGE_CHARS - 1)}…` : line.replace(/\.$/, '');
}

function text(value: unknown): string {
	return typeof value === 'string' ? value : Array.isArray(value) ? value.join('\n') : '';
}

function seconds(ms: number): string {
	return `${Number((ms / 1000).toFixed(1))} s`;
}

/**
The one plain sentence for a program that did not do what was asked: the
command and its own message. Anything else (not a program's failure) gives its
message as it is.
*/
export function describeProgramFailure(error: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): {sentence: string; failure: ProgramFailure | undefined} {
	if (!(error instanceof ExecaError || error instanceof ExecaSyncError)) return {sentence: (error as Error)?.message ?? String(error), failure: undefined};
	const command = `\`${error.escapedCommand}\``;
	const said = ownMessage(text(error.stderr), text(error.stdout));
	const tail = said ? `: ${said}` : '';
	const code = (error.cause as NodeJS.ErrnoException | undefined)?.code ?? (error as {code?: string}).code;
	if (code === 'ENOENT' && error.exitCode === undefined) {
		if (error.cwd && !existsSync(error.cwd)) return {sentence: `${command} could not run: its working folder ${error.cwd} does not exist.`, failure: 'cannot-run'};
		const name = error.command.split(' ')[0];
		return {sentence: `${command} could not run: ${name} is not installed or not on PATH.`, failure: 'not-found'};
	}
	if ((code === 'EACCES' || code === 'ENOEXEC') && error.exitCode === undefined) {
		return {sentence: `${command} could not run: ${code === 'EACCES' ? 'permission denied (is it executable?)' : 'not a program this system can run'}.`, failure: 'cannot-run'};
	}
	const lastWords = said ? ` (it had printed: ${said})` : '';
	if (error.timedOut) return {sentence: `${command} did not finish within ${seconds(timeoutMs)} and was stopped${lastWords}.`, failure: 'timeout'};
	if (error.isCanceled) return {sentence: `${command} was stopped because the run was cancelled${lastWords}.`, failure: 'canceled'};
	if (error.exitCode !== undefined) return {sentence: `${command} failed with exit code ${error.exitCode}${tail || ' (it printed nothing)'}.`, failure: 'exit-code'};
	if (error.signal) return {sentence: `${command} was killed by ${error.signal}${lastWords}.`, failure: 'signal'};
	return {sentence: `${command} could not run: ${error.originalMessage || error.shortMessage}.`, failure: 'cannot-run'};
}

function toProgramError(error: unknown, timeoutMs: number): unknown {
	if (!(error instanceof ExecaError || error instanceof ExecaSyncError)) return error;
	const {sentence, failure} = describeProgramFailure(error, timeoutMs);
	return new ProgramError(sentence, error.escapedCommand, failure ?? 'cannot-run', error.exitCode, text(error.stdout), text(error.stderr));
}

function commonOptions(options: ProgramOptions) {
	return {
		cwd: options.cwd,
		env: options.env,
		extendEnv: options.extendEnv ?? true,
		stdin: options.input === undefined ? ('ignore' as const) : ('pipe' as const),
		input: options.input,
		timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
		stripFinalNewline: options.stripFinalNewline ?? true,
		// A failure comes back as the error object: finish() decides, by okExitCodes.
		reject: false,
	};
}

/** A program started in the background: its process, and how it ends. */
export type StartedProgram = {
	/** To signal it or write to its stdin. */
	subprocess: ChildProcess;
	/** What it printed once it exits; a ProgramError (one sentence) if it fails in any way, a kill included. */
	result: Promise<ProgramResult>;
};

/**
Start `file args…` without waiting (a server such as nginx in the foreground).
The same timeout (pass Infinity for none), cancelSignal, onLine and cleanup as
runProgram; `result` settles when it ends.
*/
export function startProgram(file: string, args: readonly string[], options: ProgramOptions = {}): StartedProgram {
	const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const okExitCodes = options.okExitCodes ?? [0];
	const onLine = options.onLine;
	const execaOptions: Options = {
		...commonOptions(options),
		timeout: timeoutMs === Number.POSITIVE_INFINITY ? undefined : timeoutMs,
		forceKillAfterDelay: FORCE_KILL_AFTER_MS,
		cancelSignal: options.cancelSignal,
		// Nothing it starts may outlive the kit: killed when the kit exits.
		cleanup: true,
		// Line by line, as it prints (the result still holds all of it).
		...(onLine
			? {
					stdout: [function* (line: unknown) { onLine('stdout', String(line)); yield line; }, 'pipe'],
					stderr: [function* (line: unknown) { onLine('stderr', String(line)); yield line; }, 'pipe'],
				}
			: {}),
	};
	const subprocess = execa(file, args, execaOptions);
	const result = subprocess.then(
		done => finish(done, okExitCodes, timeoutMs),
		(error: unknown) => {
			throw toProgramError(error, timeoutMs);
		},
	);
	return {subprocess, result};
}

/**
Run `file args…` to the end and return what it printed; a ProgramError (one
sentence) if it cannot start, exits with a code not in okExitCodes, is killed,
times out or is cancelled.
*/
export function runProgram(file: string, args: readonly string[], options: ProgramOptions = {}): Promise<ProgramResult> {
	return startProgram(file, args, options).result;
}

/** The same, synchronously (no cancelSignal, no line callback; the timeout still holds). */
export function runProgramSync(file: string, args: readonly string[], options: Omit<ProgramOptions, 'cancelSignal' | 'onLine'> = {}): ProgramResult {
	const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	// No forceKillAfterDelay in sync mode: a timeout kills at once.
	const syncOptions: SyncOptions = {...commonOptions(options), killSignal: 'SIGKILL'};
	let result;
	try {
		result = execaSync(file, args, syncOptions);
	} catch (error) {
		throw toProgramError(error, timeoutMs);
	}
	return finish(result, options.okExitCodes ?? [0], timeoutMs);
}

function finish(
	result: {failed: boolean; exitCode?: number; escapedCommand: string; stdout: unknown; stderr: unknown} & Partial<Pick<ExecaError, 'timedOut' | 'isCanceled' | 'signal'>>,
	okExitCodes: readonly number[],
	timeoutMs: number,
): ProgramResult {
	// With reject: false a failure comes back as the error object itself.
	if (result.failed && !(result.exitCode !== undefined && okExitCodes.includes(result.exitCode) && !result.timedOut && !result.isCanceled && !result.signal)) {
		throw toProgramError(result, timeoutMs);
	}
	return {command: result.escapedCommand, exitCode: result.exitCode ?? 0, stdout: text(result.stdout), stderr: text(result.stderr)};
}
