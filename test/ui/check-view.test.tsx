import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import type {OutputLine, RunView} from '../../cli/app/run-state.js';
import type {SessionState} from '../../cli/app/session.js';
import {CheckView} from '../../cli/ui/CheckView.js';
import {pickOutputLines} from '../../cli/ui/FailureDetails.js';
import {TrafficBars} from '../../cli/ui/TrafficBars.js';
import {fakeLab} from './helpers.js';

const lab = fakeLab('01-ipc', {title: 'Talking to children'});

function state(run: Partial<RunView>, extra: Partial<SessionState> = {}): SessionState {
	return {
		root: '/tmp/ws',
		labs: [{lab, status: 'failing'}],
		passed: 0,
		current: lab.id,
		open: lab,
		run: {phase: 'running', steps: [], output: [], lab: lab.id, ...run},
		trigger: 'saved main.ts',
		watch: {enabled: true, mode: 'fs'},
		hintsShown: 0,
		lang: 'en',
		...extra,
	};
}

const failure = {
	message: 'Your primary has no child processes with an IPC channel',
	expected: '3 children started with child_process.fork()',
	actual: 'no child processes at all',
	hint: 'Use fork() from node:child_process.',
	repro: "curl -si 'http://127.0.0.1:20001/work?id=1'",
};

const output = (...lines: string[]): OutputLine[] => lines.map(line => ({stream: 'stdout', line}));

afterEach(() => {
	cleanup();
});

describe('the check view', () => {
	it('shows a failure: the step, expected vs actual, the hint, the repro command and what the program printed', () => {
		const {lastFrame} = render(
			<CheckView
				width={100}
				height={30}
				state={state({
					phase: 'failed',
					steps: [
						{id: 'starts', title: 'Starts and listens', status: 'passed', durationMs: 300},
						{id: 'children', title: 'Forks child processes', status: 'failed', durationMs: 20, failure},
						{id: 'count', title: 'Forks exactly WORKERS children', status: 'skipped', skipReason: 'an earlier step failed'},
					],
					output: [...output('[primary] pid 4242 listening'), {stream: 'stderr', line: 'warning: something'}],
				})}
			/>,
		);
		const frame = lastFrame()!;
		expect(frame).toContain('✗ Failed at step 2 of 3 (saved main.ts)');
		expect(frame).toMatch(/✓ Starts and listens \(300 ms\)/);
		expect(frame).toMatch(/✗ Forks child processes/);
		expect(frame).toContain('- 1 more step skipped after the failure');
		expect(frame).toContain(failure.message);
		expect(frame).toContain(`expected: ${failure.expected}`);
		expect(frame).toContain(`actual:   ${failure.actual}`);
		expect(frame).toContain(`hint: ${failure.hint}`);
		expect(frame).toContain(`try it yourself: ${failure.repro}`);
		expect(frame).toContain('your program printed (last 2 lines):');
		expect(frame).toContain('[your_program] [primary] pid 4242 listening');
		expect(frame).toContain('[your_program] warning: something');
		expect(frame).toContain('watch: on');
	});

	it('folds skipped steps after a failure, and passed ones too when the failure needs the room', () => {
		const steps = [
			...Array.from({length: 4}, (_, index) => ({id: `ok${index}`, title: `Passing step ${index}`, status: 'passed' as const, durationMs: 5})),
			{id: 'bad', title: 'The failing step', status: 'failed' as const, durationMs: 5, failure},
			...Array.from({length: 5}, (_, index) => ({id: `skip${index}`, title: `Skipped step ${index}`, status: 'skipped' as const})),
		];
		const {lastFrame} = render(<CheckView width={80} height={15} state={state({phase: 'failed', steps, output: output('a', 'b')})} />);
		const frame = lastFrame()!;
		expect(frame).toContain('✓ 4 steps passed');
		expect(frame).toContain('5 more steps skipped after the failure');
		expect(frame).not.toContain('Skipped step 3');
		expect(frame).toContain(`try it yourself: ${failure.repro}`);
		// With room to spare, the passed steps are listed one by one; the skipped ones stay folded.
		const roomy = render(<CheckView width={80} height={30} state={state({phase: 'failed', steps, output: output('a', 'b')})} />).lastFrame()!;
		expect(roomy).toContain('✓ Passing step 3');
		expect(roomy).toContain('5 more steps skipped after the failure');
	});

	it('keeps a failure taller than the room to its rows, scrolling it, never drawing rows over each other', async () => {
		// Lab 02's failure at step 2 of 14 at 80x24 (found by running the packed kit): the hint and the
		// repro wrap to 7 rows, and the squeezed column drew the status over the title and the skipped
		// steps over the failed one.
		const long = {
			message: 'WORKERS=3: the backends do not each listen on a port of their own (PORT+1 to PORT+3)',
			expected: '3 backend processes, backend i listening on 127.0.0.1:PORT+1+i (23497, 23498, 23499), each a different child of your main.ts',
			actual: 'port 23497: nothing listens\nport 23498: nothing listens\nport 23499: nothing listens',
			hint: "Fork one backend.ts per backend, with its port as argument: fork(BACKEND_FILE, [String(PORT + 1 + i)]). Read WORKERS from process.env (a string: Number() it); don't start the backends' servers in main.ts.",
			repro: "cd labs/02-proxy && WORKERS=3 PORT=23496 HOST=127.0.0.1 npx tsx main.ts & sleep 3; ss -ltnp | grep -E '(23497|23498|23499)\\b'",
		};
		const steps = [
			{id: 'starts', title: 'Starts and listens on HOST:PORT', status: 'passed' as const, durationMs: 856},
			{id: 'backends', title: 'WORKERS backends, each its own process listening on its own port; only the proxy holds PORT', status: 'failed' as const, durationMs: 30, failure: long},
			...Array.from({length: 12}, (_, index) => ({id: `skip${index}`, title: `Skipped step ${index}`, status: 'skipped' as const})),
		];
		const height = 20;
		const {lastFrame, stdin} = render(<CheckView width={80} height={height} state={state({phase: 'failed', steps, output: output('[proxy] pid 1 listening', 'first', 'second', 'third', 'the last line')})} />);
		const rows = () => lastFrame()!.split('\n');
		expect(rows().length).toBeLessThanOrEqual(height);
		expect(rows()[0]).toMatch(/^01-ipc Talking to children +watch: on$/);
		expect(rows()[1]).toMatch(/^✗ Failed at step 2 of 14 \(saved main\.ts\)\. Fix it and save; h gives a hint\.$/);
		expect(rows()[3]).toBe('  ✓ 1 step passed (Starts and listens on HOST:PORT)');
		expect(rows()[4]).toMatch(/^ {2}✗ WORKERS backends, each its own process/);
		expect(rows()[5]).toBe('  - 12 more steps skipped after the failure');
		expect(rows()[6]).toContain('WORKERS=3: the backends do not each listen');
		expect(rows().at(-1)).toMatch(/rows 1-13 of \d+ of the failure: ↑↓ PgUp PgDn scroll/);
		expect(lastFrame()).not.toContain('the last line');
		// To the end: the program's lines, and the title rows never move.
		stdin.write('G');
		await new Promise(resolve => setTimeout(resolve, 50));
		expect(rows().length).toBeLessThanOrEqual(height);
		expect(rows()[0]).toMatch(/^01-ipc Talking to children +watch: on$/);
		expect(lastFrame()).toContain('[your_program] the last line');
		expect(lastFrame()).not.toContain('WORKERS=3: the backends do not each listen');
		expect(rows().at(-1)).toMatch(/rows \d+-(\d+) of \1 of the failure/);
		stdin.write('g');
		await new Promise(resolve => setTimeout(resolve, 50));
		expect(rows()[6]).toContain('WORKERS=3: the backends do not each listen');
	});

	it('cuts a title longer than its row with …, keeping the watch badge on the same row', () => {
		const longLab = fakeLab('03-shared-handle', {title: 'One socket, many processes: sending the listening handle to the children'});
		const steps = [{id: 'starts', title: 'Starts', status: 'failed' as const, durationMs: 5, failure}];
		const rows = render(<CheckView width={80} height={20} state={state({phase: 'failed', steps}, {open: longLab})} />).lastFrame()!.split('\n');
		expect(rows[0]).toBe('03-shared-handle One socket, many processes: sending the listening ha… watch: on');
		expect(rows[1]).toMatch(/^✗ Failed at step 1 of 1/);
	});

	it('while a step sends traffic: counters and one bar per worker pid', () => {
		const tally = {sent: 200, ok: 198, failed: 2, rps: 412, perPid: {'3001': 66, '3002': 67, '3003': 65}};
		const {lastFrame} = render(
			<CheckView
				width={100}
				height={30}
				state={state({
					steps: [{id: 'spread', title: '200 concurrent requests', status: 'running'}],
					traffic: {step: 'spread', tally},
				})}
			/>,
		);
		const frame = lastFrame()!;
		expect(frame).toMatch(/Checking \(saved main\.ts\)… step 1 of 1/);
		expect(frame).toMatch(/sent 200\s+ok 198\s+failed 2\s+412 req\/s/);
		expect(frame).toMatch(/pid 3001 +█+░* +66 +33%/);
		expect(frame).toMatch(/pid 3002 +█+ +67 +34%/);
		expect(frame).toMatch(/pid 3003 +█+░* +65 +33%/);
	});

	it('after a pass: the verdict, each step with its note, and what to do next', () => {
		const {lastFrame} = render(
			<CheckView
				width={100}
				height={30}
				state={state({phase: 'passed', durationMs: 4500, steps: [{id: 'spread', title: 'Work reaches every child', status: 'passed', durationMs: 2, note: 'spread over 200 requests: 67 / 67 / 66'}]})}
			/>,
		);
		const frame = lastFrame()!;
		expect(frame).toContain('✓ Passed in 4.5 s (saved main.ts). n next lab · s the reference solution');
		expect(frame).toContain('spread over 200 requests: 67 / 67 / 66');
	});

	it('says when the checker itself broke, and when watch mode is off', () => {
		const {lastFrame} = render(<CheckView width={100} height={30} state={state({phase: 'error', error: 'no free port'}, {watch: {enabled: false}})} />);
		expect(lastFrame()).toContain('The checker itself failed: no free port');
		expect(lastFrame()).toContain('watch: off');
	});
});

describe('traffic bars', () => {
	it('scales bars to the busiest pid, sorts by pid and sums up the pids that do not fit', () => {
		const tally = {sent: 10, ok: 10, failed: 0, rps: 5, perPid: {'20': 2, '10': 4, '30': 1, '40': 3}};
		const {lastFrame} = render(<TrafficBars tally={tally} width={60} maxBars={3} />);
		const lines = lastFrame()!.split('\n');
		expect(lines[1]).toMatch(/pid 10 +█+ +4 +40%$/);
		expect(lines[1]).not.toContain('░');
		expect(lines[2]).toMatch(/pid 20 +█+░+ +2 +20%$/);
		expect(lines[3]).toContain('+2 more pids: 4 answers');
	});
});

describe('which printed lines fit', () => {
	const crash = output(
		'node:internal/modules/run_main:123',
		'    triggerUncaughtException(',
		'Error: Transform failed with 1 error:',
		'/labs/01-ipc/main.ts:169:6: ERROR: Expected identifier but found "="',
		'    at failureErrorWithLog (/node_modules/esbuild/lib/main.js:1752:15)',
		'    at responseCallbacks (/node_modules/esbuild/lib/main.js:886:9)',
		'',
		"  name: 'TransformError'",
		'}',
		'Node.js v20.20.2',
	);

	it('all of them when they fit', () => {
		expect(pickOutputLines(crash, 20, 100)).toEqual({shown: crash, trimmed: false});
	});

	it('without stack frames and blank lines when that is enough', () => {
		const {shown, trimmed} = pickOutputLines(crash, 7, 100);
		expect(trimmed).toBe(true);
		expect(shown.map(line => line.line)).not.toContain('    at responseCallbacks (/node_modules/esbuild/lib/main.js:886:9)');
		expect(shown).toHaveLength(7);
	});

	it('from the first error line on when even that is too many', () => {
		const {shown} = pickOutputLines(crash, 3, 100);
		expect(shown.map(line => line.line)).toEqual(['Error: Transform failed with 1 error:', '/labs/01-ipc/main.ts:169:6: ERROR: Expected identifier but found "="', "  name: 'TransformError'"]);
	});

	it('the last lines when nothing names an error, counting wrapped rows', () => {
		const long = 'word '.repeat(25).trim();
		// At 80 columns (84 minus the indent) the long line takes two rows.
		const {shown} = pickOutputLines(output('one', 'two', 'three', long), 3, 84);
		expect(shown.map(line => line.line)).toEqual(['three', long]);
	});
});
