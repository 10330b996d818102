/**
Helpers for the end-to-end tests: they run the bundled CLI (dist/cli.js) as a
separate process, the way a learner's shell or npx would.
*/
import {randomUUID} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {setTimeout as delay} from 'node:timers/promises';
import {execa, type ResultPromise} from 'execa';
import {runProgramSync} from '../../cli/harness/run-program.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliFile = path.join(repoRoot, 'dist', 'cli.js');
export const kitVersion = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {version: string}).version;

/** Every CLI this suite starts carries this variable, and so does every process the CLI starts: see survivors(). */
export const MARKER_VAR = 'NCL_E2E_RUN';
export const marker = randomUUID();

/** Bundle cli/ into dist/cli.js, as `npm run build` does. */
export function buildCli(): void {
	runProgramSync(process.execPath, ['scripts/bundle.mjs'], {cwd: repoRoot, timeoutMs: 60_000});
}

/**
The environment of a learner's plain shell: no CI or GitHub variables, no
debugging or locking switches the host may have set, no colours.
*/
function baseEnv(): Record<string, string> {
	const env: Record<string, string> = {};
	for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'USER']) {
		const value = process.env[key];
		if (value !== undefined) env[key] = value;
	}
	return {...env, NO_COLOR: '1', [MARKER_VAR]: marker};
}

export type CliResult = {code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string};

export type RunOptions = {
	cwd: string;
	/** Added to (or, when undefined, removed from) the clean environment. */
	env?: Record<string, string | undefined>;
	timeoutMs?: number;
};

export type CliRun = {
	/** The CLI's process: to signal it (Ctrl-C is kill('SIGINT')). */
	subprocess: ResultPromise;
	/** Resolves when it has exited and its output is fully read. */
	exited: Promise<CliResult>;
	/** Bounded wait until its stdout (or stderr), read line by line as printed, shows `pattern`; fails the test with its output if not. */
	sees: (pattern: RegExp, timeoutMs?: number, stream?: 'stdout' | 'stderr') => Promise<void>;
	stdout: () => string;
	stderr: () => string;
};

/**
Start `node dist/cli.js ...args` without waiting. stdin is /dev/null, so never a
TTY; stdout and stderr are kept line by line as it prints them.
*/
export function startCli(args: string[], options: RunOptions): CliRun {
	const env: Record<string, string> = baseEnv();
	for (const [key, value] of Object.entries(options.env ?? {})) {
		if (value === undefined) delete env[key];
		else env[key] = value;
	}
	let stdout = '';
	let stderr = '';
	const subprocess = execa(process.execPath, [cliFile, ...args], {
		cwd: options.cwd,
		env,
		extendEnv: false,
		stdin: 'ignore',
		// Line by line, as printed (final newline kept: tests compare output exactly).
		stdout: {
			*transform(line: unknown) {
				stdout += String(line);
				yield line;
			},
			preserveNewlines: true,
		},
		stderr: {
			*transform(line: unknown) {
				stderr += String(line);
				yield line;
			},
			preserveNewlines: true,
		},
		stripFinalNewline: false,
		timeout: options.timeoutMs ?? 50_000,
		killSignal: 'SIGTERM',
		// A CLI that ignores the SIGTERM of the timeout is killed; the test then fails on its code.
		forceKillAfterDelay: 5000,
		// A non-zero exit or a signal is a result to check, not an error.
		reject: false,
	});
	const exited = subprocess.then(result => {
		// It could not even start (no such cwd…): that is the test's own mistake.
		if (result.exitCode === undefined && result.signal === undefined) throw result;
		return {code: result.exitCode ?? null, signal: result.signal ?? null, stdout: result.stdout, stderr: result.stderr};
	});
	const sees = async (pattern: RegExp, timeoutMs = 8000, stream: 'stdout' | 'stderr' = 'stdout') => {
		const shown = () => pattern.test(stream === 'stdout' ? stdout : stderr);
		const deadline = Date.now() + timeoutMs;
		while (!shown() && Date.now() < deadline) await delay(20);
		if (!shown()) throw new Error(`the CLI's ${stream} did not show ${pattern} within ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`);
	};
	return {subprocess, exited, sees, stdout: () => stdout, stderr: () => stderr};
}

/** Run `node dist/cli.js ...args` and wait for it to exit. stdin is /dev/null, so never a TTY. */
export function runCli(args: string[], options: RunOptions): Promise<CliResult> {
	return startCli(args, options).exited;
}

const tempRoots: string[] = [];

/** A fresh empty folder under the OS temp folder, removed by removeTempDirs(). */
export function tempDir(prefix = 'ncl-e2e-'): string {
	const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
	tempRoots.push(dir);
	return dir;
}

export function removeTempDirs(): void {
	for (const dir of tempRoots.splice(0)) fs.rmSync(dir, {recursive: true, force: true});
}

/** Create a workspace with the CLI itself; returns its absolute path. */
export async function initWorkspace(name = 'my-labs'): Promise<string> {
	const parent = tempDir();
	const result = await runCli(['init', name], {cwd: parent});
	if (result.code !== 0) throw new Error(`init failed (${result.code}): ${result.stderr}`);
	return path.join(parent, name);
}

export function readState(workspace: string): {
	format: number;
	kit: string;
	current?: string;
	solutionsLocked?: boolean;
	labs: Record<string, {status: string; lastRun: string; passedAt?: string; hintsShown?: number}>;
} {
	return JSON.parse(fs.readFileSync(path.join(workspace, 'node-cluster-lab.json'), 'utf8'));
}

export function writeState(workspace: string, change: (state: Record<string, unknown>) => void): void {
	const file = path.join(workspace, 'node-cluster-lab.json');
	const state = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
	change(state);
	fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

/** Every file under dir (relative paths, sorted) with its content: to compare trees. */
export function snapshotTree(dir: string): Record<string, string> {
	const files: Record<string, string> = {};
	const walk = (sub: string) => {
		for (const entry of fs.readdirSync(path.join(dir, sub), {withFileTypes: true})) {
			const rel = path.join(sub, entry.name);
			if (entry.isDirectory()) walk(rel);
			else files[rel] = fs.readFileSync(path.join(dir, rel), 'utf8');
		}
	};
	walk('');
	return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}

/** Lines of a stack trace ("    at foo (file:1:2)"). */
export function stackLines(text: string): string[] {
	return text.split('\n').filter(line => /^\s+at /.test(line));
}

/**
Live processes (not zombies) that inherited this suite's marker: anything the
CLI or the learner's program started and left running after the CLI exited.
*/
export function survivors(): string[] {
	const found: string[] = [];
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const environ = fs.readFileSync(`/proc/${name}/environ`, 'latin1');
			if (!environ.split('\0').includes(`${MARKER_VAR}=${marker}`)) continue;
			const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
			const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
			if (state === 'Z' || state === 'X') continue;
			const args = fs.readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').join(' ').trim();
			found.push(`${name} ${args}`);
		} catch {
			// Gone, or not ours to read.
		}
	}
	return found;
}
