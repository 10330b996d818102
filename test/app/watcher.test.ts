import {EventEmitter} from 'node:events';
import type {FSWatcher} from 'node:fs';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {isWatchedFile, snapshot, watchFolder, type Watcher} from '../../cli/app/watcher.js';
import {eventually} from '../eventually.js';

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
