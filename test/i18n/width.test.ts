import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import realStringWidth from 'string-width';
import {describe, expect, it} from 'vitest';
import {padEndToWidth, sliceToWidth, textWidth, truncateToWidth} from '../../cli/i18n/width.js';
import {lessonsDir} from '../../cli/paths.js';
import {codeRow, renderLesson, visibleLength, wrapAnsi} from '../../cli/ui/markdown.js';
import {wordWrap, wrapLines} from '../../cli/ui/wrap-lines.js';
import {stripAnsi} from '../../cli/reporters/text.js';
import {zhCN} from '../../cli/i18n/zh-CN.js';
import {stepTitlesZhCN} from '../../cli/checks/titles.zh-CN.js';

(globalThis as {require?: NodeRequire}).require ??= createRequire(import.meta.url);
const {default: shimWidth} = await import('../../scripts/shims/string-width.js');

const zhDir = path.join(lessonsDir, 'zh-CN');
const zhLessons = existsSync(zhDir) ? readdirSync(zhDir).filter(file => file.endsWith('.md')).map(file => readFileSync(path.join(zhDir, file), 'utf8')) : [];
/** Every string the zh-CN tables hold (functions called with sample arguments). */
function tableText(): string {
	const out: string[] = [];
	const walk = (value: unknown) => {
		if (typeof value === 'string') out.push(value);
		else if (typeof value === 'function') out.push(String((value as (...args: unknown[]) => unknown)(2, 3, 'x', 'y')));
		else if (value && typeof value === 'object') for (const each of Object.values(value)) walk(each);
	};
	walk(zhCN);
	walk(stepTitlesZhCN);
	return out.join('\n');
}

const SAMPLE = '主进程（primary）把工作交给子进程：fork、IPC，共 200 个请求；每个 3 s。';

describe('columns of Chinese text', () => {
	it('count a CJK character and full-width punctuation as two columns, as string-width and the bundle shim do', () => {
		expect(textWidth('子进程')).toBe(6);
		expect(textWidth('，。；：（）')).toBe(12);
		expect(textWidth('fork 子进程')).toBe(11);
		for (const text of [SAMPLE, '子进程', '，。', 'plain', '']) {
			expect(textWidth(text), text).toBe(realStringWidth(text));
			expect(shimWidth(text), `shim: ${text}`).toBe(realStringWidth(text));
		}
	});

	it('agree with string-width on every character of the zh-CN lessons and string tables', () => {
		const chars = new Set([...zhLessons.join(''), ...tableText()].filter(char => char >= ' '));
		expect(chars.size).toBeGreaterThan(100);
		const differ = [...chars].filter(char => textWidth(char) !== realStringWidth(char));
		expect(differ).toEqual([]);
	});

	it('slice, pad and truncate by columns, never half a character', () => {
		expect(sliceToWidth('子进程', 5)).toBe('子进');
		expect(sliceToWidth('a子', 2)).toBe('a');
		expect(padEndToWidth('子进程', 8)).toBe('子进程  ');
		expect(truncateToWidth('与子进程对话：fork 与 IPC', 10)).toBe('与子进程…');
		expect(textWidth(truncateToWidth('与子进程对话：fork 与 IPC', 10))).toBeLessThanOrEqual(10);
	});
});

describe('wrapping Chinese text', () => {
	const widths = [7, 10, 23, 40, 78];

	it('wordWrap: no row wider than the width, every character kept, breaks between CJK characters, no row starts with ，or 。', () => {
		for (const width of widths) {
			const rows = wordWrap(SAMPLE, width);
			for (const row of rows) expect(textWidth(row), `${width}: ${row}`).toBeLessThanOrEqual(width);
			expect(rows.join('').replaceAll(' ', '')).toBe(SAMPLE.replaceAll(' ', ''));
			// (A word longer than a row is split wherever it must: at 10 columns "（primary）" is.)
			if (width >= 23) for (const row of rows.slice(1)) expect(row).not.toMatch(/^[，。；：）]/);
		}
		expect(wordWrap('子进程子进程', 7)).toEqual(['子进程', '子进程']);
		expect(wordWrap('工作交给 fork 出来的子进程。', 12)).toEqual(['工作交给', 'fork 出来的', '子进程。']);
	});

	it('wrapLines (hard wrap): a wide character that does not fit starts the next row', () => {
		expect(wrapLines('a子进程', 4)).toEqual(['a子', '进程']);
		expect(wrapLines('\u001B[32m子进程\u001B[39m', 3).map(stripAnsi)).toEqual(['子', '进', '程']);
		for (const width of widths) for (const row of wrapLines(SAMPLE, width)) expect(textWidth(stripAnsi(row))).toBeLessThanOrEqual(width);
	});

	it('the lesson renderer: wrapAnsi and codeRow count columns', () => {
		for (const width of widths) {
			const rows = wrapAnsi(`  * ${SAMPLE}`, width);
			for (const row of rows) expect(visibleLength(row), row).toBeLessThanOrEqual(width);
			expect(rows.join('').replaceAll(' ', '')).toBe(`*${SAMPLE}`.replaceAll(' ', ''));
		}
		expect(visibleLength(codeRow({indent: 0, line: '// 子进程子进程子进程'}, 10))).toBeLessThanOrEqual(10);
	});

	it.each([60, 80, 100])('every zh-CN lesson at %i columns: no row wider than the screen', async columns => {
		expect(zhLessons.length).toBeGreaterThan(0);
		for (const lesson of zhLessons) {
			const rows = await renderLesson(lesson, columns - 2, false);
			expect(rows.filter(row => visibleLength(row.text) > columns - 2).map(row => row.text)).toEqual([]);
		}
	});
});
