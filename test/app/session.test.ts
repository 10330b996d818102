import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {AppSession} from '../../cli/app/session.js';
import {runLab} from '../../cli/checks/runner.js';
import {startersDir} from '../../cli/paths.js';
import {BACKUPS_DIR, STATE_FILE, type Workspace} from '../../cli/workspace.js';
import {fakeRunLab, fakeWatchFolder, type FakeRun, type FakeWatcher} from './helpers/fakes.js';
import {removeTempWorkspaces, tempWorkspace} from './helpers/workspace.js';
import {eventually} from '../eventually.js';

// The session never starts a real process in these tests.
vi.mock('../../cli/checks/runner.js', () => ({runLab: vi.fn()}));

const LAB = '01-ipc';
let runs: FakeRun[];
let watchers: FakeWatcher[];
let workspace: Workspace;
let session: AppSession;

function makeSession(env: Record<string, string | undefined> = {}): AppSession {
	return new AppSession({workspace, env, watchFolder: fakeWatchFolder(watchers), notifyMs: 1});
}

function savedState() {
	return JSON.parse(readFileSync(path.join(workspace.root, STATE_FILE), 'utf8')) as {current?: string; labs: Record<string, {status: string; hintsShown?: number}>};
}

beforeEach(() => {
	runs = [];
	watchers = [];
	vi.mocked(runLab).mockReset().mockImplementation(fakeRunLab(runs));
	workspace = tempWorkspace();
	workspace.state.current = undefined;
	workspace.save();
	session = makeSession();
});

afterEach(async () => {
	await session.close();
	removeTempWorkspaces();
});

describe('opening a lab', () => {
	it('makes it the current lab, watches its folder and (watch mode) checks it at once', async () => {
		session.openLab(LAB);
		expect(savedState().current).toBe(LAB);
		expect(watchers).toHaveLength(1);
		expect(watchers[0]!.dir).toBe(workspace.labDir(LAB));
		await eventually(() => expect(runs).toHaveLength(1));
		expect(runs[0]!.options.dir).toBe(workspace.labDir(LAB));
		const state = session.getSnapshot();
		expect(state.open?.id).toBe(LAB);
		expect(state.trigger).toBe('opened');
		expect(state.run.phase).toBe('running');
		expect(state.run.steps[0]!.status).toBe('running');
		expect(state.watch).toEqual({enabled: true, mode: 'fs'});
	});

	it('with watch mode off (NCL_WATCH=off) it waits for r', async () => {
		session = makeSession({NCL_WATCH: 'off'});
		session.openLab(LAB);
		expect(watchers).toHaveLength(0);
		expect(runs).toHaveLength(0);
		void session.runCheck();
		await eventually(() => expect(runs).toHaveLength(1));
		expect(session.getSnapshot().trigger).toBe('r pressed');
	});

	it('asks the watcher to poll when NCL_WATCH=poll', () => {
		session = makeSession({NCL_WATCH: 'poll'});
		session.openLab(LAB);
		expect(watchers[0]!.options.mode).toBe('poll');
	});

	it('remembers the current lab for the next session', () => {
		session.openLab(LAB);
		expect(makeSession().getSnapshot().current).toBe(LAB);
	});
});

describe('a save while a check runs', () => {
	it('cancels the run in progress (its signal aborts) and starts a new one', async () => {
		session.openLab(LAB);
		await eventually(() => expect(runs).toHaveLength(1));
		watchers[0]!.save('main.ts');
		await eventually(() => expect(runs).toHaveLength(2));
		expect(runs[0]!.aborted).toBe(true);
		expect(runs[1]!.aborted).toBe(false);
		expect(session.getSnapshot().trigger).toBe('saved main.ts');
		expect(session.getSnapshot().run.phase).toBe('running');
	});

	it('starts only the latest of several saves that pile up while the old run ends', async () => {
		session.openLab(LAB);
		await eventually(() => expect(runs).toHaveLength(1));
		watchers[0]!.save('main.ts');
		watchers[0]!.save('worker.ts');
		watchers[0]!.save('main.ts');
		await eventually(() => expect(runs).toHaveLength(2));
		runs[1]!.finish('failed');
		await eventually(() => expect(session.getSnapshot().run.phase).toBe('failed'));
		expect(runs).toHaveLength(2);
	});

	it('a run that ends after it was replaced does not touch the screen or the progress', async () => {
		session.openLab(LAB);
		await eventually(() => expect(runs).toHaveLength(1));
		watchers[0]!.save('main.ts');
		await eventually(() => expect(runs).toHaveLength(2));
		// The fake already ended run 0 on abort; a late finish is ignored.
		runs[0]!.finish('passed');
		expect(session.getSnapshot().run.phase).toBe('running');
		expect(savedState().labs[LAB]).toBeUndefined();
	});
});

describe('progress', () => {
	it('is recorded as verify records it when a check finishes', async () => {
		session.openLab(LAB);
		await eventually(() => expect(runs).toHaveLength(1));
		runs[0]!.finish('failed');
		await eventually(() => expect(savedState().labs[LAB]?.status).toBe('failing'));
		expect(session.getSnapshot().labs.find(row => row.lab.id === LAB)?.status).toBe('failing');

		void session.runCheck();
		await eventually(() => expect(runs).toHaveLength(2));
		runs[1]!.finish('passed');
		await eventually(() => expect(savedState().labs[LAB]?.status).toBe('passed'));
		const state = session.getSnapshot();
		expect(state.run.phase).toBe('passed');
		expect(state.passed).toBe(1);
	});

	it('is not recorded when the check is cancelled', async () => {
		session.openLab(LAB);
		await eventually(() => expect(runs).toHaveLength(1));
		await session.cancel();
		expect(runs[0]!.aborted).toBe(true);
		expect(session.getSnapshot().run.phase).toBe('cancelled');
		expect(savedState().labs[LAB]).toBeUndefined();
	});

	it('is not recorded when the checker itself broke', async () => {
		session.openLab(LAB);
		await eventually(() => expect(runs).toHaveLength(1));
		runs[0]!.finish('error');
		await eventually(() => expect(session.getSnapshot().run.phase).toBe('error'));
		expect(savedState().labs[LAB]).toBeUndefined();
	});
});

describe('watch mode and leaving', () => {
	it('w stops watching and starts again', () => {
		session.openLab(LAB);
		session.toggleWatch();
		expect(watchers[0]!.closed).toBe(true);
		expect(session.getSnapshot().watch.enabled).toBe(false);
		session.toggleWatch();
		expect(watchers).toHaveLength(2);
		expect(session.getSnapshot().watch).toEqual({enabled: true, mode: 'fs'});
	});

	it('back to the menu: the run is cancelled and the folder no longer watched', async () => {
		session.openLab(LAB);
		await eventually(() => expect(runs).toHaveLength(1));
		await session.closeLab();
		expect(runs[0]!.aborted).toBe(true);
		expect(watchers[0]!.closed).toBe(true);
		expect(session.getSnapshot().open).toBeUndefined();
		watchers[0]!.save('main.ts');
		expect(runs).toHaveLength(1);
	});

	it('close() cancels and awaits the run; nothing starts afterwards', async () => {
		session.openLab(LAB);
		await eventually(() => expect(runs).toHaveLength(1));
		await session.close();
		expect(runs[0]!.aborted).toBe(true);
		expect(watchers[0]!.closed).toBe(true);
		await session.runCheck();
		expect(runs).toHaveLength(1);
	});
});

describe('hints, solution, reset, next lab', () => {
	it('reveals hints one at a time and remembers them in the workspace, as `hint` does', () => {
		session.openLab(LAB);
		const total = session.getSnapshot().open!.hints.length;
		expect(session.nextHint()).toBe(1);
		expect(savedState().labs[LAB]?.hintsShown).toBe(1);
		for (let index = 0; index < total + 2; index++) session.nextHint();
		expect(session.getSnapshot().hintsShown).toBe(total);
		expect(savedState().labs[LAB]?.hintsShown).toBe(total);
		// Seeing a hint does not make the lab started.
		expect(session.getSnapshot().labs[0]!.status).toBe('not started');
	});

	it('offers the solution after a pass, asks before, and never shows it while locked', async () => {
		session.openLab(LAB);
		expect(session.solutionAccess()).toBe('ask');
		await eventually(() => expect(runs).toHaveLength(1));
		runs[0]!.finish('passed');
		await eventually(() => expect(session.solutionAccess()).toBe('open'));
		const diffs = session.solution();
		expect(diffs.map(diff => diff.file)).toEqual(session.getSnapshot().open!.files);
		expect(diffs.some(diff => diff.lines.some(line => line.startsWith('+')))).toBe(true);

		const locked = makeSession({NCL_LOCK_SOLUTIONS: '1'});
		locked.openLab(LAB);
		expect(locked.solutionAccess()).toBe('locked');
		expect(locked.solution()).toEqual([]);
		await locked.close();

		workspace.state.solutionsLocked = true;
		workspace.save();
		expect(session.solutionAccess()).toBe('locked');
		expect(session.solution()).toEqual([]);
	});

	it('reset backs the files up, puts the starter back and checks again', async () => {
		session.openLab(LAB);
		await eventually(() => expect(runs).toHaveLength(1));
		const main = path.join(workspace.labDir(LAB), 'main.ts');
		writeFileSync(main, '// my work\n');
		const backup = await session.reset();
		expect(runs[0]!.aborted).toBe(true);
		expect(backup).toBeDefined();
		expect(readFileSync(path.join(backup!, 'main.ts'), 'utf8')).toBe('// my work\n');
		expect(readdirSync(path.join(workspace.root, BACKUPS_DIR))).toHaveLength(1);
		expect(readFileSync(main, 'utf8')).toBe(readFileSync(path.join(startersDir, LAB, 'main.ts'), 'utf8'));
		expect(session.getSnapshot().notice?.text).toMatch(/starter again/);
		expect(watchers.at(-1)!.closed).toBe(false);
		await eventually(() => expect(runs).toHaveLength(2));
		expect(session.getSnapshot().trigger).toBe('reset');
	});

	it('n opens the next lab only after a pass', async () => {
		session.openLab(LAB);
		expect(session.nextLab()).toBeUndefined();
		expect(session.getSnapshot().notice?.tone).toBe('warn');
		await eventually(() => expect(runs).toHaveLength(1));
		runs[0]!.finish('passed');
		await eventually(() => expect(session.getSnapshot().run.phase).toBe('passed'));
		const next = session.nextLab();
		const labs = session.labs;
		if (labs.length > 1) {
			expect(next?.id).toBe(labs[1]!.id);
			expect(session.getSnapshot().open?.id).toBe(labs[1]!.id);
			expect(watchers[0]!.closed).toBe(true);
		} else {
			expect(next).toBeUndefined();
			expect(session.getSnapshot().notice?.text).toMatch(/last lab/);
		}
	});

	it('a lab without a checker says so instead of running', async () => {
		const other = new AppSession({workspace, env: {}, checks: {}, watchFolder: fakeWatchFolder(watchers), notifyMs: 1});
		other.openLab(LAB);
		await other.runCheck();
		expect(runs).toHaveLength(0);
		expect(other.getSnapshot().notice?.text).toMatch(/no checker/);
		await other.close();
		expect(existsSync(workspace.root)).toBe(true);
	});
});

describe('the store', () => {
	it('notifies subscribers once per burst of changes', async () => {
		session = new AppSession({workspace, env: {}, watchFolder: fakeWatchFolder(watchers), notifyMs: 20});
		const listener = vi.fn();
		const unsubscribe = session.subscribe(listener);
		session.openLab(LAB);
		session.nextHint();
		session.nextHint();
		await eventually(() => expect(listener).toHaveBeenCalled());
		expect(listener).toHaveBeenCalledTimes(1);
		unsubscribe();
	});
});
