import {closeSync, cpSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync} from 'node:fs';
import path from 'node:path';

/**
Write a file so that a crash leaves either the old or the new content, never half
of one: write a temporary file beside it, flush it, then rename over the target.
*/
export function writeFileAtomic(file: string, content: string): void {
	mkdirSync(path.dirname(file), {recursive: true});
	const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
	const fd = openSync(temporary, 'w');
	try {
		writeSync(fd, content);
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
	renameSync(temporary, file);
}

/** Copy a folder tree (used for starters, backups and solutions). */
export function copyTree(from: string, to: string): void {
	mkdirSync(path.dirname(to), {recursive: true});
	cpSync(from, to, {recursive: true});
}
