/**
Every lesson, as the reader lays it out at 60, 80 and 100 columns: no row wider
than the screen, no word split across rows, no code line wrapped (a line too
long is cut with a marker), tables boxed within the width or turned into a list.
The lessons are read at test time and are being written as this runs: these
checks hold for any Markdown, not for today's text.
*/
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {cleanup, render} from 'ink-testing-library';
import chalk from 'chalk';
import {Marked, type Token} from 'marked';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {splitFrontMatter} from '../../cli/catalog.js';
import {lessonsDir} from '../../cli/paths.js';
import {stripAnsi} from '../../cli/reporters/text.js';
import {LessonReader} from '../../cli/ui/LessonReader.js';
import {codeRow, CUT, renderLesson, tableRows, visibleLength, wrapAnsi, type LessonRow} from '../../cli/ui/markdown.js';
import {fakeLab} from './helpers.js';
import {eventually} from '../eventually.js';

const WIDTHS = [60, 80, 100];
/** The reader's text is two columns narrower than the screen (a column of padding each side). */
const textWidth = (columns: number) => columns - 2;
/** Wide enough that nothing wraps: the words of the lesson as written. */
const NO_WRAP = 10_000;

// The zh-CN twins too (lessons/zh-CN/<id>.md): a CJK character takes two columns.
const zhDir = path.join(lessonsDir, 'zh-CN');
const lessons = [
	...readdirSync(lessonsDir).filter(file => file.endsWith('.md')),
	...(existsSync(zhDir) ? readdirSync(zhDir).filter(file => file.endsWith('.md')).map(file => `zh-CN/${file}`) : []),
]
	.sort()
	.map(file => ({file, body: splitFrontMatter(readFileSync(path.join(lessonsDir, file), 'utf8')).body}));

/** Every code block's lines, in order, as marked sees them (nested in lists and quotes too). */
function codeLines(source: string): string[] {
	const lines: string[] = [];
	const walk = (tokens: Token[]) => {
		for (const token of tokens) {
			if (token.type === 'code') lines.push(...(token as {text: string}).text.replace(/\t/g, '  ').split('\n'));
			if ('tokens' in token && Array.isArray(token.tokens)) walk(token.tokens);
			if (token.type === 'list') for (const item of (token as {items: Array<{tokens: Token[]}>}).items) walk(item.tokens);
		}
	};
	walk(new Marked().lexer(source));
	return lines;
}

/** Words as a reader sees them; a Chinese line may break between any two characters, so each is a word. */
const words = (text: string) => stripAnsi(text).replace(/(\p{Script=Han})/gu, ' $1 ').match(/[\p{L}\p{N}_]+/gu) ?? [];

afterEach(() => {
	cleanup();
});

describe.each(lessons)('$file', ({body}) => {
	it.each(WIDTHS)('at %i columns: no row too wide, no word split, no code line wrapped, tables within the width', async columns => {
		const width = textWidth(columns);
		const [rows, wide] = await Promise.all([renderLesson(body, width, false), renderLesson(body, NO_WRAP, false)]);

		const tooWide = rows.filter(row => visibleLength(row.text) > width).map(row => row.text);
		expect(tooWide, `rows wider than ${width}`).toEqual([]);

		// Each code line is one row: whole, or cut with the marker, never continued on the next row.
		const code = rows.filter((row): row is Required<LessonRow> => row.code !== undefined);
		expect(code.map(row => row.code.line)).toEqual(codeLines(body));
		for (const row of code) {
			const {indent, line} = row.code;
			expect(row.text).toBe(indent + line.length <= width ? ' '.repeat(indent) + line : ' '.repeat(indent) + line.slice(0, width - indent - 1) + CUT);
		}

		// A split word leaves pieces that are not words of the lesson. Only a word longer than a row may be split.
		const known = new Set(wide.filter(row => !row.code).flatMap(row => words(row.text)));
		// Long means a run without spaces (a URL is one run of many words) too long to move whole to the next row.
		const tooLong = wide.filter(row => !row.code).flatMap(row => row.text.split(/\s+/)).filter(run => run.length > width / 2);
		const pieces = rows
			.filter(row => !row.code)
			.flatMap(row => words(row.text).map(word => ({word, row: row.text})))
			.filter(({word}) => !known.has(word) && !tooLong.some(long => long.includes(word)));
		expect(pieces, 'words split across rows').toEqual([]);

		// Tables: every row of one table is as wide as its top border.
		let top: number | undefined;
		for (const row of rows) {
			const text = row.text.trimStart();
			if (text.startsWith('┌')) top = visibleLength(row.text);
			else if (top !== undefined && /^[│├└]/.test(text)) expect(visibleLength(row.text)).toBe(top);
			else top = undefined;
		}
	});
});

// A learner's terminal has colours; NO_COLOR, a pipe and these tests do not. marked-terminal's
// output depends on chalk's level (it dropped the blank rows around a code block in a list item
// only without colours): the rows must be the same either way, so what is tested is what is seen.
describe.each(lessons)('$file with colours on and off', ({body}) => {
	it('lays out the same rows', async () => {
		const level = chalk.level;
		const rowsAt = async (chalkLevel: typeof chalk.level, colour: boolean) => {
			chalk.level = chalkLevel;
			try {
				return (await renderLesson(body, textWidth(80), colour)).map(row => stripAnsi(row.text).trimEnd());
			} finally {
				chalk.level = level;
			}
		};
		const plain = await rowsAt(0, false);
		expect(await rowsAt(1, true)).toEqual(plain);
		expect(await rowsAt(3, false)).toEqual(plain);
	});
});

describe('tables', () => {
	const table = {
		header: ['setting', 'what it does', 'default'],
		rows: [
			['pauseOnConnect', 'the primary accepts without reading, so the child reads the request', 'false'],
			['keepOpen', 'the primary keeps its copy of the descriptor after sending it', 'false'],
		],
	};

	it('fit as they are when they can; wrap inside their cells (whole words) when the screen is narrower', () => {
		const roomy = tableRows(table, 120);
		expect(roomy).toHaveLength(2 + 1 + 2 * 2);
		expect(stripAnsi(roomy[1]!)).toMatch(/^│ setting\s+│ what it does\s+│ default │$/);
		const narrow = tableRows(table, 50).map(stripAnsi);
		expect(narrow.every(row => visibleLength(row) === visibleLength(narrow[0]!))).toBe(true);
		expect(visibleLength(narrow[0]!)).toBeLessThanOrEqual(50);
		expect(narrow.join('\n')).toContain('│ pauseOnConnect │');
		const shown = new Set(narrow.flatMap(words));
		expect([...table.header, ...table.rows.flat()].flatMap(words).filter(word => !shown.has(word))).toEqual([]);
	});

	it('become a list ("header: cell") when even their longest words cannot fit', () => {
		const list = tableRows(table, 30).map(stripAnsi);
		expect(list.every(row => row.length <= 30)).toBe(true);
		expect(list[0]).toBe('* setting: pauseOnConnect');
		expect(list).toContain('  default: false');
		expect(list.join('\n')).not.toMatch(/[│┌└]/);
	});
});

describe('wrapping and cutting', () => {
	it('wraps a list item under its text, whole words only, styles closed and reopened at a break', () => {
		expect(wrapAnsi('  * one two three four five', 14)).toEqual(['  * one two', '    three four', '    five']);
		const [first, second] = wrapAnsi('\u001B[1mbold words here\u001B[22m', 10);
		expect(first).toBe('\u001B[1mbold words\u001B[0m');
		expect(second).toBe('\u001B[1mhere\u001B[22m');
		expect(wrapAnsi('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
	});

	it('keeps closing punctuation with the character before it, a style change between them or not', () => {
		// 12 columns hold 成为孤儿进程 but not its 。: then 程 moves down with it, and 。 never starts a row.
		expect(wrapAnsi('成为孤儿进程。一行', 12).map(stripAnsi)).toEqual(['成为孤儿进', '程。一行']);
		expect(wrapAnsi('成为\u001B[1m孤儿进程\u001B[22m。一行', 12).map(stripAnsi)).toEqual(['成为孤儿进', '程。一行']);
	});

	it('cuts a code line with a marker and scrolls it sideways', () => {
		const code = {indent: 2, line: 'curl -si http://127.0.0.1:3000/work?id=1'};
		expect(codeRow(code, 80)).toBe(`  ${code.line}`);
		expect(codeRow(code, 20)).toBe(`  curl -si http://1${CUT}`);
		expect(codeRow(code, 20, 9)).toBe(`  ${CUT}http://127.0.0.1${CUT}`);
		expect(codeRow(code, 20, 30)).toBe(`  ${CUT}/work?id=1`);
	});
});

describe('the reader at 60 columns, every lesson', () => {
	it.each(lessons)('$file: no screen line over 60 columns, long shell lines cut, not wrapped', async ({file}) => {
		const lab = fakeLab('01-test', {lessonFile: path.join(lessonsDir, file)});
		const source = readFileSync(lab.lessonFile, 'utf8');
		const {lastFrame} = render(<LessonReader lab={lab} width={60} height={3000} isActive onBack={vi.fn()} onRun={vi.fn()} />);
		await eventually(() => {
			expect(lastFrame()).not.toContain('Loading the lesson');
			expect(lastFrame()).toMatch(/01-test lesson · rows 1-\d+ of \d+ \(100%\)/);
		});
		const lines = lastFrame()!.split('\n');
		expect(lines.filter(line => visibleLength(line) > 60)).toEqual([]);
		// Code sits 3 columns in (the reader's padding, the block's indent), more inside a list item.
		for (const line of codeLines(splitFrontMatter(source).body)) {
			const start = line.slice(0, 40).trim();
			if (start.length < 8) continue;
			const shown = lines.filter(each => each.includes(start));
			expect(shown, `code line "${line}"`).not.toEqual([]);
			// A line that does not fit is cut with the marker; the rest of it is not on the next row.
			if (line.trimEnd().length > 60 - 3) expect(shown.some(each => each.trimEnd().endsWith(CUT)), `code line "${line}" cut`).toBe(true);
			else if (line.length <= 45) expect(lines.some(each => each.includes(line.trim()))).toBe(true);
		}
	});
});
