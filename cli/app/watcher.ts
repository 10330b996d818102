/**
Watch mode: a save in the lab's folder re-runs the check. fs.watch where it
works; polling (a stat of every source file every 500 ms) where it throws, where
it fails later (an 'error' event), or when NCL_WATCH=poll says file events are
unreliable there (WSL 2 on a Windows drive, network and container mounts).
*/
import fs from 'node:fs';
import path from 'node:path';

export type WatchMode = 'fs' | 'poll';

export type Watcher = {
	/** How changes are noticed now ('fs' can become 'poll' after an error). */
	readonly mode: WatchMode;
	/** Stops watching; a change waiting out its debounce is dropped. */
	close: () => void;
};

export type WatchOptions = {
	/** Quiet time after the last change before onChange fires (an editor's save is several events). */
	debounceMs?: number;
	pollMs?: number;
	/** 'auto' tries fs.watch first. */
	mode?: 'auto' | 'poll';
	/** Stands in for fs.watch in tests. */
	watch?: (dir: string, options: {recursive: boolean}) => fs.FSWatcher;
};

/** Files whose change means "the learner saved code": not logs the program writes, not editor swap files. */
const SOURCE = /\.(?:[cm]?[jt]s|json)$/;

export function isWatchedFile(relative: string): boolean {
	const parts = relative.split(/[\\/]/);
	if (parts.some(part => part.startsWith('.') || part === 'node_modules')) return false;
	return SOURCE.test(parts.at(-1) ?? '');
}

/** relative path -> "mtime:size" of every watched file under dir (empty if dir is missing). */
export function snapshot(dir: string): Map<string, string> {
	const found = new Map<string, string>();
	const walk = (sub: string) => {
		let entries: fs.Dirent[];
		try {
			entries = fs.readdirSync(path.join(dir, sub), {withFileTypes: true});
		} catch {
			return;
		}
		for (const entry of entries) {
			const rel = sub ? path.join(sub, entry.name) : entry.name;
			if (entry.isDirectory()) {
				if (!entry.name.startsWith('.') && entry.name !== 'node_modules') walk(rel);
			} else if (isWatchedFile(rel)) {
				try {
					const stat = fs.statSync(path.join(dir, rel));
					found.set(rel, `${stat.mtimeMs}:${stat.size}`);
				} catch {
					// Deleted between readdir and stat: the next poll sees it gone.
				}
			}
		}
	};
	walk('');
	return found;
}

/** The first file that differs between two snapshots, or undefined. */
function changedFile(before: Map<string, string>, after: Map<string, string>): string | undefined {
	for (const [file, stamp] of after) if (before.get(file) !== stamp) return file;
	for (const file of before.keys()) if (!after.has(file)) return file;
	return undefined;
}

/** Calls onChange(file) once a burst of changes under dir has been quiet for debounceMs. */
export function watchFolder(dir: string, onChange: (file: string) => void, options: WatchOptions = {}): Watcher {
	const {debounceMs = 300, pollMs = 500, mode: wanted = 'auto', watch = (target, watchOptions) => fs.watch(target, watchOptions)} = options;
	let mode: WatchMode = 'poll';
	let closed = false;
	let debounce: NodeJS.Timeout | undefined;
	let poller: NodeJS.Timeout | undefined;
	let fsWatcher: fs.FSWatcher | undefined;

	const changed = (file: string) => {
		if (closed) return;
		clearTimeout(debounce);
		debounce = setTimeout(() => {
			if (!closed) onChange(file);
		}, debounceMs);
	};

	const startPolling = () => {
		mode = 'poll';
		let last = snapshot(dir);
		poller = setInterval(() => {
			const now = snapshot(dir);
			const file = changedFile(last, now);
			last = now;
			if (file !== undefined) changed(file);
		}, pollMs);
		poller.unref();
	};

	if (wanted === 'poll') startPolling();
	else {
		try {
			fsWatcher = watch(dir, {recursive: true});
			mode = 'fs';
			fsWatcher.on('change', (_event, filename) => {
				const file = filename === null ? '' : String(filename);
				// No name (some platforms): assume it was a source file.
				if (file === '' || isWatchedFile(file)) changed(file);
			});
			fsWatcher.on('error', () => {
				fsWatcher?.close();
				fsWatcher = undefined;
				if (!closed) startPolling();
			});
		} catch {
			fsWatcher = undefined;
			startPolling();
		}
	}

	return {
		get mode() {
			return mode;
		},
		close() {
			closed = true;
			clearTimeout(debounce);
			clearInterval(poller);
			fsWatcher?.close();
			fsWatcher = undefined;
		},
	};
}
