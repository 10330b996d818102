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

/**
relative path -> a stamp of every watched file under dir (empty if dir is
missing). The stamp holds the inode and the change time as well as mtime and
size: a file replaced by a rename (an editor's save to a temp file, `sed -i`,
a reset) can keep its size and even its mtime, never its inode and ctime.
*/
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
				if (isWatchedDir(entry.name)) walk(rel);
			} else if (isWatchedFile(rel)) {
				try {
					const stat = fs.statSync(path.join(dir, rel));
					found.set(rel, `${stat.ino}:${stat.ctimeMs}:${stat.mtimeMs}:${stat.size}`);
				} catch {
					// Deleted between readdir and stat: the next poll sees it gone.
				}
			}
		}
	};
	walk('');
	return found;
}

function isWatchedDir(name: string): boolean {
	return !name.startsWith('.') && name !== 'node_modules';
}

/**
Every folder under dir that holds watched files ('' for dir itself), with who
it is: inode and birth time, since ext4 gives a folder removed and made again
(a reset) the same inode number at once, and a watcher of the old one is deaf.
Empty if dir is missing.
*/
function folders(dir: string): Map<string, string> {
	const found = new Map<string, string>();
	const walk = (sub: string) => {
		try {
			const stats = fs.statSync(path.join(dir, sub), {bigint: true});
			found.set(sub, `${stats.ino}@${stats.birthtimeNs}`);
		} catch {
			return;
		}
		let entries: fs.Dirent[] = [];
		try {
			entries = fs.readdirSync(path.join(dir, sub), {withFileTypes: true});
		} catch {
			// Gone meanwhile: its watcher is not opened, or closed at the next re-arm.
		}
		for (const entry of entries) if (entry.isDirectory() && isWatchedDir(entry.name)) walk(sub ? path.join(sub, entry.name) : entry.name);
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

/**
Calls onChange(file) once a burst of changes under dir has been quiet for debounceMs.

With file events, every folder is watched on its own (not recursively, and
never a file): an event on a folder names the entry that changed, whatever
inode it points to now. Node 20's recursive watch on Linux watches each file's
inode instead, so after a save by rename (the new inode is a stranger to it) it
went deaf for good. A rename or a new entry re-arms: folders that appeared get
a watcher, folders that went (or were replaced, as a reset does with the lab's
own folder) are closed and watched again. The parent folder is watched too,
for the lab's folder itself being removed and created again.
*/
export function watchFolder(dir: string, onChange: (file: string) => void, options: WatchOptions = {}): Watcher {
	const {debounceMs = 300, pollMs = 500, mode: wanted = 'auto', watch = (target, watchOptions) => fs.watch(target, watchOptions)} = options;
	let mode: WatchMode = 'poll';
	let closed = false;
	let debounce: NodeJS.Timeout | undefined;
	let poller: NodeJS.Timeout | undefined;
	/** relative folder ('' for dir, PARENT for dir's parent) -> its watcher and the inode it watches. */
	const watching = new Map<string, {watcher: fs.FSWatcher; id: string}>();
	const PARENT = '..';

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

	const closeAll = () => {
		for (const {watcher} of watching.values()) watcher.close();
		watching.clear();
	};

	/** Close every watcher but the parent's. */
	const closeBelow = () => {
		for (const [key, {watcher}] of watching) {
			if (key === PARENT) continue;
			watcher.close();
			watching.delete(key);
		}
	};

	const fallBack = () => {
		closeAll();
		if (!closed && mode === 'fs') startPolling();
	};

	/** Watch one folder; false when it cannot be (it vanished meanwhile); throws what fs.watch throws otherwise. */
	const open = (key: string, id: string): boolean => {
		const target = key === PARENT ? path.dirname(dir) : path.join(dir, key);
		let watcher: fs.FSWatcher;
		try {
			watcher = watch(target, {recursive: false});
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
			throw error;
		}
		watching.set(key, {watcher, id});
		watcher.on('change', (event, filename) => {
			if (closed || watching.get(key)?.watcher !== watcher) return;
			const name = filename === null || filename === undefined ? '' : String(filename);
			if (key === PARENT) {
				// Only the lab's own folder matters up there. It was removed or made again: every
				// watcher below may watch what is gone (where birth times are missing, the
				// identity check in arm() cannot tell), so all are opened again.
				if (name !== path.basename(dir)) return;
				closeBelow();
				arm();
				changed('');
				return;
			}
			const file = key && name ? path.join(key, name) : name;
			if (event === 'rename') arm();
			// No name (some platforms): assume it was a source file.
			if (file === '' || isWatchedFile(file)) changed(file);
		});
		watcher.on('error', () => {
			if (closed || watching.get(key)?.watcher !== watcher) return;
			// A folder removed under its watcher is not a broken fs.watch: watch what is there now.
			if (!fs.existsSync(target)) {
				watcher.close();
				watching.delete(key);
				arm();
			} else fallBack();
		});
		return true;
	};

	/** Bring the watchers in line with the folders there now. */
	const arm = () => {
		if (closed || mode !== 'fs') return;
		const now = folders(dir);
		try {
			for (const [key, entry] of watching) {
				if (key === PARENT) continue;
				if (now.get(key) !== entry.id) {
					entry.watcher.close();
					watching.delete(key);
				}
			}
			for (const [key, id] of now) {
				if (watching.has(key) || !open(key, id)) continue;
				// Files may have been written in a new folder before its watcher opened (mkdir -p lib && cp …).
				const [file] = snapshot(path.join(dir, key)).keys();
				if (file !== undefined) changed(key ? path.join(key, file) : file);
			}
		} catch {
			fallBack();
		}
	};

	if (wanted === 'poll') startPolling();
	else {
		try {
			mode = 'fs';
			open(PARENT, '');
			const now = folders(dir);
			for (const [key, id] of now) open(key, id);
		} catch {
			closeAll();
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
			closeAll();
		},
	};
}
