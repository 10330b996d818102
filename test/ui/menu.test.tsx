import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import type {LabRow} from '../../cli/app/session.js';
import {Menu} from '../../cli/ui/Menu.js';
import {fakeLab, KEY, press} from './helpers.js';
import {eventually} from '../eventually.js';

const rows: LabRow[] = [
	{lab: fakeLab('01-one'), status: 'passed'},
	{lab: fakeLab('02-two'), status: 'failing'},
	{lab: fakeLab('03-three'), status: 'not started'},
	{lab: fakeLab('04-four'), status: 'not started'},
];

function menu(extra: {current?: string; isActive?: boolean; height?: number} = {}) {
	const onOpen = vi.fn();
	const onLesson = vi.fn();
	const view = render(<Menu rows={rows} current={extra.current} passed={1} width={80} height={extra.height ?? 20} isActive={extra.isActive ?? true} onOpen={onOpen} onLesson={onLesson} />);
	return {...view, onOpen, onLesson};
}

afterEach(() => {
	cleanup();
});

describe('the menu', () => {
	it('lists the labs in order with their status and the overall progress', () => {
		const {lastFrame} = menu();
		const frame = lastFrame()!;
		expect(frame).toMatch(/01-one\s+Title of 01-one\s+passed/);
		expect(frame).toMatch(/02-two\s+Title of 02-two\s+failing/);
		expect(frame).toMatch(/03-three\s+Title of 03-three\s+not started/);
		expect(frame.indexOf('01-one')).toBeLessThan(frame.indexOf('04-four'));
		expect(frame).toContain('25% done');
		// The highlighted lab's summary.
		expect(frame).toContain('Summary of 01-one.');
	});

	it('starts on the current lab', () => {
		const {lastFrame} = menu({current: '03-three'});
		expect(lastFrame()).toMatch(/❯ 03-three/);
		expect(lastFrame()).toContain('Summary of 03-three.');
	});

	it('"Down Down Enter" in ONE chunk opens the third lab (the cursor lives in a ref)', async () => {
		const {stdin, onOpen} = menu();
		await press(stdin, `${KEY.down}${KEY.down}${KEY.enter}`);
		await eventually(() => expect(onOpen).toHaveBeenCalledTimes(1));
		expect(onOpen).toHaveBeenCalledWith('03-three');
	});

	it('"j j Enter" in one chunk (plain characters arrive as one string) opens the third lab too', async () => {
		const {stdin, onOpen} = menu();
		await press(stdin, 'jj\r');
		await eventually(() => expect(onOpen).toHaveBeenCalledWith('03-three'));
	});

	it('moves with arrows and j/k, stops at the ends, jumps with g/G', async () => {
		const {stdin, lastFrame} = menu();
		await press(stdin, KEY.up);
		await eventually(() => expect(lastFrame()).toMatch(/❯ 01-one/));
		await press(stdin, 'G');
		await eventually(() => expect(lastFrame()).toMatch(/❯ 04-four/));
		await press(stdin, 'k');
		await eventually(() => expect(lastFrame()).toMatch(/❯ 03-three/));
		await press(stdin, 'g');
		await eventually(() => expect(lastFrame()).toMatch(/❯ 01-one/));
	});

	it('l opens the highlighted lab\'s lesson', async () => {
		const {stdin, onLesson, onOpen} = menu();
		await press(stdin, KEY.down, 'l');
		await eventually(() => expect(onLesson).toHaveBeenCalledWith('02-two'));
		expect(onOpen).not.toHaveBeenCalled();
	});

	it('ignores keys while something is on top of it', async () => {
		const {stdin, onOpen} = menu({isActive: false});
		await press(stdin, KEY.enter, 'l');
		expect(onOpen).not.toHaveBeenCalled();
	});

	it('scrolls a list taller than the screen', async () => {
		const {stdin, lastFrame} = menu({height: 7});
		expect(lastFrame()).toContain('more: ↑/↓ scroll');
		await press(stdin, 'G');
		await eventually(() => expect(lastFrame()).toMatch(/❯ 04-four/));
		expect(lastFrame()).not.toContain('01-one');
	});
});
