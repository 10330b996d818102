import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {cleanup, render} from 'ink-testing-library';
import {afterAll, afterEach, beforeAll, describe, expect, it, vi} from 'vitest';
import {LessonReader} from '../../cli/ui/LessonReader.js';
import {fakeLab, KEY, press} from './helpers.js';
import {eventually} from '../eventually.js';

let dir: string;
let lessonFile: string;

const rowsList = Array.from({length: 60}, (_, index) => `row ${String(index + 1).padStart(3, '0')}`);
const LESSON = [
	'---',
	'id: 01-test',
	'---',
	'# The lesson title',
	'',
	'A paragraph with **bold** words that is long enough to be wrapped when the terminal is narrow, so that re-wrapping can be seen.',
	'',
	'| Column A | Column B |',
	'| -------- | -------- |',
	'| one      | two      |',
	'',
	'```ts',
	...rowsList,
	'```',
	'',
].join('\n');

beforeAll(() => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'ncl-lesson-'));
	lessonFile = path.join(dir, 'lesson.md');
	writeFileSync(lessonFile, LESSON);
});

afterAll(() => rmSync(dir, {recursive: true, force: true}));

afterEach(() => {
	cleanup();
});

function reader(width = 80, height = 10) {
	const onBack = vi.fn();
	const onRun = vi.fn();
	const lab = fakeLab('01-test', {lessonFile});
	const view = render(<LessonReader lab={lab} width={width} height={height} isActive onBack={onBack} onRun={onRun} />);
	return {...view, lab, onBack, onRun};
}

/** The rows of text on screen (the last line is the position line). */
function body(frame: string | undefined): string[] {
	return (frame ?? '').split('\n').slice(0, -1);
}

describe('the lesson reader', () => {
	it('renders the Markdown for the terminal: heading without #, bold without **, a table, the code block', async () => {
		const {lastFrame} = reader(80, 40);
		await eventually(() => expect(lastFrame()).toContain('The lesson title'));
		const frame = lastFrame()!;
		expect(frame).not.toContain('# The lesson title');
		expect(frame).toContain('with bold words');
		expect(frame).toMatch(/│ Column A\s+│ Column B\s+│/);
		expect(frame).toContain('row 001');
		expect(frame).toMatch(/01-test lesson · rows 1-39 of \d+/);
	});

	it('scrolls by line (j/k, arrows; several keys in one chunk add up), page (PgDn/space, PgUp) and to the ends (G, g)', async () => {
		const {stdin, lastFrame} = reader(80, 10);
		await eventually(() => expect(lastFrame()).toContain('The lesson title'));
		await press(stdin, 'jjj');
		await eventually(() => expect(lastFrame()).toMatch(/rows 4-12 of/));
		await press(stdin, KEY.up);
		await eventually(() => expect(lastFrame()).toMatch(/rows 3-11 of/));
		await press(stdin, KEY.pageDown);
		await eventually(() => expect(lastFrame()).toMatch(/rows 11-19 of/));
		await press(stdin, ' ');
		await eventually(() => expect(lastFrame()).toMatch(/rows 19-27 of/));
		await press(stdin, KEY.pageUp);
		await eventually(() => expect(lastFrame()).toMatch(/rows 11-19 of/));
		await press(stdin, 'G');
		await eventually(() => expect(body(lastFrame()).join('\n')).toContain('row 060'));
		expect(lastFrame()).toContain('(100%)');
		await press(stdin, 'g');
		await eventually(() => expect(lastFrame()).toMatch(/rows 1-9 of/));
		expect(lastFrame()).toContain('The lesson title');
	});

	it('wraps to the width, and again after a resize', async () => {
		const {lastFrame, rerender, lab, onBack, onRun} = reader(80, 40);
		await eventually(() => expect(lastFrame()).toContain('The lesson title'));
		const wide = body(lastFrame());
		rerender(<LessonReader lab={lab} width={40} height={40} isActive onBack={onBack} onRun={onRun} />);
		await eventually(() => expect(body(lastFrame()).every(line => line.length <= 40)).toBe(true));
		const narrow = body(lastFrame());
		const rowsOf = (lines: string[]) => lines.findIndex(line => line.includes('Column A')) - lines.findIndex(line => line.includes('A paragraph'));
		expect(rowsOf(narrow)).toBeGreaterThan(rowsOf(wide));
	});

	it('esc goes back, r checks the lab', async () => {
		const {stdin, lastFrame, onBack, onRun} = reader();
		await eventually(() => expect(lastFrame()).toContain('The lesson title'));
		await press(stdin, 'r');
		await eventually(() => expect(onRun).toHaveBeenCalled());
		await press(stdin, KEY.escape);
		await eventually(() => expect(onBack).toHaveBeenCalled());
	});
});
