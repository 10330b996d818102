import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import type {SolutionDiff} from '../../cli/app/solution-diff.js';
import {Confirm} from '../../cli/ui/Confirm.js';
import {CreateWorkspace} from '../../cli/ui/CreateWorkspace.js';
import {fitKeys} from '../../cli/ui/Footer.js';
import {HELP, HelpOverlay} from '../../cli/ui/HelpOverlay.js';
import {HintView} from '../../cli/ui/HintView.js';
import {SolutionView} from '../../cli/ui/SolutionView.js';
import {fakeLab, KEY, press} from './helpers.js';
import {eventually} from '../eventually.js';

afterEach(() => {
	cleanup();
});

describe('help', () => {
	it('lists every key, in two columns that fit 80 columns', () => {
		const {lastFrame} = render(<HelpOverlay width={80} onClose={() => {}} />);
		const frame = lastFrame()!;
		for (const section of HELP.flat()) {
			expect(frame).toContain(section.title);
			for (const [key, what] of section.keys) expect(frame).toMatch(new RegExp(`${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${what.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
		}
		// Every key a handler reacts to is listed somewhere.
		const listed = HELP.flat().flatMap(section => section.keys.flatMap(([key]) => key.split(' ')));
		for (const key of ['r', 'c', 'w', 'h', 'l', 's', 'x', 'n', 't', 'q', 'ctrl-c', '?', 'g', 'G', 'f', 'j', 'k', 'PgDn', 'PgUp', 'space', 'esc', 'b', 'enter']) expect(listed, key).toContain(key);
		expect(frame.split('\n').every(line => line.length <= 80)).toBe(true);
		expect(frame.split('\n').length).toBeLessThanOrEqual(19);
	});

	it('closes on esc and on ?', async () => {
		const onClose = vi.fn();
		const {stdin} = render(<HelpOverlay width={80} onClose={onClose} />);
		await press(stdin, KEY.escape);
		await eventually(() => expect(onClose).toHaveBeenCalledTimes(1));
		await press(stdin, '?');
		await eventually(() => expect(onClose).toHaveBeenCalledTimes(2));
	});
});

describe('the confirm dialog', () => {
	it('shows the question with [y/N]; only y says yes', async () => {
		const onAnswer = vi.fn();
		const {stdin, lastFrame} = render(<Confirm question="Replace labs/01-ipc with the starter?" detail="Backed up first." onAnswer={onAnswer} />);
		expect(lastFrame()).toContain('Replace labs/01-ipc with the starter? [y/N]');
		expect(lastFrame()).toContain('Backed up first.');
		await press(stdin, 'y');
		await eventually(() => expect(onAnswer).toHaveBeenLastCalledWith(true));
		for (const no of [KEY.enter, 'n', KEY.escape]) {
			onAnswer.mockClear();
			await press(stdin, no);
			await eventually(() => expect(onAnswer).toHaveBeenLastCalledWith(false));
		}
		onAnswer.mockClear();
		await press(stdin, 'x');
		expect(onAnswer).not.toHaveBeenCalled();
	});
});

describe('the solution view', () => {
	const lab = fakeLab('01-ipc');
	const diffs: SolutionDiff[] = [{file: 'main.ts', missing: false, identical: false, lines: ['@@ -1,2 +1,2 @@', ' const a = 1;', '-// TODO: fork', '+fork(file);']}];

	it('while the instructor lock is on, shows why and nothing of the solution', async () => {
		const onToggleFull = vi.fn();
		const {lastFrame, stdin} = render(<SolutionView lab={lab} lock="locked" diffs={diffs} full={false} width={80} height={20} isActive onBack={() => {}} onToggleFull={onToggleFull} />);
		const frame = lastFrame()!;
		expect(frame).toContain('Solutions are locked for this workshop.');
		expect(frame).toContain('NCL_LOCK_SOLUTIONS=1');
		expect(frame).not.toContain('fork(file)');
		expect(frame).not.toContain('@@');
		await press(stdin, 'f');
		expect(onToggleFull).not.toHaveBeenCalled();
	});

	it('in a workshop, takes the code as typed (b and q are letters of it): a wrong one is refused, the right one opens it', async () => {
		const typed: string[] = [];
		const onBack = vi.fn();
		const onUnlock = (code: string) => {
			typed.push(code);
			return code === 'K7M2-QXB9' ? undefined : 'that code opens no lab of this workshop';
		};
		const {lastFrame, stdin} = render(<SolutionView lab={lab} lock="workshop" onUnlock={onUnlock} diffs={diffs} full={false} width={80} height={20} isActive onBack={onBack} onToggleFull={() => {}} />);
		expect(lastFrame()).toContain("The solution of 01-ipc opens with your instructor's code.");
		expect(lastFrame()).not.toContain('fork(file)');
		for (const key of 'k7m2-qxb8') await press(stdin, key);
		await eventually(() => expect(lastFrame()).toContain('Code: K7M2-QXB8_'));
		await press(stdin, '\x7f');
		await eventually(() => expect(lastFrame()).toContain('Code: K7M2-QXB_'));
		await press(stdin, '7');
		await press(stdin, '\r');
		await eventually(() => expect(lastFrame()).toContain('that code opens no lab of this workshop'));
		for (const key of 'k7m2-qxb9') await press(stdin, key);
		await press(stdin, '\r');
		await eventually(() => expect(typed).toEqual(['K7M2-QXB7', 'K7M2-QXB9']));
		expect(onBack).not.toHaveBeenCalled();
		await press(stdin, '\x1b');
		await eventually(() => expect(onBack).toHaveBeenCalled());
	});

	it('otherwise, the diff against the learner\'s file; f switches to whole files', async () => {
		const onToggleFull = vi.fn();
		const {lastFrame, stdin} = render(<SolutionView lab={lab} diffs={diffs} full={false} width={80} height={20} isActive onBack={() => {}} onToggleFull={onToggleFull} />);
		const frame = lastFrame()!;
		expect(frame).toContain('main.ts   - yours (labs/01-ipc)   + reference (solutions/01-ipc)');
		expect(frame).toContain('-// TODO: fork');
		expect(frame).toContain('+fork(file);');
		expect(frame).toContain('changes only (f switches)');
		await press(stdin, 'f');
		await eventually(() => expect(onToggleFull).toHaveBeenCalled());
	});
});

describe('hints', () => {
	it('shows the hints seen so far; h asks for one more', async () => {
		const onMore = vi.fn();
		const lab = fakeLab('01-ipc');
		const {lastFrame, stdin} = render(<HintView lab={lab} shown={2} width={80} height={20} isActive onMore={onMore} onBack={() => {}} />);
		expect(lastFrame()).toContain('Hints for 01-ipc (2 of 3 seen)');
		expect(lastFrame()).toContain('Hint 1 of 3: First nudge.');
		expect(lastFrame()).toContain('Hint 2 of 3: Second, closer.');
		expect(lastFrame()).not.toContain('Nearly the answer.');
		await press(stdin, 'h');
		await eventually(() => expect(onMore).toHaveBeenCalled());
	});

	it('folds earlier hints to one line when they do not fit; the newest stays whole', () => {
		const long = 'word '.repeat(60).trim();
		const lab = fakeLab('01-ipc', {hints: [`${long} one`, `${long} two`, `${long} three`]});
		const {lastFrame} = render(<HintView lab={lab} shown={3} width={80} height={12} isActive onMore={() => {}} onBack={() => {}} />);
		const frame = lastFrame()!;
		expect(frame).not.toContain('one\n');
		expect(frame).toContain('three');
		expect(frame.match(/…/g)).toHaveLength(2);
	});
});

describe('outside a workspace', () => {
	it('offers a folder name (node-cluster-labs by default) and creates it on enter', async () => {
		const onCreate = vi.fn();
		const {lastFrame, stdin} = render(<CreateWorkspace cwd="/home/me" onCreate={onCreate} onQuit={() => {}} />);
		expect(lastFrame()).toContain('No workspace here');
		expect(lastFrame()).toContain('node-cluster-labs');
		expect(lastFrame()).toContain('/home/me/node-cluster-labs');
		await press(stdin, KEY.enter);
		await eventually(() => expect(onCreate).toHaveBeenCalledWith('node-cluster-labs'));
	});

	it('typing replaces the default; backspace edits; a failure is shown and the field stays', async () => {
		const onCreate = vi.fn(() => {
			throw new Error('my-labs exists and is not empty');
		});
		const {lastFrame, stdin} = render(<CreateWorkspace cwd="/home/me" onCreate={onCreate} onQuit={() => {}} />);
		await press(stdin, 'my-labz', '\u007F', 's');
		await eventually(() => expect(lastFrame()).toContain('/home/me/my-labs'));
		await press(stdin, KEY.enter);
		await eventually(() => expect(lastFrame()).toContain('my-labs exists and is not empty'));
		expect(onCreate).toHaveBeenCalledWith('my-labs');
	});

	it('esc quits', async () => {
		const onQuit = vi.fn();
		const {stdin} = render(<CreateWorkspace cwd="/home/me" onCreate={() => {}} onQuit={onQuit} />);
		await press(stdin, KEY.escape);
		await eventually(() => expect(onQuit).toHaveBeenCalled());
	});
});

describe('the footer', () => {
	it('drops keys from the end of the list to fit, keeping the last three (back, help, quit)', () => {
		const keys = [['r', 'run'], ['h', 'hint'], ['l', 'lesson'], ['esc', 'labs'], ['?', 'keys'], ['q', 'quit']] as const;
		expect(fitKeys(keys, 200)).toEqual(keys);
		expect(fitKeys(keys, 40).map(([key]) => key)).toEqual(['r', 'h', 'esc', '?', 'q']);
		expect(fitKeys(keys, 10).map(([key]) => key)).toEqual(['esc', '?', 'q']);
	});
});
