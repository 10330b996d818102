/**
runProgram / runProgramSync (cli/harness/run-program.ts): a program that fails in
any way gives one sentence with the command and its own message, and nothing it
started outlives the failure. The programs are fakes in a temp folder put first
on PATH: one that exits 3 with a message, one that ignores SIGTERM and hangs,
one that prints lines and then waits to be stopped.
*/
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {isAlive} from '../../cli/harness/procfs.js';
import {ProgramError, runProgram, runProgramSync, startProgram} from '../../cli/harness/run-program.js';
import {UserError} from '../../cli/command.js';
import {eventually} from '../eventually.js';

let bin: string;
let env: Record<string, string>;

function fake(name: string, text: string): void {
	const file = path.join(bin, name);
	writeFileSync(file, text);
	chmodSync(file, 0o755);
}

beforeAll(() => {
	bin = mkdtempSync(path.join(os.tmpdir(), 'ncl-run-program-'));
	// Like `nginx -t` on a broken config: two lines on stderr, exit code 3.
	fake('fails', '#!/bin/sh\necho "fails: [emerg] unknown directive \\"lsiten\\" in /tmp/x.conf:3" >&2\necho "fails: configuration file /tmp/x.conf test failed" >&2\nexit 3\n');
	// Hangs and ignores the polite SIGTERM: only the SIGKILL that follows ends it. Writes its pid first.
	// (An ignored signal stays ignored across exec: sleep ignores SIGTERM too, and is the same pid.)
	fake('hangs', '#!/bin/sh\ntrap "" TERM\necho $$ > "$1"\necho still starting\nexec sleep 60\n');
	// Prints two lines, then waits until it is stopped.
	fake('streams', `#!${process.execPath}\nconsole.log('one');\nconsole.error('two');\nrequire('fs').writeFileSync(process.argv[2], String(process.pid));\nsetInterval(() => {}, 1000);\n`);
	fake('quiet-fail', '#!/bin/sh\nexit 1\n');
	writeFileSync(path.join(bin, 'not-executable'), 'echo hi\n');
	env = {PATH: `${bin}:${process.env.PATH ?? ''}`};
});

afterAll(() => rmSync(bin, {recursive: true, force: true}));

const pidFile = (name: string) => path.join(bin, `${name}-${Math.random().toString(36).slice(2)}.pid`);

async function failure(run: Promise<unknown> | (() => unknown)): Promise<ProgramError> {
	try {
		await (typeof run === 'function' ? run() : run);
	} catch (error) {
		expect(error).toBeInstanceOf(ProgramError);
		// A UserError: the CLI prints its message plainly, never a stack trace.
		expect(error).toBeInstanceOf(UserError);
		return error as ProgramError;
	}
	throw new Error('expected the program to fail, and it succeeded');
}

describe('one sentence with the command and its own message', () => {
	it('a non-zero exit: the exit code and what it printed on stderr, on one line', async () => {
		const error = await failure(runProgram('fails', ['-t', '-c', '/tmp/x.conf'], {env}));
		expect(error.message).toBe('`fails -t -c /tmp/x.conf` failed with exit code 3: fails: [emerg] unknown directive "lsiten" in /tmp/x.conf:3 / fails: configuration file /tmp/x.conf test failed.');
		expect(error.failure).toBe('exit-code');
		expect(error.exitCode).toBe(3);
	});

	it('a non-zero exit that printed nothing says so', async () => {
		const error = await failure(runProgram('quiet-fail', [], {env}));
		expect(error.message).toBe('`quiet-fail` failed with exit code 1 (it printed nothing).');
	});

	it('a program that is not installed (tmux missing): names it and PATH', async () => {
		const error = await failure(runProgram('tmux', ['-V'], {env: {PATH: bin}, extendEnv: false}));
		expect(error.message).toBe('`tmux -V` could not run: tmux is not installed or not on PATH.');
		expect(error.failure).toBe('not-found');
	});

	it('a working folder that does not exist is not mistaken for a missing program', async () => {
		const folder = path.join(bin, 'no-such-folder');
		const error = await failure(runProgram('fails', [], {env, cwd: folder}));
		expect(error.message).toBe(`\`fails\` could not run: its working folder ${folder} does not exist.`);
	});

	it('input goes to its stdin; a message that ends with a full stop is not given two', async () => {
		const error = await failure(runProgram('sh', ['-c', 'read line; echo "$line." >&2; exit 2'], {env, input: 'no such user\n'}));
		expect(error.message).toBe(`\`sh -c 'read line; echo "$line." >&2; exit 2'\` failed with exit code 2: no such user.`);
	});

	it('a file that is not executable', async () => {
		const file = path.join(bin, 'not-executable');
		const error = await failure(runProgram(file, [], {env}));
		expect(error.message).toBe(`\`${file}\` could not run: permission denied (is it executable?).`);
	});

	it('a program that hangs and ignores SIGTERM: stopped at the timeout, SIGKILLed after the grace, and gone', async () => {
		const pid = pidFile('hangs');
		const started = Date.now();
		const error = await failure(runProgram('hangs', [pid], {env, timeoutMs: 1000}));
		expect(error.message).toBe(`\`hangs ${pid}\` did not finish within 1 s and was stopped (it had printed: still starting).`);
		expect(error.failure).toBe('timeout');
		// It ignored SIGTERM: only the forced kill after FORCE_KILL_AFTER_MS (2 s) ended it.
		expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
		expect(isAlive(Number(readFileSync(pid, 'utf8')))).toBe(false);
	});

	it('the exit codes a caller expects are results, not failures', async () => {
		const result = await runProgram('fails', [], {env, okExitCodes: [0, 3]});
		expect(result.exitCode).toBe(3);
		expect(result.stderr).toMatch(/^fails: \[emerg\]/);
	});
});

describe('line by line, and cancelled by the run (Ctrl-C, a watch-mode restart)', () => {
	it('each line reaches onLine while the program still runs; aborting the signal stops it, and it is gone', async () => {
		const pid = pidFile('streams');
		const lines: string[] = [];
		const controller = new AbortController();
		const run = runProgram('streams', [pid], {env, cancelSignal: controller.signal, onLine: (stream, line) => lines.push(`${stream}: ${line}`)});
		const settled = run.then(
			() => undefined,
			(error: unknown) => error,
		);
		// Both lines arrive before the program ends: it never ends on its own.
		await eventually(() => expect(lines.sort()).toEqual(['stderr: two', 'stdout: one']));
		await eventually(() => expect(readFileSync(pid, 'utf8')).toMatch(/^\d+$/));
		controller.abort();
		const error = (await settled) as ProgramError;
		expect(error).toBeInstanceOf(ProgramError);
		expect(error.failure).toBe('canceled');
		expect(error.message).toBe(`\`streams ${pid}\` was stopped because the run was cancelled (it had printed: two).`);
		await eventually(() => expect(isAlive(Number(readFileSync(pid, 'utf8')))).toBe(false));
	});
});

describe('startProgram: a program in the background (a server)', () => {
	it('runs until it is signalled; then its result is one sentence naming the signal', async () => {
		const pid = pidFile('streams');
		const lines: string[] = [];
		const started = startProgram('streams', [pid], {env, timeoutMs: Number.POSITIVE_INFINITY, onLine: (_stream, line) => lines.push(line)});
		const settled = started.result.then(
			() => undefined,
			(error: unknown) => error,
		);
		await eventually(() => expect(lines.sort()).toEqual(['one', 'two']));
		expect(started.subprocess.kill('SIGTERM')).toBe(true);
		const error = (await settled) as ProgramError;
		expect(error).toBeInstanceOf(ProgramError);
		expect(error.failure).toBe('signal');
		expect(error.message).toBe(`\`streams ${pid}\` was killed by SIGTERM (it had printed: two).`);
	});
});

describe('runProgramSync', () => {
	it('gives the same sentences: a non-zero exit, a missing program, a timeout', async () => {
		expect((await failure(() => runProgramSync('fails', [], {env}))).message).toMatch(/^`fails` failed with exit code 3: fails: \[emerg\] unknown directive/);
		expect((await failure(() => runProgramSync('tmux', ['-V'], {env: {PATH: bin}, extendEnv: false}))).message).toBe('`tmux -V` could not run: tmux is not installed or not on PATH.');
		const pid = pidFile('hangs');
		const error = await failure(() => runProgramSync('hangs', [pid], {env, timeoutMs: 1000}));
		expect(error.message).toBe(`\`hangs ${pid}\` did not finish within 1 s and was stopped (it had printed: still starting).`);
		expect(isAlive(Number(readFileSync(pid, 'utf8')))).toBe(false);
	});

	it('returns the output, final newline kept when asked', () => {
		expect(runProgramSync('sh', ['-c', 'echo hi'], {env}).stdout).toBe('hi');
		expect(runProgramSync('sh', ['-c', 'echo hi'], {env, stripFinalNewline: false}).stdout).toBe('hi\n');
	});
});
