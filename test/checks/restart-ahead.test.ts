/**
A restart started ahead (LabCheck.restartAhead, cli/checks/runner.ts): the copy
starts when its step begins, on PORT+RESTART_AHEAD_OFFSET, with its output held
back; the restart that asks for the same variables stops the first copy and goes
on with it (port, baseUrl and http follow); a restart that asks for other
variables starts cold on PORT; and whatever happens, no copy outlives the run.
*/
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import type {Lab} from '../../cli/catalog.js';
import type {CheckEvent} from '../../cli/checks/events.js';
import {RESTART_AHEAD_OFFSET, runLab} from '../../cli/checks/runner.js';
import type {LabCheck, Step, StepContext} from '../../cli/checks/step.js';
import {isAlive} from '../../cli/harness/procfs.js';
import {waitForListening} from '../../cli/harness/readiness.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ncl-restart-ahead-'));
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));
fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({type: 'module'}));
fs.writeFileSync(
	path.join(dir, 'main.ts'),
	`import http from 'node:http';
const mode: string = process.env.MODE ?? '?';
console.log(\`started \${mode}\`);
http.createServer((req, res) => res.end(JSON.stringify({pid: process.pid, mode}))).listen(Number(process.env.PORT), process.env.HOST);
process.on('SIGTERM', () => process.exit(0));
`,
);

const lab: Lab = {id: '99-restart-ahead', title: 'restart ahead', order: 99, entry: 'main.ts', files: ['main.ts'], seeds: [], defaults: {}, summary: '', hints: [], lessonFile: ''};

type Seen = {step: string; port: number; pid: number; mode: string; answerPid: number};

/** A step that waits for the program, asks it who it is, and records what it saw. */
function look(id: string, seen: Seen[], before?: (context: StepContext) => Promise<void>): Step {
	return {
		id,
		title: id,
		timeoutMs: 30_000,
		async run(context) {
			await before?.(context);
			const ready = await waitForListening(context.process, context.host, context.port, 20_000);
			if (!ready.ready) context.fail({message: `not listening on ${context.port}`});
			const answer = await context.http.get('/', {timeoutMs: 10_000});
			const body = JSON.parse(answer.body) as {pid: number; mode: string};
			expect(context.baseUrl).toBe(`http://${context.host}:${context.port}`);
			seen.push({step: id, port: context.port, pid: context.primaryPid, mode: body.mode, answerPid: body.pid});
		},
	};
}

async function run(steps: Step[], restartAhead: LabCheck['restartAhead']): Promise<{status: string; events: CheckEvent[]}> {
	const events: CheckEvent[] = [];
	const check: LabCheck = {lab: lab.id, env: () => ({MODE: 'first'}), steps, restartAhead};
	const status = await runLab({lab, check, dir, emit: event => events.push(event)});
	return {status, events};
}

function outputIndex(events: CheckEvent[], line: string): number {
	return events.findIndex(event => event.type === 'output' && event.line === line);
}

function stepStartIndex(events: CheckEvent[], step: string): number {
	return events.findIndex(event => event.type === 'step-start' && event.step === step);
}

describe('a restart started ahead', () => {
	it('is taken on by the restart that asks for its variables: the run moves to its port, and its output shows from then on', async () => {
		const seen: Seen[] = [];
		const {status, events} = await run(
			[
				look('first', seen),
				look('meanwhile', seen),
				look('again', seen, context => context.restart({MODE: 'again'})),
			],
			{during: 'meanwhile', env: {MODE: 'again'}},
		);
		expect(status).toBe('passed');
		const [first, meanwhile, again] = seen as [Seen, Seen, Seen];
		expect(first.mode).toBe('first');
		expect(meanwhile.mode).toBe('first');
		expect(again.mode).toBe('again');
		expect(again.port).toBe(first.port + RESTART_AHEAD_OFFSET);
		expect(again.answerPid).toBe(again.pid);
		expect(again.pid).not.toBe(first.pid);
		expect(isAlive(first.pid)).toBe(false);
		expect(isAlive(again.pid)).toBe(false);
		// Started during "meanwhile", printed then, shown only once "again" took it on.
		expect(outputIndex(events, 'started again')).toBeGreaterThan(stepStartIndex(events, 'again'));
	});

	it('is stopped, and the restart starts cold on PORT, when the restart asks for other variables', async () => {
		const seen: Seen[] = [];
		const {status} = await run(
			[
				look('first', seen),
				look('meanwhile', seen),
				look('again', seen, context => context.restart({MODE: 'other'})),
			],
			{during: 'meanwhile', env: {MODE: 'again'}},
		);
		expect(status).toBe('passed');
		const [first, , again] = seen as [Seen, Seen, Seen];
		expect(again.mode).toBe('other');
		expect(again.port).toBe(first.port);
		expect(isAlive(again.pid)).toBe(false);
	});

	it('is stopped when the run fails before the restart', async () => {
		const seen: Seen[] = [];
		let copyPid: number | undefined;
		const {status, events} = await run(
			[
				look('first', seen),
				{
					id: 'fails',
					title: 'fails',
					timeoutMs: 30_000,
					async run(context) {
						// The copy answers on its own port: find its pid there, then fail.
						const url = `http://${context.host}:${context.port + RESTART_AHEAD_OFFSET}/`;
						for (const deadline = Date.now() + 20_000; copyPid === undefined && Date.now() < deadline; ) {
							try {
								copyPid = ((await (await fetch(url)).json()) as {pid: number}).pid;
							} catch {
								await new Promise(resolve => setTimeout(resolve, 50));
							}
						}
						context.fail({message: 'failed on purpose'});
					},
				},
				look('again', seen, context => context.restart({MODE: 'again'})),
			],
			{during: 'fails', env: {MODE: 'again'}},
		);
		expect(status).toBe('failed');
		expect(copyPid).toBeDefined();
		expect(isAlive(copyPid!)).toBe(false);
		expect(isAlive(seen[0]!.pid)).toBe(false);
		// Never taken on: none of its output was shown.
		expect(outputIndex(events, 'started again')).toBe(-1);
	});
});
