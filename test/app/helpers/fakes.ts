/**
Stand-ins for the two things the session drives: runLab (mocked with vi.mock in
each test file) and the watcher. A fake run emits the first events of a real one,
then waits for the test to finish it, or for its signal to abort it, as runLab
ends a cancelled run.
*/
import type {RunLabOptions} from '../../../cli/checks/runner.js';
import type {LabStatus} from '../../../cli/checks/events.js';
import type {Watcher, WatchOptions} from '../../../cli/app/watcher.js';

export type FakeRun = {
	options: RunLabOptions;
	/** Ends the run with this verdict (lab-end, then the promise resolves). */
	finish: (status: LabStatus) => void;
	readonly aborted: boolean;
};

export function fakeRunLab(runs: FakeRun[]) {
	return (options: RunLabOptions): Promise<LabStatus> =>
		new Promise(resolve => {
			const {lab, check, emit, signal} = options;
			let ended = false;
			const end = (status: LabStatus, error?: string) => {
				if (ended) return;
				ended = true;
				emit({type: 'lab-end', lab: lab.id, status, durationMs: 5, error});
				resolve(status);
			};
			emit({type: 'lab-start', lab: lab.id, title: lab.title, dir: 'labs/x', entry: 'labs/x/main.ts', env: {}, steps: check.steps.map(({id, title}) => ({id, title}))});
			emit({type: 'step-start', lab: lab.id, step: check.steps[0]!.id, title: check.steps[0]!.title});
			signal?.addEventListener('abort', () => end('error', 'cancelled'), {once: true});
			runs.push({
				options,
				finish: status => end(status),
				get aborted() {
					return signal?.aborted ?? false;
				},
			});
		});
}

export type FakeWatcher = Watcher & {dir: string; options: WatchOptions; closed: boolean; save: (file: string) => void};

export function fakeWatchFolder(watchers: FakeWatcher[]) {
	return (dir: string, onChange: (file: string) => void, options: WatchOptions): Watcher => {
		const watcher: FakeWatcher = {
			dir,
			options,
			closed: false,
			mode: 'fs',
			close() {
				watcher.closed = true;
			},
			save(file) {
				if (!watcher.closed) onChange(file);
			},
		};
		watchers.push(watcher);
		return watcher;
	};
}
