/**
Shared by the hygiene tests: start the bundled CLI the way a learner does, and
find every process a run against one lab folder left behind, by looking at
/proc rather than trusting anything the kit says about itself.
*/
import {cpSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {fileURLToPath} from 'node:url';
import {execa, type ResultPromise} from 'execa';
import {afterAll, afterEach, beforeAll} from 'vitest';
import {listProcs, type ProcInfo} from '../../cli/harness/procfs.js';
import {solutionsDir} from '../../cli/paths.js';

export const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The bundled CLI (`node scripts/bundle.mjs` builds it). */
export const cliFile = path.join(repoRoot, 'dist', 'cli.js');

export type Fixture = {
	/** The case name: test/fixtures/broken/<name>. */
	name: string;
	/** What --dir gets, relative to the repository (so the kit's own command line does not name lab). */
	dir: string;
	/** Absolute path of <case>/01-ipc, the folder the learner's program runs in. */
	lab: string;
};

export function brokenFixture(name: string): Fixture {
	const dir = path.join('test', 'fixtures', 'broken', name);
	return {name, dir, lab: path.join(repoRoot, dir, '01-ipc')};
}

/** A kit stack frame: `    at … cli/…` (sources) or `    at … dist/cli.js…` (the bundle). */
export const KIT_STACK_FRAME = /^\s+at .*(cli\/|dist\/cli\.js)/;

/** The lines of text that look like a stack frame from the kit's own code. */
export function kitStackFrames(text: string): string[] {
	return text.split('\n').filter(line => KIT_STACK_FRAME.test(line));
}

export type LabProc = ProcInfo & {cmdline: string; cwd: string | undefined};

function readCmdline(pid: number): string | undefined {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
	} catch {
		return undefined;
	}
}

function readCwd(pid: number): string | undefined {
	try {
		return readlinkSync(`/proc/${pid}/cwd`);
	} catch {
		return undefined;
	}
}

/**
Live processes (zombies excluded) that belong to a run against `labDir`: their
command line names it (the keeper, forked children) or they run inside it (the
learner's primary, `node --import tsx main.ts`, and tsx's esbuild service, whose
command lines don't name the folder at all).
*/
export function processesIn(labDir: string): LabProc[] {
	const found: LabProc[] = [];
	for (const proc of listProcs()) {
		if (proc.pid === process.pid || proc.state === 'Z' || proc.state === 'X') continue;
		const cmdline = readCmdline(proc.pid);
		const cwd = readCwd(proc.pid);
		const named = cmdline !== undefined && (cmdline.includes(`${labDir}/`) || cmdline.includes(`${labDir} `) || cmdline.endsWith(labDir));
		const inside = cwd !== undefined && (cwd === labDir || cwd.startsWith(`${labDir}/`));
		if (named || inside) found.push({...proc, cmdline: cmdline ?? '', cwd});
	}
	// A process can die between listProcs() and the reads above; check again.
	return found.filter(proc => {
		const state = readStatState(proc.pid);
		return state !== undefined && state !== 'Z' && state !== 'X';
	});
}

function readStatState(pid: number): string | undefined {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return text.slice(text.lastIndexOf(')') + 2).split(' ')[0];
	} catch {
		return undefined;
	}
}

export function describeProcs(procs: LabProc[]): string {
	return procs.map(proc => `pid ${proc.pid} (state ${proc.state}, ppid ${proc.ppid}, pgrp ${proc.pgrp}, cwd ${proc.cwd ?? '?'}): ${proc.cmdline}`).join('\n') || 'none';
}

/** Bounded polling: the probe's first defined answer, or undefined after timeoutMs. */
export async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, everyMs = 25): Promise<T | undefined> {
	const stopAt = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value !== undefined) return value;
		if (Date.now() >= stopAt) return undefined;
		await delay(everyMs);
	}
}

/**
Waits, bounded, until nothing of a run against labDir is alive; returns what is
still alive at the deadline (empty when all is well).
*/
export async function leftoversAfter(labDir: string, timeoutMs: number): Promise<LabProc[]> {
	const clean = await waitFor(() => (processesIn(labDir).length === 0 ? true : undefined), timeoutMs);
	return clean ? [] : processesIn(labDir);
}

/** SIGKILL, by pid, whatever a failed test left of a run against labDir, so later tests start clean. */
export function killLeftovers(labDir: string): void {
	for (const proc of processesIn(labDir)) {
		try {
			process.kill(proc.pid, 'SIGKILL');
		} catch {
			// Gone meanwhile.
		}
	}
}

export type KitRun = {
	subprocess: ResultPromise;
	pid: number;
	stdout: () => string;
	stderr: () => string;
	/** Resolves when the kit has exited and its output is fully read. */
	done: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
};

/**
Starts `node dist/cli.js <args>` from the repository root, detached (its own
process group, so a test can signal it, and a terminal's Ctrl-C aimed at vitest
does not reach it).
*/
export function startKit(args: string[], env: NodeJS.ProcessEnv = process.env): KitRun {
	let stdout = '';
	let stderr = '';
	const subprocess = execa(process.execPath, [cliFile, ...args], {
		cwd: repoRoot,
		detached: true,
		env,
		extendEnv: false,
		stdin: 'ignore',
		// Kept as printed, so a test can read it before the kit exits.
		stdout: {*transform(line: unknown) { stdout += String(line); yield line; }, preserveNewlines: true},
		stderr: {*transform(line: unknown) { stderr += String(line); yield line; }, preserveNewlines: true},
		stripFinalNewline: false,
		// How the kit ended is the test's to judge; the test kills its group itself.
		reject: false,
		cleanup: false,
	});
	const done = subprocess.then(result => {
		// It could not even start: the test's own mistake.
		if (result.exitCode === undefined && result.signal === undefined) throw result;
		return {code: result.exitCode ?? null, signal: result.signal ?? null};
	});
	return {subprocess, pid: subprocess.pid!, stdout: () => stdout, stderr: () => stderr, done};
}

/** Runs the kit to the end, SIGKILLing its process group if it takes longer than timeoutMs. */
export async function runKit(args: string[], timeoutMs: number): Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number}> {
	const started = Date.now();
	const kit = startKit(args);
	const timer = setTimeout(() => killGroup(kit.pid), timeoutMs);
	try {
		const {code, signal} = await kit.done;
		return {code, signal, stdout: kit.stdout(), stderr: kit.stderr(), ms: Date.now() - started};
	} finally {
		clearTimeout(timer);
	}
}

/** SIGKILL a process group this test started; quiet if it is gone. */
export function killGroup(pgid: number): void {
	try {
		process.kill(-pgid, 'SIGKILL');
	} catch {
		// ESRCH: already gone.
	}
}

/**
A scratch folder holding a copy of one lab's reference solution (with a
package.json of type module), made before the file's tests and removed after
them; whatever runs in it is killed after each test. `folder.tmp` is the
folder to pass as --dir, `folder.labDir` the lab's copy.
*/
export function solutionCopy(lab: string, prefix: string): {tmp: string; labDir: string} {
	const folder = {tmp: '', labDir: ''};
	beforeAll(() => {
		if (!existsSync(cliFile)) throw new Error(`${cliFile} is missing: build it with node scripts/bundle.mjs`);
		folder.tmp = mkdtempSync(path.join(os.tmpdir(), prefix));
		writeFileSync(path.join(folder.tmp, 'package.json'), '{"type": "module"}\n');
		folder.labDir = path.join(folder.tmp, lab);
		cpSync(path.join(solutionsDir, lab), folder.labDir, {recursive: true});
	});
	afterAll(() => {
		if (folder.tmp) rmSync(folder.tmp, {recursive: true, force: true});
	});
	afterEach(() => {
		if (folder.labDir) killLeftovers(folder.labDir);
	});
	return folder;
}

/** The nginx processes running in a lab's folder. */
export const nginxIn = (dir: string): LabProc[] => processesIn(dir).filter(proc => proc.comm === 'nginx');
