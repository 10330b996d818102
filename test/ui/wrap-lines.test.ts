import {describe, expect, it} from 'vitest';
import {rowsFor, wordWrap, wrapLines} from '../../cli/ui/wrap-lines.js';

const plain = (text: string) => text.replace(/\u001B\[[0-9;]*m/g, '');

describe('wrapLines (ANSI text, hard wrap)', () => {
	it('splits rows at the width, counting only visible characters', () => {
		const rows = wrapLines('\u001B[32mabcdefgh\u001B[39m', 3);
		expect(rows.map(plain)).toEqual(['abc', 'def', 'gh']);
	});

	it('closes a style at a break and opens it again on the next row', () => {
		const [first, second] = wrapLines('\u001B[1mabcd\u001B[22m', 2);
		expect(first).toBe('\u001B[1mab\u001B[0m');
		expect(second).toBe('\u001B[1mcd\u001B[22m');
	});

	it('keeps empty lines and turns tabs into spaces', () => {
		expect(wrapLines('a\n\n\tb', 10)).toEqual(['a', '', '  b']);
	});
});

describe('wordWrap (plain text)', () => {
	it('breaks at spaces and drops the space at the break', () => {
		expect(wordWrap('one two three four', 9)).toEqual(['one two', 'three', 'four']);
	});

	it('keeps the indentation of the first row and splits words longer than a row', () => {
		expect(wordWrap('  indented words here', 12)).toEqual(['  indented', 'words here']);
		expect(wordWrap('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
	});

	it('counts the rows it renders', () => {
		expect(rowsFor('one two three four', 9)).toBe(3);
		expect(rowsFor('a\nb', 80)).toBe(2);
	});
});
