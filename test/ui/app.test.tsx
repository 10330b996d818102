import {existsSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {cleanup, render} from 'ink-testing-library';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {AppSession} from '../../cli/app/session.js';
import {runLab} from '../../cli/checks/runner.js';
import {App} from '../../cli/ui/App.js';
import {BACKUPS_DIR, type Workspace} from '../../cli/workspace.js';
import {fakeRunLab, fakeWatchFolder, type FakeRun, type FakeWatcher} from '../app/helpers/fakes.js';
import {removeTempWorkspaces, tempWorkspace} from '../app/helpers/workspace.js';
import {KEY, press} from './helpers.js';
import {eventually} from '../eventually.js';

vi.mock('../../cli/checks/runner.js', () => ({runLab: vi.fn()}));

let runs: FakeRun[];
let watchers: FakeWatcher[];
let workspace: Workspace;
let session: AppSession;

function app(env: Record<string, string | undefined> = {}) {
	session = new AppSession({workspace, env, watchFolder: fakeWatchFolder(watchers), notifyMs: 1});
	const onQuit = vi.fn();
	return {...render(<App session={session} onQuit={onQuit} />), onQuit};
}

/** The fake run fails its first step the way a checker would. */
function failFirstRun(run: FakeRun): void {
	const {lab, check, emit} = run.options;
	emit({
		type: 'step-fail',
		lab: lab.id,
		step: check.steps[0]!.id,
		title: check.steps[0]!.title,
		durationMs: 12,
		failure: {message: 'Nothing listens on the port', expected: 'a server on 127.0.0.1:20000', actual: 'connection refused', hint: 'Call server.listen(PORT, HOST).', repro: 'curl -si http://127.0.0.1:20000/'},
	});
	emit({type: 'output', lab: lab.id, stream: 'stderr', line: 'TypeError: boom'});
	// As the runner does: every later step is skipped (however many steps the lab has by now).
	for (const step of check.steps.slice(1)) emit({type: 'step-skip', lab: lab.id, step: step.id, title: step.title, reason: 'an earlier step failed'});
	run.finish('failed');
}

beforeEach(() => {
	runs = [];
	watchers = [];
	vi.mocked(runLab).mockReset().mockImplementation(fakeRunLab(runs));
	workspace = tempWorkspace();
});

afterEach(async () => {
	cleanup();
	await session.close();
	removeTempWorkspaces();
});

async function openCheck(stdin: {write: (data: string) => void}, lastFrame: () => string | undefined) {
	await press(stdin, KEY.enter);
	await eventually(() => expect(runs).toHaveLength(1));
	await eventually(() => expect(lastFrame()).toContain('Checking (opened)'));
}

describe('the app', () => {
	it('opens on the menu with the keys in the footer', () => {
		const {lastFrame} = app();
		expect(lastFrame()).toMatch(/❯ 01-ipc/);
		expect(lastFrame()).toMatch(/↑↓ move\s+enter open\s+l lesson\s+t 中文\s+\? keys\s+q quit/);
		expect(lastFrame()).toMatch(/node-cluster-lab · ncl-app-\w+\s+0 of \d+ labs? passed/);
	});

	it('enter opens the check view and checks at once; a failure shows its details and what the program printed', async () => {
		const {stdin, lastFrame} = app();
		await openCheck(stdin, lastFrame);
		failFirstRun(runs[0]!);
		await eventually(() => expect(lastFrame()).toContain('✗ Failed at step 1'));
		const frame = lastFrame()!;
		expect(frame).toContain('Nothing listens on the port');
		expect(frame).toContain('expected: a server on 127.0.0.1:20000');
		expect(frame).toContain('actual:   connection refused');
		expect(frame).toContain('hint: Call server.listen(PORT, HOST).');
		expect(frame).toContain('try it yourself: curl -si http://127.0.0.1:20000/');
		expect(frame).toContain('[your_program] TypeError: boom');
		expect(frame).toMatch(/r run\s+h hint/);
	});

	it('a failure taller than the screen scrolls with ↓ and G on the check screen, and r still re-runs', async () => {
		const {stdin, lastFrame} = app();
		await openCheck(stdin, lastFrame);
		const {lab, check, emit} = runs[0]!.options;
		const hint = Array.from({length: 30}, (_, index) => `Hint line ${index + 1}.`).join('\n');
		emit({type: 'step-fail', lab: lab.id, step: check.steps[0]!.id, title: check.steps[0]!.title, durationMs: 12, failure: {message: 'Nothing listens on the port', hint}});
		emit({type: 'output', lab: lab.id, stream: 'stderr', line: 'TypeError: boom'});
		for (const step of check.steps.slice(1)) emit({type: 'step-skip', lab: lab.id, step: step.id, title: step.title, reason: 'an earlier step failed'});
		runs[0]!.finish('failed');
		await eventually(() => expect(lastFrame()).toMatch(/rows 1-\d+ of \d+ of the failure/));
		expect(lastFrame()).toContain('Nothing listens on the port');
		await press(stdin, KEY.down);
		await eventually(() => expect(lastFrame()).toMatch(/rows 2-\d+ of \d+ of the failure/));
		expect(lastFrame()).not.toContain('Nothing listens on the port');
		await press(stdin, 'G');
		await eventually(() => expect(lastFrame()).toContain('[your_program] TypeError: boom'));
		expect(lastFrame()).toContain('Hint line 30.');
		await press(stdin, 'r');
		await eventually(() => expect(runs).toHaveLength(2));
	});

	it('? opens the help from any screen; esc closes it', async () => {
		const {stdin, lastFrame} = app();
		await openCheck(stdin, lastFrame);
		await press(stdin, '?');
		await eventually(() => expect(lastFrame()).toContain('Lab (check view)'));
		expect(lastFrame()).toContain('esc ? close');
		// Keys of the screen below do nothing meanwhile.
		await press(stdin, 'r');
		expect(runs).toHaveLength(1);
		await press(stdin, KEY.escape);
		await eventually(() => expect(lastFrame()).not.toContain('Lab (check view)'));
		expect(lastFrame()).toContain('Checking (opened)');
	});

	it('r re-runs (the run in progress is cancelled), c cancels, w turns watch mode off', async () => {
		const {stdin, lastFrame} = app();
		await openCheck(stdin, lastFrame);
		await press(stdin, 'r');
		await eventually(() => expect(runs).toHaveLength(2));
		expect(runs[0]!.aborted).toBe(true);
		await press(stdin, 'c');
		await eventually(() => expect(lastFrame()).toContain('Check cancelled'));
		await press(stdin, 'w');
		await eventually(() => expect(lastFrame()).toContain('watch: off'));
		expect(watchers[0]!.closed).toBe(true);
	});

	it('x asks first; n keeps the files, y resets them with a backup', async () => {
		const {stdin, lastFrame} = app();
		await openCheck(stdin, lastFrame);
		await press(stdin, 'x');
		await eventually(() => expect(lastFrame()).toContain('Replace labs/01-ipc with the starter? [y/N]'));
		await press(stdin, 'n');
		await eventually(() => expect(lastFrame()).not.toContain('[y/N]'));
		expect(existsSync(path.join(workspace.root, BACKUPS_DIR))).toBe(false);
		await press(stdin, 'x');
		await eventually(() => expect(lastFrame()).toContain('[y/N]'));
		await press(stdin, 'y');
		await eventually(() => expect(lastFrame()).toContain('labs/01-ipc is the starter again.'));
		expect(readdirSync(path.join(workspace.root, BACKUPS_DIR))).toHaveLength(1);
	});

	it('s before a pass asks first, then shows the diff against the learner\'s files', async () => {
		const {stdin, lastFrame} = app();
		await openCheck(stdin, lastFrame);
		await press(stdin, 's');
		await eventually(() => expect(lastFrame()).toContain('You have not passed 01-ipc yet. Show the reference solution anyway? [y/N]'));
		await press(stdin, 'y');
		await eventually(() => expect(lastFrame()).toContain('- yours (labs/01-ipc)   + reference (solutions/01-ipc)'));
		expect(lastFrame()).toMatch(/^\+/m);
		await press(stdin, KEY.escape);
		await eventually(() => expect(lastFrame()).toContain('01-ipc Talking to children'));
	});

	it('s never shows the solution while the instructor lock is on', async () => {
		const {stdin, lastFrame} = app({NCL_LOCK_SOLUTIONS: '1'});
		await openCheck(stdin, lastFrame);
		await press(stdin, 's');
		await eventually(() => expect(lastFrame()).toContain('Solutions are locked for this workshop.'));
		expect(lastFrame()).not.toContain('[y/N]');
		expect(lastFrame()).not.toContain('+ reference');
	});

	it('h shows one more hint each time, remembered in the workspace; l shows the lesson; esc goes back', async () => {
		const {stdin, lastFrame} = app();
		await openCheck(stdin, lastFrame);
		await press(stdin, 'h');
		await eventually(() => expect(lastFrame()).toMatch(/Hints for 01-ipc \(1 of \d+ seen\)/));
		await press(stdin, 'h');
		await eventually(() => expect(lastFrame()).toMatch(/\(2 of \d+ seen\)/));
		expect(workspace.progress('01-ipc')?.hintsShown).toBe(2);
		// A lone ESC waits in Ink's parser for what may follow it: wait for its effect before the next key.
		await press(stdin, KEY.escape);
		await eventually(() => expect(lastFrame()).toContain('Checking (opened)'));
		await press(stdin, 'l');
		await eventually(() => expect(lastFrame()).toContain('01-ipc lesson · rows'));
		await press(stdin, KEY.escape);
		await eventually(() => expect(lastFrame()).toContain('Checking (opened)'));
	});

	it('n after a pass opens the next lab', async () => {
		const {stdin, lastFrame} = app();
		await openCheck(stdin, lastFrame);
		runs[0]!.finish('passed');
		await eventually(() => expect(lastFrame()).toContain('✓ Passed'));
		expect(lastFrame()).toMatch(/n next lab\s+s solution/);
		await press(stdin, 'n');
		const next = session.labs[1];
		if (next) await eventually(() => expect(lastFrame()).toContain(`${next.id} `));
		else await eventually(() => expect(lastFrame()).toContain('That was the last lab'));
	});

	it('esc goes back to the menu and cancels the run', async () => {
		const {stdin, lastFrame} = app();
		await openCheck(stdin, lastFrame);
		await press(stdin, KEY.escape);
		await eventually(() => expect(lastFrame()).toMatch(/❯ 01-ipc/));
		expect(runs[0]!.aborted).toBe(true);
		expect(watchers[0]!.closed).toBe(true);
	});

	it('q (and ctrl-c) asks the caller to stop everything, once', async () => {
		const {stdin, lastFrame, onQuit} = app();
		await press(stdin, 'q');
		await eventually(() => expect(onQuit).toHaveBeenCalledTimes(1));
		expect(lastFrame()).toContain('Stopping every process this app started');
		await press(stdin, KEY.ctrlC, 'q');
		expect(onQuit).toHaveBeenCalledTimes(1);
	});

	it('a key sent right after a change of view reaches the new view (one dispatcher, no subscription after paint)', async () => {
		const {stdin, lastFrame} = app();
		// Two writes in one tick: the second comes before React has run any effect of the first.
		stdin.write(KEY.enter);
		stdin.write('h');
		await eventually(() => expect(lastFrame()).toMatch(/Hints for 01-ipc \(1 of \d+ seen\)/));
		expect(runs).toHaveLength(1);
		stdin.write('b');
		stdin.write('l');
		await eventually(() => expect(lastFrame()).toContain('01-ipc lesson · rows'));
		stdin.write('b');
		stdin.write('s');
		await eventually(() => expect(lastFrame()).toContain('Show the reference solution anyway? [y/N]'));
		stdin.write('y');
		stdin.write('b');
		await eventually(() => expect(lastFrame()).toContain('Checking (opened)'));
		// The same within one chunk: from the menu, the lesson, then r checks from it.
		stdin.write('b');
		stdin.write('lr');
		await eventually(() => expect(runs).toHaveLength(2));
		await eventually(() => expect(lastFrame()).toContain('Checking (opened)'));
	});

	it('the menu keeps its cursor across the lesson and a lab: l then esc, enter opens that lab', async () => {
		const {stdin, lastFrame} = app();
		const third = session.labs[2];
		if (!third) return;
		await press(stdin, 'jj');
		await eventually(() => expect(lastFrame()).toMatch(new RegExp(`❯ ${third.id}`)));
		await press(stdin, 'l');
		await eventually(() => expect(lastFrame()).toContain(`${third.id} lesson · rows`));
		await press(stdin, KEY.escape);
		await eventually(() => expect(lastFrame()).toMatch(new RegExp(`❯ ${third.id}`)));
		await press(stdin, KEY.enter);
		await eventually(() => expect(runs).toHaveLength(1));
		expect(runs[0]!.options.lab.id).toBe(third.id);
		// Back from the lab: still there, not on the first lab.
		await press(stdin, KEY.escape);
		await eventually(() => expect(lastFrame()).toMatch(new RegExp(`❯ ${third.id}`)));
		await press(stdin, 'k', 'l');
		const second = session.labs[1]!;
		await eventually(() => expect(lastFrame()).toContain(`${second.id} lesson · rows`));
		await press(stdin, KEY.escape);
		await eventually(() => expect(lastFrame()).toMatch(new RegExp(`❯ ${second.id}`)));
	});
});
