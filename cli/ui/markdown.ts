/**
Lessons rendered for the terminal with marked + marked-terminal: headings,
lists, tables, code blocks with syntax colours. marked-terminal (with
cli-highlight and cli-table3) costs ~130 ms to import, so it is loaded on the
first lesson opened, never before the first frame.

marked-terminal lays text out for one width and leaves the rest to the
terminal, which breaks words, table borders and shell lines alike. So it
renders at a width nothing reaches, and renderLesson lays the result out
itself: prose is word-wrapped (a list item's continuation rows under its text),
tables are fitted to the width (wrapped inside their cells) or become a list
when they cannot fit, and code is never wrapped: a line too long is cut with a
marker, and the reader scrolls it sideways.
*/
import type {MarkedExtension, Tokens} from 'marked';
import {colourOff} from '../app/terminal.js';
import {stripAnsi} from '../reporters/text.js';
import {charWidth, isWide, textWidth} from '../i18n/width.js';
import {CLOSING, OPENING, wrapWords} from './wrap-lines.js';

type Loaded = {
	Marked: typeof import('marked').Marked;
	markedTerminal: (options?: Record<string, unknown>) => MarkedExtension;
	highlight: (code: string, options: {language?: string; ignoreIllegals?: boolean}) => string;
};

let loading: Promise<Loaded> | undefined;

function load(): Promise<Loaded> {
	loading ??= Promise.all([import('marked'), import('marked-terminal'), import('cli-highlight')]).then(([marked, terminal, cliHighlight]) => {
		const module = cliHighlight as unknown as {highlight?: Loaded['highlight']; default?: {highlight: Loaded['highlight']}};
		return {Marked: marked.Marked, markedTerminal: terminal.markedTerminal, highlight: module.highlight ?? module.default!.highlight};
	});
	return loading;
}

/** Wider than any line a lesson has: marked-terminal then reflows nothing, and lays out no table. */
const UNLIMITED = 100_000;
/** Line markers (private-use characters) left by the renderers below for the layout to find. */
const CODE = '\uE000';
const TABLE = '\uE001';
const RULE = '\uE002';
/**
Stands for an empty line inside a list item. marked-terminal drops empty lines
there (filter(identity)) unless colours are on, when its chalk.reset style makes
them non-empty: so a code block or a second paragraph in a list item had blank
rows around it in a colour terminal and none with NO_COLOR or in the tests. The
listitem style below marks them in both modes; the layout removes the mark.
*/
const BLANK = '\uE003';
/** Marks a code line cut at the right edge (or, scrolled sideways, at the left). */
export const CUT = '…';
/** What marked-terminal puts in place of ':' inside inline code until its last pass. */
const COLON_REPLACER = /\*#COLON\|\*/g;

// eslint-disable-next-line no-control-regex
const ESCAPE = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)/y;
const RESET = '\u001B[0m';
const BOLD = '\u001B[1m';
const BOLD_OFF = '\u001B[22m';

type Table = {header: string[]; rows: string[][]};

/** One row of a lesson on screen. A code row carries its whole line, to be cut (or scrolled) at any width. */
export type LessonRow = {text: string; code?: {indent: number; line: string}};

/** Colours on a terminal, unless NO_COLOR or FORCE_COLOR=0 say otherwise. */
export function markdownColour(): boolean {
	return Boolean(process.stdout.isTTY) && !colourOff(process.env);
}

/** The columns a terminal shows (a CJK character takes two: cli/i18n/width.ts). */
export function visibleLength(text: string): number {
	return textWidth(stripAnsi(text));
}

const columnsOf = (unit: Unit) => ('char' in unit ? charWidth(unit.char.codePointAt(0)!) : 0);
const isWideUnit = (unit: Unit | undefined) => unit !== undefined && 'char' in unit && isWide(unit.char);
const isClosing = (unit: Unit | undefined) => unit !== undefined && 'char' in unit && CLOSING.test(unit.char);
const isOpening = (unit: Unit | undefined) => unit !== undefined && 'char' in unit && OPENING.test(unit.char);

type Unit = {escape: string} | {char: string};

function units(text: string): Unit[] {
	const found: Unit[] = [];
	for (let index = 0; index < text.length; ) {
		ESCAPE.lastIndex = index;
		const escape = ESCAPE.exec(text);
		if (escape) {
			found.push({escape: escape[0]});
			index += escape[0].length;
			continue;
		}
		const char = String.fromCodePoint(text.codePointAt(index)!);
		found.push({char});
		index += char.length;
	}
	return found;
}

/** The SGR codes in force after `code`, given those before it. */
function track(active: string[], code: string): string[] {
	if (!code.endsWith('m') || code.startsWith('\u001B]')) return active;
	return code === RESET || code === '\u001B[m' ? [] : [...active, code];
}

/**
Word-wraps one line of ANSI text at `width` visible columns. Breaks only at
spaces (a word is split only when it is longer than a whole row); the spaces
at a break go; a style open at a break is closed there and opened again. The
rows after the first are indented like the text of the first: under a list
item's text, not under its bullet.
*/
export function wrapAnsi(line: string, width: number): string[] {
	const safeWidth = Math.max(1, Math.floor(width));
	if (visibleLength(line) <= safeWidth) return [line];
	const plain = stripAnsi(line);
	const hang = Math.min(/^\s*(?:(?:[*•-]|\d+\.)\s+)?/.exec(plain)![0].length, Math.floor(safeWidth / 2));
	const rows: string[] = [];
	let row = '';
	let used = 0;
	let active: string[] = [];
	let words = 0;
	const put = (unit: Unit) => {
		if ('escape' in unit) {
			row += unit.escape;
			active = track(active, unit.escape);
		} else {
			row += unit.char;
			used += columnsOf(unit);
		}
	};
	const newRow = () => {
		rows.push(active.length > 0 ? row + RESET : row);
		row = ' '.repeat(hang) + active.join('');
		used = hang;
	};
	// Words and the gaps between them, each a run of units.
	const all = units(line);
	let gap: Unit[] = [];
	let index = 0;
	// The line's own indentation stays on its first row.
	while (index < all.length && ('escape' in all[index]! || (all[index] as {char: string}).char === ' ')) put(all[index++]!);
	while (index < all.length) {
		const word: Unit[] = [];
		const isSpace = (unit: Unit | undefined) => unit !== undefined && 'char' in unit && unit.char === ' ';
		// A CJK character is a word of its own (Chinese breaks between any two), closing punctuation kept with it.
		while (index < all.length && !isSpace(all[index])) {
			const unit = all[index]!;
			const previous = [...word].reverse().find(each => 'char' in each);
			if (isWideUnit(unit) && !isClosing(unit) && previous !== undefined && !isOpening(previous)) break;
			word.push(unit);
			index++;
			// The next character, past any style change (**孤儿进程**。 closes the bold before the 。).
			let next = index;
			while (next < all.length && 'escape' in all[next]!) next++;
			if (isWideUnit(unit) && !isClosing(all[next]) && !isOpening(unit)) break;
		}
		const wordLength = word.reduce((sum, unit) => sum + columnsOf(unit), 0);
		const gapLength = gap.filter(unit => 'char' in unit).length;
		if (words > 0 && used + gapLength + wordLength > safeWidth) {
			for (const unit of gap) if ('escape' in unit) put(unit);
			newRow();
		} else for (const unit of gap) put(unit);
		for (const unit of word) {
			if ('char' in unit && used + columnsOf(unit) > safeWidth && used > hang) newRow();
			put(unit);
		}
		words++;
		gap = [];
		while (isSpace(all[index])) gap.push(all[index++]!);
		while (index < all.length && 'escape' in all[index]! && gap.length > 0) gap.push(all[index++]!);
	}
	for (const unit of gap) if ('escape' in unit) put(unit);
	rows.push(row);
	return rows;
}

/** The visible columns [from, from + count) of ANSI text, every style code kept (closed at the end). */
function sliceAnsi(text: string, from: number, count: number): string {
	let out = '';
	let column = 0;
	let styled = false;
	for (const unit of units(text)) {
		if ('escape' in unit) {
			out += unit.escape;
			styled = true;
		} else {
			// A wide character is shown whole or not at all.
			const columns = columnsOf(unit);
			if (column >= from && column + columns <= from + count) out += unit.char;
			column += columns;
		}
	}
	return styled ? out + RESET : out;
}

/**
A code line as shown `width` columns wide, scrolled `left` columns: never
wrapped; cut with CUT where it goes on past the right edge (or, scrolled, on
the left).
*/
export function codeRow(code: {indent: number; line: string}, width: number, left = 0): string {
	const room = Math.max(1, width - code.indent);
	const length = visibleLength(code.line);
	const start = Math.max(0, Math.min(left, length - 1));
	const lead = start > 0 ? CUT : '';
	const rest = length - start;
	const shown = rest + lead.length <= room ? sliceAnsi(code.line, start, rest) : sliceAnsi(code.line, start, room - lead.length - 1) + CUT;
	return ' '.repeat(code.indent) + lead + shown;
}

function pad(text: string, width: number): string {
	return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

function longestWord(text: string): number {
	return Math.max(0, ...stripAnsi(text).split(/\s+/).flatMap(word => wrapWords(word).map(each => textWidth(each.word))));
}

/** A table as rows of text at most `width` wide: boxed, wrapped inside its cells; or a list when its words cannot fit. */
export function tableRows(table: Table, width: number): string[] {
	const columns = table.header.length;
	const all = [table.header, ...table.rows];
	const natural = Array.from({length: columns}, (_, column) => Math.max(1, ...all.map(row => visibleLength(row[column] ?? ''))));
	const least = Array.from({length: columns}, (_, column) => Math.max(1, ...all.map(row => longestWord(row[column] ?? ''))));
	// "│ " before each cell, " " after it, and the closing "│".
	const room = width - (3 * columns + 1);
	const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
	if (sum(least) > room) return tableAsList(table, width);
	const widths = [...least];
	// The narrow columns whole first (a "Node 20" heading stays on one line), then the wide ones get what is left.
	let left = Math.min(room, sum(natural)) - sum(widths);
	const byWidth = widths.map((_, column) => column).sort((a, b) => natural[a]! - natural[b]!);
	for (const column of byWidth) {
		const more = Math.min(natural[column]! - widths[column]!, left);
		widths[column]! += more;
		left -= more;
	}
	const line = (left: string, middle: string, right: string) => left + widths.map(each => '─'.repeat(each + 2)).join(middle) + right;
	const rows: string[] = [line('┌', '┬', '┐')];
	for (const [index, row] of all.entries()) {
		const cells = widths.map((each, column) => {
			const text = row[column] ?? '';
			return wrapAnsi(index === 0 && text ? BOLD + text + BOLD_OFF : text, each);
		});
		const height = Math.max(...cells.map(cell => cell.length));
		for (let at = 0; at < height; at++) rows.push(`│ ${cells.map((cell, column) => pad(cell[at] ?? '', widths[column]!)).join(' │ ')} │`);
		rows.push(index === all.length - 1 ? line('└', '┴', '┘') : line('├', '┼', '┤'));
	}
	return rows;
}

/** Each row as a list item: its first cell, then "Header: cell" for the others, wrapped under the item's text. */
function tableAsList(table: Table, width: number): string[] {
	const rows: string[] = [];
	const named = (column: number, text: string) => (table.header[column] ? `${BOLD}${table.header[column]}:${BOLD_OFF} ${text}` : text);
	for (const row of table.rows) {
		rows.push(...wrapAnsi(`* ${named(0, row[0] ?? '')}`, width));
		for (let column = 1; column < table.header.length; column++) rows.push(...wrapAnsi(`  ${named(column, row[column] ?? '')}`, width));
	}
	return rows;
}

/**
Two fixes on top of marked-terminal 7, each falling through to it (false):
- it renders a text token from its raw text, so inline styles in tight list
  items ("* the **primary** owns…") would keep their asterisks: parse their
  inline tokens instead;
- a code block without a language would be auto-detected by trying every
  highlight.js language (most of a second unbundled, for an ASCII diagram):
  call it plain text.
And three markers for the layout: code lines, tables and rules come out as
lines it recognises (see renderLesson).
*/
function extension(tables: Table[], highlight: Loaded['highlight'] | undefined): MarkedExtension {
	return {
		renderer: {
			text(token) {
				if (!(typeof token === 'object' && 'tokens' in token && token.tokens)) return false;
				// A line break in the source is a space (the layout wraps); a hard break (marked-terminal's \r) is a line break.
				return this.parser.parseInline(token.tokens).replace(/\n/g, ' ').replace(/\r/g, '\n');
			},
			code(token) {
				const language = token.lang?.trim().split(/\s+/)[0] || 'plaintext';
				// eslint-disable-next-line no-control-regex
				const text = token.text.replace(/\t/g, '  ').replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, '');
				let coloured = text;
				if (highlight) {
					try {
						coloured = highlight(text, {language, ignoreIllegals: true});
					} catch {
						// An unknown language: plain text.
					}
				}
				return `${coloured
					.split('\n')
					.map(line => CODE + line)
					.join('\n')}\n\n`;
			},
			table(token: Tokens.Table) {
				const cell = (each: Tokens.TableCell) => this.parser.parseInline(each.tokens).replace(COLON_REPLACER, ':').replace(/\s+/g, ' ').trim();
				tables.push({header: token.header.map(cell), rows: token.rows.map(row => row.map(cell))});
				return `${TABLE}${tables.length - 1}\n\n`;
			},
			hr() {
				return `${RULE}\n\n`;
			},
		},
	};
}

/** Lays out one rendered line at `width`. */
function layoutLine(line: string, width: number, tables: Table[]): LessonRow[] {
	const marker = [CODE, TABLE, RULE].map(each => ({each, at: line.indexOf(each)})).find(found => found.at >= 0);
	if (!marker) return wrapAnsi(line, width).map(text => ({text}));
	// Whatever comes before a marker is indentation (a list item's, a quote's).
	const indent = Math.min(visibleLength(line.slice(0, marker.at)), Math.floor(width / 2));
	const rest = line.slice(marker.at + 1);
	if (marker.each === CODE) {
		const code = {indent: indent + 2, line: rest};
		return [{text: codeRow(code, width), code}];
	}
	if (marker.each === RULE) return [{text: ' '.repeat(indent) + '─'.repeat(Math.max(1, width - indent))}];
	const table = tables[Number.parseInt(rest, 10)];
	return table ? tableRows(table, width - indent).map(text => ({text: ' '.repeat(indent) + text})) : [];
}

/** A lesson's Markdown as rows for a terminal `width` columns wide: no row is wider, no word split, no code line wrapped. */
export async function renderLesson(source: string, width: number, colour = markdownColour()): Promise<LessonRow[]> {
	const {Marked, markedTerminal, highlight} = await load();
	const tables: Table[] = [];
	const keepBlankLines = (item: string) => item.replace(/^$/gm, BLANK);
	const marked = new Marked(markedTerminal({width: UNLIMITED, reflowText: true, tab: 2, showSectionPrefix: false, emoji: false, listitem: keepBlankLines}), extension(tables, colour ? highlight : undefined));
	let text = (await marked.parse(source)).trimEnd().replaceAll(BLANK, '');
	if (!colour) {
		text = stripAnsi(text);
		for (const table of tables) {
			table.header = table.header.map(stripAnsi);
			table.rows = table.rows.map(row => row.map(stripAnsi));
		}
	}
	const rows = text.split('\n').flatMap(line => layoutLine(line.replace(/\t/g, '  '), width, tables));
	return colour ? rows : rows.map(row => ({...row, text: stripAnsi(row.text)}));
}

/** Markdown as text lines at most `width` wide (renderLesson's rows, code cut at the edge). */
export async function renderMarkdown(source: string, width: number, colour = markdownColour()): Promise<string> {
	return (await renderLesson(source, width, colour)).map(row => row.text).join('\n');
}
