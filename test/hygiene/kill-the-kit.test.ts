/**
However a run ends (it passes, fails, times out, or the kit is interrupted by
Ctrl-C, SIGTERM, a closed terminal or SIGKILL), no learner process is left.

The fixtures are nasty on purpose: test/fixtures/broken/orphans forks 2 IPC
children that ignore disconnect and every polite signal (orphans-to-be) and
listens on PORT without ever answering; orphans-busy forks the same children and
then busy-loops, so no timer, signal handler or in-process watchdog in it can
ever run. Only the keeper (cli/harness/keeper.mjs), a separate process leading
the group, can end them.
*/
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {runProgramSync} from '../../cli/harness/run-program.js';
import {shellQuote, TmuxSession} from '../app/helpers/tmux.js';
import {solutionsDir} from '../../cli/paths.js';
import type {JsonReport} from '../../cli/reporters/json.js';
import {
	brokenFixture,
	cliFile,
	describeProcs,
	killGroup,
	killLeftovers,
	leftoversAfter,
	processesIn,
	repoRoot,
	startKit,
	waitFor,
	type Fixture,
	type KitRun,
	type LabProc,
} from './helpers.js';

/** How long the learner's tree may take to disappear once the kit is told to stop or dies. */
const GONE_WITHIN_MS = 5000;
/** How long the learner's tree may take to appear (tsx compiles main.ts, then the children). */
const TREE_WITHIN_MS = 15_000;

const hasTmux = (() => {
	try {
		runProgramSync('tmux', ['-V']);
		return true;
	} catch {
		return false;
	}
})();

const cleanups: Array<() => void> = [];

beforeAll(() => {
	if (!existsSync(cliFile)) throw new Error(`${cliFile} is missing: build it with node scripts/bundle.mjs`);
});

afterEach(() => {
	// Last in, first out: the kit's group first, then whatever it left.
	for (const cleanup of cleanups.splice(0).reverse()) {
		try {
			cleanup();
		} catch {
			// Best effort: a cleanup must not hide the test's own failure.
		}
	}
});

function startVerify(fixture: Fixture, extraArgs: string[] = []): KitRun {
	const kit = startKit(['verify', '01-ipc', '--dir', fixture.dir, ...extraArgs]);
	cleanups.push(() => killLeftovers(fixture.lab));
	cleanups.push(() => killGroup(kit.pid));
	return kit;
}

/**
Bounded wait until the learner's whole tree is up: the keeper, the primary and
both forked children (their command lines or working folders name the lab
folder: at least 4 processes). Returns it, so a test proves it saw something before saying it's gone.
*/
async function learnerTree(fixture: Fixture, kit?: KitRun): Promise<LabProc[]> {
	const tree = await waitFor(() => {
		const procs = processesIn(fixture.lab);
		const keeper = procs.some(proc => proc.cmdline.includes('keeper.mjs'));
		const primary = procs.some(proc => / main\.ts$/.test(proc.cmdline));
		const children = procs.filter(proc => proc.cmdline.includes(`${fixture.lab}/child.ts`));
		return keeper && primary && children.length >= 2 ? procs : undefined;
	}, TREE_WITHIN_MS);
	const context = kit ? `\n--- kit stdout:\n${kit.stdout()}\n--- kit stderr:\n${kit.stderr()}` : '';
	expect(tree, `the learner's tree never appeared; now: ${describeProcs(processesIn(fixture.lab))}${context}`).toBeDefined();
	// Only the children name the lab folder on their command lines (fork() was
	// given an absolute path); the keeper and the primary (`node --import tsx
	// main.ts`) are found by their working folder.
	expect(tree!.filter(proc => proc.cmdline.includes(fixture.lab)).length).toBeGreaterThanOrEqual(2);
	expect(tree!.length).toBeGreaterThanOrEqual(4);
	return tree!;
}

async function expectNothingLeft(fixture: Fixture, seen: LabProc[]): Promise<void> {
	const left = await leftoversAfter(fixture.lab, GONE_WITHIN_MS);
	expect(left, `still alive ${GONE_WITHIN_MS / 1000} s later:\n${describeProcs(left)}\n--- the tree before:\n${describeProcs(seen)}`).toEqual([]);
}

/**
Starts verify in a tmux pane, a real terminal: the kit is in the terminal's
foreground process group, as when a learner types the command. The pane stays
open after the kit exits so its last words and exit code can be read.
*/
function verifyInTerminal(fixture: Fixture): {terminal: TmuxSession; screen: () => string} {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'ncl-hygiene-tty-'));
	cleanups.push(() => rmSync(dir, {recursive: true, force: true}));
	const script = path.join(dir, 'run.sh');
	writeFileSync(
		script,
		[
			`env -u CI ${shellQuote(process.execPath)} ${shellQuote(cliFile)} verify 01-ipc --dir ${shellQuote(fixture.dir)}`,
			'echo "kit exit code: $?"',
			'',
		].join('\n'),
	);
	const terminal = new TmuxSession(`bash ${shellQuote(script)}`, {width: 120, height: 30, cwd: repoRoot});
	cleanups.push(() => terminal.kill());
	cleanups.push(() => killLeftovers(fixture.lab));
	return {terminal, screen: () => terminal.captureAll()};
}

for (const name of ['orphans', 'orphans-busy']) {
	const fixture = brokenFixture(name);

	describe(`a run against ${name} leaves no process behind`, () => {
		for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
			it(`when the kit gets ${signal}: exits ${code} and says it stopped everything`, async () => {
				const kit = startVerify(fixture);
				const tree = await learnerTree(fixture, kit);
				process.kill(kit.pid, signal);
				await expectNothingLeft(fixture, tree);
				const exit = await kit.done;
				expect(exit, kit.stderr()).toEqual({code, signal: null});
				expect(kit.stderr()).toContain(`node-cluster-lab: stopped by ${signal}; every process it started has been ended.`);
			});
		}

		it('when the kit is SIGKILLed (the keeper notices its lifeline close)', async () => {
			const kit = startVerify(fixture);
			const tree = await learnerTree(fixture, kit);
			process.kill(kit.pid, 'SIGKILL');
			expect(await kit.done).toEqual({code: null, signal: 'SIGKILL'});
			await expectNothingLeft(fixture, tree);
		});

		it.skipIf(!hasTmux)('on Ctrl-C in a real terminal', async () => {
			const {terminal, screen} = verifyInTerminal(fixture);
			const tree = await learnerTree(fixture);
			terminal.sendKeys('C-c');
			await expectNothingLeft(fixture, tree);
			const text = await waitFor(() => {
				const now = screen();
				return /kit exit code: \d+/.test(now) ? now : undefined;
			}, GONE_WITHIN_MS);
			expect(text, screen()).toBeDefined();
			expect(text).toMatch(/stopped by SIGINT; every process it started has been ended\./);
			expect(text).toMatch(/kit exit code: 130/);
		});

		it.skipIf(!hasTmux)('when the terminal is closed under it (SIGHUP)', async () => {
			const {terminal} = verifyInTerminal(fixture);
			const tree = await learnerTree(fixture);
			// The terminal's server goes, and with it the pane: the kit gets SIGHUP.
			terminal.kill();
			await expectNothingLeft(fixture, tree);
		});

		it('when verify runs to completion and fails', async () => {
			const kit = startVerify(fixture, ['--reporter', 'json']);
			const tree = await learnerTree(fixture, kit);
			const exit = await kit.done;
			// Once the kit has exited, nothing may be alive: no grace period.
			const left = processesIn(fixture.lab);
			expect(left, `alive after verify exited:\n${describeProcs(left)}\n--- the tree before:\n${describeProcs(tree)}`).toEqual([]);
			expect(exit, kit.stderr()).toEqual({code: 1, signal: null});
			const report = JSON.parse(kit.stdout()) as JsonReport;
			const failed = report.labs[0]!.steps.find(step => step.status === 'fail');
			// orphans never answers a request; orphans-busy never gets to listen. (Whether
			// the busy loop is also named depends on how much CPU the machine had spare,
			// so bad-input.test.ts checks that on a lone busy process instead.)
			if (name === 'orphans') expect(failed).toMatchObject({id: 'answers', message: 'GET /work?id=hello got no answer'});
			else expect(failed).toMatchObject({id: 'starts', message: expect.stringMatching(/^Nothing accepted connections on 127\.0\.0\.1:\d+ within \d+ s$/)});
		});
	});
}

describe('a passing run leaves no process behind', () => {
	it('the reference solution, copied to a folder of its own', async () => {
		// A private copy, so nobody else's run of solutions/ can be mistaken for ours.
		const root = mkdtempSync(path.join(os.tmpdir(), 'ncl-hygiene-pass-'));
		cleanups.push(() => rmSync(root, {recursive: true, force: true}));
		const lab = path.join(root, '01-ipc');
		mkdirSync(lab);
		for (const file of ['main.ts', 'worker.ts']) copyFileSync(path.join(solutionsDir, '01-ipc', file), path.join(lab, file));
		const fixture: Fixture = {name: 'solution', dir: root, lab};
		const kit = startVerify(fixture, ['--reporter', 'json']);
		const exit = await kit.done;
		const left = processesIn(lab);
		expect(left, `alive after verify exited:\n${describeProcs(left)}`).toEqual([]);
		expect(exit, `${kit.stdout()}\n${kit.stderr()}`).toEqual({code: 0, signal: null});
		expect((JSON.parse(kit.stdout()) as JsonReport).status).toBe('pass');
	});
});
