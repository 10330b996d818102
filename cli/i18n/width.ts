/**
Terminal columns of text, for the kit's own layout (the app's wrapping, menus,
footers; list's and the reporters' padding): a CJK character or full-width
punctuation mark takes two columns, a combining mark or a control none, the
rest one. East Asian Width comes from get-east-asian-width (what string-width
uses), without string-width's Intl.Segmenter and emoji regex, which cost the
app's first frame (scripts/shims/string-width.js says how much). Ambiguous
characters (box drawing, arrows, ·, …) count as narrow, as string-width does
by default. test/i18n/width.test.ts compares it with string-width.
*/
import {eastAsianWidth} from 'get-east-asian-width';

/** Printable ASCII: one column each, the common case, answered without a lookup. */
const ASCII = /^[\u0020-\u007E]*$/;

/** Columns of one code point: 0, 1 or 2. */
export function charWidth(codePoint: number): number {
	if (codePoint >= 0x20 && codePoint < 0x7f) return 1;
	// C0/C1 controls, combining marks, zero-width spaces and joiners, variation selectors.
	if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0)) return 0;
	if ((codePoint >= 0x300 && codePoint <= 0x36f) || (codePoint >= 0x200b && codePoint <= 0x200f) || (codePoint >= 0xfe00 && codePoint <= 0xfe0f) || (codePoint >= 0x20d0 && codePoint <= 0x20ff)) return 0;
	return eastAsianWidth(codePoint);
}

/** Columns of plain text (no escape codes). */
export function textWidth(text: string): number {
	if (ASCII.test(text)) return text.length;
	let width = 0;
	for (const char of text) width += charWidth(char.codePointAt(0)!);
	return width;
}

/** True when a character takes two columns (a line of Chinese may break before or after it). */
export function isWide(char: string): boolean {
	return charWidth(char.codePointAt(0)!) === 2;
}

/** The longest start of `text` that fits in `columns`, never half a wide character. */
export function sliceToWidth(text: string, columns: number): string {
	if (ASCII.test(text)) return text.slice(0, Math.max(0, columns));
	let used = 0;
	let end = 0;
	for (const char of text) {
		const width = charWidth(char.codePointAt(0)!);
		if (used + width > columns) break;
		used += width;
		end += char.length;
	}
	return text.slice(0, end);
}

/** `text` padded with spaces to `columns` (as padEnd, by columns). */
export function padEndToWidth(text: string, columns: number): string {
	return text + ' '.repeat(Math.max(0, columns - textWidth(text)));
}

/** `text` cut to `columns` with … at the end when it does not fit. */
export function truncateToWidth(text: string, columns: number): string {
	if (textWidth(text) <= columns) return text;
	return `${sliceToWidth(text, Math.max(0, columns - 1))}…`;
}
