import {EventEmitter} from 'node:events';
import type {FSWatcher} from 'node:fs';
import {mkdirSync, mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {isWatchedFile, snapshot, watchFolder, type Watcher} from '../../cli/app/watcher.js';
import {runProgram} from '../../cli/harness/run-program.js';
import {tsxLoaderUrl} from '../../cli/paths.js';
import {eventually} from '../eventually.js';
import {removeTempWorkspaces, tempWorkspace} from './helpers/workspace.js';

let dir: string;
const watchers: Watcher[] = [];

function watch(...args: Parameters<typeof watchFolder>): Watcher {
	const watcher = watchFolder(...args);
	watchers.push(watcher);
	return watcher;
}

/** A stand-in for fs.watch that the test drives. */
function fakeFsWatch() {
	const emitter = new EventEmitter() as EventEmitter & {close: () => void};
	emitter.close = vi.fn();
	return {emitter, watch: () => emitter as unknown as FSWatcher};
}

beforeEach(() => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'ncl-watch-'));
	writeFileSync(path.join(dir, 'main.ts'), 'one');
});

afterEach(() => {
	for (const watcher of watchers.splice(0)) watcher.close();
	vi.useRealTimers();
	rmSync(dir, {recursive: true, force: true});
});

describe('which files count as a save', () => {
	it('source files, not dotfiles, editor swap files, logs or node_modules', () => {
		expect(isWatchedFile('main.ts')).toBe(true);
		expect(isWatchedFile('lib/worker.mjs')).toBe(true);
		expect(isWatchedFile('config.json')).toBe(true);
		expect(isWatchedFile('.main.ts.swp')).toBe(false);
		expect(isWatchedFile('main.ts~')).toBe(false);
		expect(isWatchedFile('server.log')).toBe(false);
		expect(isWatchedFile('node_modules/x/index.js')).toBe(false);
		expect(isWatchedFile('4913')).toBe(false);
	});

	it('snapshot lists watched files with their mtime and size', () => {
		writeFileSync(path.join(dir, 'notes.txt'), 'x');
		mkdirSync(path.join(dir, 'lib'));
		writeFileSync(path.join(dir, 'lib', 'worker.ts'), 'x');
		expect([...snapshot(dir).keys()].sort()).toEqual(['lib/worker.ts', 'main.ts']);
		expect(snapshot(path.join(dir, 'missing')).size).toBe(0);
	});
});

describe('debounce', () => {
	it('one call for a burst of events, after the burst has been quiet for debounceMs', () => {
		vi.useFakeTimers();
		const fake = fakeFsWatch();
		const onChange = vi.fn();
		const watcher = watch(dir, onChange, {debounceMs: 300, watch: fake.watch});
		expect(watcher.mode).toBe('fs');
		for (let index = 0; index < 5; index++) {
			fake.emitter.emit('change', 'change', 'main.ts');
			vi.advanceTimersByTime(100);
		}
		expect(onChange).not.toHaveBeenCalled();
		vi.advanceTimersByTime(300);
		expect(onChange).toHaveBeenCalledTimes(1);
		expect(onChange).toHaveBeenCalledWith('main.ts');
	});

	it('ignores events for files that are not sources', () => {
		vi.useFakeTimers();
		const fake = fakeFsWatch();
		const onChange = vi.fn();
		watch(dir, onChange, {debounceMs: 50, watch: fake.watch});
		fake.emitter.emit('change', 'rename', '.main.ts.swp');
		fake.emitter.emit('change', 'change', 'out.log');
		vi.advanceTimersByTime(100);
		expect(onChange).not.toHaveBeenCalled();
	});

	it('close() cancels a change still waiting out its debounce, and closes fs.watch', () => {
		vi.useFakeTimers();
		const fake = fakeFsWatch();
		const onChange = vi.fn();
		const watcher = watch(dir, onChange, {debounceMs: 300, watch: fake.watch});
		fake.emitter.emit('change', 'change', 'main.ts');
		vi.advanceTimersByTime(200);
		watcher.close();
		vi.advanceTimersByTime(1000);
		expect(onChange).not.toHaveBeenCalled();
		expect(fake.emitter.close).toHaveBeenCalled();
		fake.emitter.emit('change', 'change', 'main.ts');
		vi.advanceTimersByTime(1000);
		expect(onChange).not.toHaveBeenCalled();
	});
});

describe('polling fallback', () => {
	it('polls when fs.watch throws', async () => {
		const onChange = vi.fn();
		const watcher = watch(dir, onChange, {
			debounceMs: 20,
			pollMs: 30,
			watch: () => {
				throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {code: 'ENOSPC'});
			},
		});
		expect(watcher.mode).toBe('poll');
		writeFileSync(path.join(dir, 'main.ts'), 'two, longer');
		await eventually(() => expect(onChange).toHaveBeenCalledWith('main.ts'));
	});

	it('switches to polling when fs.watch fails later', async () => {
		const fake = fakeFsWatch();
		const onChange = vi.fn();
		const watcher = watch(dir, onChange, {debounceMs: 20, pollMs: 30, watch: fake.watch});
		expect(watcher.mode).toBe('fs');
		fake.emitter.emit('error', new Error('EPERM'));
		expect(watcher.mode).toBe('poll');
		expect(fake.emitter.close).toHaveBeenCalled();
		writeFileSync(path.join(dir, 'worker.ts'), 'new file');
		await eventually(() => expect(onChange).toHaveBeenCalledWith('worker.ts'));
	});

	it("polls from the start with mode 'poll' (NCL_WATCH=poll), and sees a deleted file", async () => {
		const watchSpy = vi.fn();
		const onChange = vi.fn();
		const watcher = watch(dir, onChange, {debounceMs: 20, pollMs: 30, mode: 'poll', watch: watchSpy});
		expect(watcher.mode).toBe('poll');
		expect(watchSpy).not.toHaveBeenCalled();
		rmSync(path.join(dir, 'main.ts'));
		await eventually(() => expect(onChange).toHaveBeenCalledWith('main.ts'));
	});

	it('polling sees a file replaced by a rename that kept its size and mtime (rsync, cp -p)', async () => {
		const file = path.join(dir, 'main.ts');
		// Whole seconds: both files then carry exactly the same mtime.
		const when = Math.floor(Date.now() / 1000) - 60;
		utimesSync(file, when, when);
		const onChange = vi.fn();
		watch(dir, onChange, {debounceMs: 20, pollMs: 30, mode: 'poll'});
		const temp = path.join(dir, '.main.ts.rsync');
		writeFileSync(temp, 'two');
		utimesSync(temp, when, when);
		expect(statSync(temp).mtimeMs).toBe(statSync(file).mtimeMs);
		renameSync(temp, file);
		await eventually(() => expect(onChange).toHaveBeenCalledWith('main.ts'));
	});

	it('a closed poller calls nothing', () => {
		vi.useFakeTimers();
		const onChange = vi.fn();
		const watcher = watch(dir, onChange, {debounceMs: 10, pollMs: 20, mode: 'poll'});
		writeFileSync(path.join(dir, 'main.ts'), 'changed, seen by the next poll');
		vi.advanceTimersByTime(25);
		watcher.close();
		// The poll saw the change and started the debounce; closing drops it, and nothing polls any more.
		writeFileSync(path.join(dir, 'worker.ts'), 'changed after close');
		vi.advanceTimersByTime(1000);
		expect(onChange).not.toHaveBeenCalled();
	});
});

describe('the real fs.watch', () => {
	it('reports a save in the folder once', async () => {
		const onChange = vi.fn();
		const watcher = watch(dir, onChange, {debounceMs: 50});
		expect(watcher.mode).toBe('fs');
		writeFileSync(path.join(dir, 'main.ts'), 'saved');
		writeFileSync(path.join(dir, 'main.ts'), 'saved again');
		await eventually(() => expect(onChange).toHaveBeenCalledWith('main.ts'));
		expect(onChange).toHaveBeenCalledTimes(1);
	});
});

/**
Every way an editor or a tool saves a file. After each save the watcher must
still hear the next one: Node 20's recursive fs.watch on Linux watches each
file's inode, so after a save by rename it never reported that file again.
*/
const SAVES: Record<string, (file: string, text: string) => void> = {
	'in place': (file, text) => writeFileSync(file, text),
	'write-temp-then-rename (vim, VS Code, atomic writers)': (file, text) => {
		const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
		writeFileSync(temp, text);
		renameSync(temp, file);
	},
	'delete-then-create': (file, text) => {
		rmSync(file);
		writeFileSync(file, text);
	},
};

/** A real CLI in another process, as from another terminal (tsx from source: no build needed). */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Starting tsx and the CLI on a loaded 2-core machine: seconds, not minutes. */
const OTHER_PROCESS_MS = 60_000;

for (const mode of ['fs', 'poll'] as const) {
	describe(`every save style is heard, again and again (${mode === 'fs' ? 'file events' : 'NCL_WATCH=poll'})`, () => {
		const options = {debounceMs: 30, pollMs: 40, mode: mode === 'poll' ? ('poll' as const) : ('auto' as const)};

		/**
		Saves with `save`, then in place, then with `save` again, then in place: each one must call
		onChange once more. (A save's events come in one batch; should a loaded machine split them,
		an extra call is tolerated: a watcher gone deaf still fails at the next save.)
		*/
		async function saveFourTimes(save: (file: string, text: string) => void, file: string, onChange: ReturnType<typeof vi.fn>) {
			const texts = ['first save', 'second, in place', 'third save, longer', 'fourth, in place again'];
			for (const [index, text] of texts.entries()) {
				const before = onChange.mock.calls.length;
				(index % 2 === 0 ? save : SAVES['in place']!)(file, text);
				await eventually(() => expect(onChange.mock.calls.length).toBeGreaterThan(before));
			}
		}

		for (const [style, save] of Object.entries(SAVES)) {
			it(style, async () => {
				const onChange = vi.fn();
				const watcher = watch(dir, onChange, options);
				expect(watcher.mode).toBe(mode);
				await saveFourTimes(save, path.join(dir, 'main.ts'), onChange);
				expect(onChange).toHaveBeenLastCalledWith('main.ts');
			});

			it(`${style}, in a sub-folder created after watching started`, async () => {
				const onChange = vi.fn();
				watch(dir, onChange, options);
				mkdirSync(path.join(dir, 'lib'));
				writeFileSync(path.join(dir, 'lib', 'worker.ts'), 'new');
				await eventually(() => expect(onChange).toHaveBeenCalledWith(path.join('lib', 'worker.ts')));
				onChange.mockClear();
				await saveFourTimes(save, path.join(dir, 'lib', 'worker.ts'), onChange);
			});
		}

		it('a reset from another terminal (the whole lab folder replaced), then saves', async () => {
			const workspace = tempWorkspace();
			try {
				const labDir = workspace.labDir('01-ipc');
				const onChange = vi.fn();
				watch(labDir, onChange, options);
				const reset = await runProgram(process.execPath, ['--import', tsxLoaderUrl, path.join(repoRoot, 'cli', 'main.ts'), 'reset', '01-ipc', '--yes'], {
					cwd: workspace.root,
					env: {NO_COLOR: '1'},
					timeoutMs: OTHER_PROCESS_MS,
				});
				expect(reset.stdout + reset.stderr).toMatch(/starter/i);
				await eventually(() => expect(onChange).toHaveBeenCalled());
				// A file the reset never had: a late call for the reset itself cannot pass for one of these saves.
				const file = path.join(labDir, 'extra.ts');
				for (const [index, save] of [SAVES['in place']!, ...Object.values(SAVES)].entries()) {
					const before = onChange.mock.calls.length;
					save(file, `saved after the reset, ${index}`);
					await eventually(() => expect(onChange.mock.calls.slice(before).map(([name]) => name)).toContain('extra.ts'));
				}
			} finally {
				removeTempWorkspaces();
			}
		});
	});
}
