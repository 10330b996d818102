/**
Hard-wraps text that holds ANSI colour codes into rows of at most `width`
visible characters, so a scrolling view can count rows exactly. A style open at
a break is closed at the end of the row and opened again on the next one.
*/

/** SGR (colours, bold…) and other CSI sequences; OSC sequences such as hyperlinks. */
// eslint-disable-next-line no-control-regex
const ESCAPE = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)/y;
const RESET = '\u001B[0m';

function wrapLine(line: string, width: number): string[] {
	const rows: string[] = [];
	let row = '';
	let visible = 0;
	/** SGR codes since the last reset: replayed at the start of a continuation row. */
	let active: string[] = [];
	for (let index = 0; index < line.length; ) {
		ESCAPE.lastIndex = index;
		const escape = ESCAPE.exec(line);
		if (escape) {
			const code = escape[0];
			row += code;
			if (code.endsWith('m')) active = code === RESET || code === '\u001B[m' ? [] : [...active, code];
			index += code.length;
			continue;
		}
		const char = String.fromCodePoint(line.codePointAt(index)!);
		if (visible === width) {
			rows.push(active.length > 0 ? row + RESET : row);
			row = active.join('');
			visible = 0;
		}
		row += char;
		visible++;
		index += char.length;
	}
	rows.push(row);
	return rows;
}

export function wrapLines(text: string, width: number): string[] {
	const safeWidth = Math.max(1, Math.floor(width));
	return text.split('\n').flatMap(line => wrapLine(line.replace(/\t/g, '  '), safeWidth));
}

/**
Word-wraps plain text (no escape codes) at `width`: breaks at spaces, drops the
space at a break (Ink's own wrapping keeps it at the start of the next row),
keeps a line's indentation on its first row, and splits words longer than a row.
Rendering these rows and counting them for a layout then agree.
*/
export function wordWrap(text: string, width: number): string[] {
	const safeWidth = Math.max(1, Math.floor(width));
	const rows: string[] = [];
	for (const line of text.replace(/\t/g, '  ').split('\n')) {
		if (line.length <= safeWidth) {
			rows.push(line);
			continue;
		}
		const indent = /^ */.exec(line)![0];
		let row = indent.length < safeWidth ? indent : '';
		for (const word of line.slice(indent.length).split(/ +/)) {
			if (row.trim() === '') row += word;
			else if (row.length + 1 + word.length <= safeWidth) row += ` ${word}`;
			else {
				rows.push(row);
				row = word;
			}
			while (row.length > safeWidth) {
				rows.push(row.slice(0, safeWidth));
				row = row.slice(safeWidth);
			}
		}
		rows.push(row);
	}
	return rows;
}

/** How many rows a plain text takes once word-wrapped at width (for layout budgets). */
export function rowsFor(text: string, width: number): number {
	return wordWrap(text, width).length;
}
