/** Hand-built event streams shared by the reporter tests. */
import path from 'node:path';
import type {CheckEvent, RunSummary} from '../../cli/checks/events.js';
import {foldLabEvents} from '../../cli/checks/fold-events.js';
import type {ReporterOptions} from '../../cli/reporters/types.js';

export const ESC = '\u001B';
export const NASTY = `a <tag> & "quotes" and 'apostrophes'`;
export const MULTILINE_EXPECTED = 'HTTP/1.1 200 OK\nx-worker-pid: <any>\n\nhello & bye';
export const ANSI_ACTUAL = `${ESC}[31mHTTP/1.1 500${ESC}[39m\n<html>"oops" & 'more'</html>`;

export function passingLab(root = '/repo'): CheckEvent[] {
	const lab = '01-ipc';
	return [
		{type: 'lab-start', lab, title: 'Talking to children: fork and IPC', dir: path.join(root, 'labs/01-ipc'), entry: path.join(root, 'labs/01-ipc/main.js'), env: {PORT: '23456', WORKERS: '3'}, steps: [{id: 'starts', title: 'starts and listens'}, {id: 'forks', title: 'forks 3 workers'}, {id: 'ipc', title: 'answers over IPC'}]},
		{type: 'step-start', lab, step: 'starts', title: 'starts and listens'},
		{type: 'output', lab, stream: 'stdout', line: 'PASSING-LAB-OUTPUT listening on 23456'},
		{type: 'step-pass', lab, step: 'starts', title: 'starts and listens', durationMs: 123},
		{type: 'step-start', lab, step: 'forks', title: 'forks 3 workers'},
		{type: 'traffic', lab, step: 'forks', tally: {sent: 10, ok: 10, failed: 0, rps: 100, perPid: {'101': 5, '102': 5}}},
		{type: 'step-pass', lab, step: 'forks', title: 'forks 3 workers', durationMs: 1500, note: 'workers answered 4/3/3'},
		{type: 'step-pass', lab, step: 'ipc', title: 'answers over IPC', durationMs: 7},
		{type: 'lab-end', lab, status: 'passed', durationMs: 1700},
	];
}

/** Fails at step 2; steps 3 and 4 are skipped. */
export function failingLab(root = '/repo'): CheckEvent[] {
	const lab = '02-cluster';
	return [
		{type: 'lab-start', lab, title: 'The cluster module', dir: path.join(root, 'labs/02-cluster'), entry: path.join(root, 'labs/02-cluster/server.js'), env: {PORT: '23457'}, steps: []},
		{type: 'step-pass', lab, step: 'boot', title: 'boots', durationMs: 50},
		{type: 'output', lab, stream: 'stdout', line: `${ESC}[32mprimary <1> ready${ESC}[39m`},
		{type: 'output', lab, stream: 'stderr', line: 'Error: EADDRINUSE & "co"'},
		{type: 'step-fail', lab, step: 'share', title: 'shares the port #2', durationMs: 2500, failure: {message: `3 requests got ${NASTY}`, expected: MULTILINE_EXPECTED, actual: ANSI_ACTUAL, hint: 'call listen() in the workers, not the primary: 100% of them', repro: `curl -si 'http://127.0.0.1:23457/?a=1&b=2'`}},
		{type: 'step-skip', lab, step: 'restart', title: 'restarts dead workers', reason: 'an earlier step failed'},
		{type: 'step-skip', lab, step: 'drain', title: 'drains on SIGTERM', reason: 'an earlier step failed'},
		{type: 'output', lab, stream: 'stdout', line: 'FAILING-LAB-LAST-LINE'},
		{type: 'lab-end', lab, status: 'failed', durationMs: 2600},
	];
}

/** The checker itself breaks after one step. */
export function erroringLab(root = '/repo'): CheckEvent[] {
	const lab = '03-sticky';
	return [
		{type: 'lab-start', lab, title: 'Sticky sessions', dir: path.join(root, 'labs/03-sticky'), entry: path.join(root, 'labs/03-sticky/missing.js'), env: {}, steps: []},
		{type: 'step-pass', lab, step: 'boot', title: 'boots', durationMs: 10},
		{type: 'output', lab, stream: 'stdout', line: 'ERRORING-LAB-OUTPUT'},
		{type: 'lab-end', lab, status: 'error', durationMs: 40, error: 'TypeError: cannot read <undefined> & "x"\n    at check (checker.ts:1:1)'},
	];
}

export function allEvents(root = '/repo'): CheckEvent[] {
	return [...passingLab(root), ...failingLab(root), ...erroringLab(root)];
}

export function summaryOf(events: CheckEvent[]): RunSummary {
	return {labs: foldLabEvents(events), nodeVersion: 'v20.20.2', platform: 'linux', startedAt: '2025-01-02T03:04:05.000Z', durationMs: 4340};
}

/** Options that collect writes into a buffer. */
export function capture(overrides: Partial<ReporterOptions> = {}): {options: ReporterOptions; text: () => string; writes: string[]} {
	const writes: string[] = [];
	const options: ReporterOptions = {write: (chunk) => writes.push(chunk), cwd: '/repo', color: false, env: {}, ...overrides};
	return {options, writes, text: () => writes.join('')};
}
