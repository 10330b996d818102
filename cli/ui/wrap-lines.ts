/**
Hard-wraps text that holds ANSI colour codes into rows of at most `width`
visible characters, so a scrolling view can count rows exactly. A style open at
a break is closed at the end of the row and opened again on the next one.
*/

import {charWidth, isWide, sliceToWidth, textWidth} from '../i18n/width.js';

/** SGR (colours, bold…) and other CSI sequences; OSC sequences such as hyperlinks. */
// eslint-disable-next-line no-control-regex
const ESCAPE = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)/y;
const RESET = '\u001B[0m';

/** Closing punctuation stays on the row of the character before it (no row starts with ，or 。). */
export const CLOSING = /^[，。、；：！？）》」』】〉”’,.;:!?)\]]$/u;
/** Opening punctuation stays on the row of the character after it (no row ends with （). */
export const OPENING = /^[（《「『【〈“‘]$/u;

/**
The words of a line for wrapping: runs of narrow characters between spaces,
and each wide (CJK) character on its own, since Chinese breaks between any two
characters; closing punctuation joins the word before it.
*/
export function wrapWords(text: string): Array<{space: boolean; word: string}> {
	const words: Array<{space: boolean; word: string}> = [];
	let space = false;
	let word = '';
	const flush = () => {
		if (word === '') return;
		words.push({space, word});
		space = false;
		word = '';
	};
	const last = (text: string) => [...text].at(-1) ?? '';
	/** A new word starts with `char`, unless the word before ends with opening punctuation. */
	const start = (char: string) => {
		flush();
		const before = words.at(-1);
		if (!space && before && OPENING.test(last(before.word))) {
			words.pop();
			({space, word} = before);
		}
		word += char;
	};
	for (const char of text) {
		if (char === ' ') {
			flush();
			space = true;
		} else if (CLOSING.test(char) && (word !== '' || (!space && words.length > 0))) {
			// Inside a word there was no space: the punctuation closes it.
			if (word === '') words.at(-1)!.word += char;
			else word += char;
		} else if (isWide(char)) {
			start(char);
		} else if (word !== '' && isWide(last(word)) && !OPENING.test(last(word))) {
			// Latin after a CJK character (no space between) is a word of its own.
			start(char);
		} else word += char;
	}
	flush();
	return words;
}

/** wordWrap for a line with wide characters: columns, not code units; breaks between CJK characters too. */
function wrapWide(line: string, width: number): string[] {
	const rows: string[] = [];
	const indent = /^ */.exec(line)![0];
	let row = indent.length < width ? indent : '';
	let used = row.length;
	for (const {space, word} of wrapWords(line.slice(indent.length))) {
		const gap = space && row.trim() !== '' ? 1 : 0;
		const columns = textWidth(word);
		if (row.trim() === '' || used + gap + columns <= width) {
			row += (gap ? ' ' : '') + word;
			used += gap + columns;
		} else {
			rows.push(row);
			row = word;
			used = columns;
		}
		while (used > width) {
			const head = sliceToWidth(row, width) || String.fromCodePoint(row.codePointAt(0)!);
			rows.push(head);
			row = row.slice(head.length);
			used = textWidth(row);
		}
	}
	rows.push(row);
	return rows;
}

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
		// A wide (CJK) character takes two columns and is never cut in half: it starts the next row instead.
		const columns = charWidth(char.codePointAt(0)!);
		if (visible + columns > width && visible > 0) {
			rows.push(active.length > 0 ? row + RESET : row);
			row = active.join('');
			visible = 0;
		}
		row += char;
		visible += columns;
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
		if (textWidth(line) <= safeWidth) {
			rows.push(line);
			continue;
		}
		if (!/^[\u0020-\u007E]*$/.test(line)) {
			rows.push(...wrapWide(line, safeWidth));
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
