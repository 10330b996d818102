/**
The NODE_OPTIONS value that preloads `file` (CommonJS) into every Node process
of a tree. NODE_OPTIONS splits on spaces unless a value is double-quoted (with
\\ and \" escapes), so a path with spaces survives.
*/
export function requireOption(file: string): string {
	return `--require "${file.replace(/[\\"]/g, char => `\\${char}`)}"`;
}
