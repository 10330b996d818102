/**
Bad learner input gets a clear answer, never a stack trace from the kit, and
leaves no process behind.

Each case runs the bundled CLI once against test/fixtures/broken/<case>/01-ipc
with `--reporter json` (the JSON document on stdout) plus
`--reporter pretty=<file>` (what a learner's terminal would show), then checks
/proc for anything left of the run.
*/
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {JsonLab, JsonReport, JsonStep} from '../../cli/reporters/json.js';
import {brokenFixture, cliFile, describeProcs, killLeftovers, kitStackFrames, processesIn, runKit, type Fixture} from './helpers.js';

/** The address the checker gives the learner's program; the port is random per run. */
const LISTEN_ADDRESS = /127\.0\.0\.1:(\d+)/;

type Run = {
	code: number | null;
	signal: NodeJS.Signals | null;
	report: JsonReport;
	lab: JsonLab;
	/** The one step that failed. */
	failed: JsonStep;
	stdout: string;
	stderr: string;
	pretty: string;
	ms: number;
};

let tmp: string;
let current: Fixture | undefined;

beforeAll(() => {
	if (!existsSync(cliFile)) throw new Error(`${cliFile} is missing: build it with node scripts/bundle.mjs`);
	tmp = mkdtempSync(path.join(os.tmpdir(), 'ncl-bad-input-'));
});

afterAll(() => {
	rmSync(tmp, {recursive: true, force: true});
});

afterEach(() => {
	// Only matters when an assertion already failed: later cases start clean.
	if (current) killLeftovers(current.lab);
	current = undefined;
});

/**
Runs verify against one broken case and checks what every case has in common:
exit code 1, a verdict on the learner (not a kit error), exactly one failed
step with everything after it skipped, no kit stack trace anywhere, and no
process of the run left alive once the kit has exited.
*/
async function verifyBroken(name: string, failingStep: string, timeoutMs = 30_000): Promise<Run> {
	const fixture = brokenFixture(name);
	current = fixture;
	expect(processesIn(fixture.lab), 'processes of an earlier run against this fixture').toEqual([]);
	const prettyFile = path.join(tmp, `${name}.pretty.txt`);
	const result = await runKit(['verify', '01-ipc', '--dir', fixture.dir, '--reporter', 'json', '--reporter', `pretty=${prettyFile}`], timeoutMs);

	// Nothing of the run may outlive the kit: checked at once, no grace period.
	const left = processesIn(fixture.lab);
	expect(left, `processes left after verify exited:\n${describeProcs(left)}`).toEqual([]);

	const pretty = existsSync(prettyFile) ? readFileSync(prettyFile, 'utf8') : '';
	const context = `exit ${result.code} ${result.signal ?? ''}\n--- stderr:\n${result.stderr}\n--- pretty:\n${pretty}`;
	expect(result.signal, context).toBeNull();
	expect(result.code, context).toBe(1);
	for (const [where, text] of [['stdout', result.stdout], ['stderr', result.stderr], ['pretty output', pretty]] as const) {
		expect(kitStackFrames(text), `kit stack frames in ${where}`).toEqual([]);
	}
	expect(result.stderr).not.toMatch(/internal error/);

	// stdout is the JSON document and nothing else.
	const report = JSON.parse(result.stdout) as JsonReport;
	expect(report.status).toBe('fail');
	expect(report.labs).toHaveLength(1);
	const lab = report.labs[0]!;
	// 'fail' is a verdict on the learner's program; 'error' would mean the kit broke.
	expect(lab.status, lab.message).toBe('fail');
	expect(lab.message).toBeUndefined();
	expect(lab.steps[0]!.id).toBe('starts');
	const index = lab.steps.findIndex(step => step.status === 'fail');
	expect(lab.steps.map(step => `${step.id}:${step.status}`)).toEqual(
		lab.steps.map((step, i) => `${step.id}:${i < index ? 'pass' : i === index ? 'fail' : 'skip'}`),
	);
	const failed = lab.steps[index]!;
	expect(failed.id).toBe(failingStep);
	expect(failed.message, 'a failure says what went wrong').toBeTruthy();
	// The terminal shows the same explanation.
	expect(pretty).toContain(failed.message!);
	if (failed.actual !== undefined) expect(pretty).toContain(failed.actual.split('\n')[0]!);
	return {...result, report, lab, failed, pretty};
}

function printed(run: Run): string[] {
	return run.lab.output.map(entry => entry.line);
}

describe('verify on broken learner programs', () => {
	it('syntax-error: says the program exited before listening and shows the TypeScript loader\'s error', async () => {
		const run = await verifyBroken('syntax-error', 'starts');
		expect(run.failed.message).toMatch(/^Your program exited with code 1 before it listened on 127\.0\.0\.1:\d+$/);
		expect(run.failed.expected).toMatch(/keeps running and listens on 127\.0\.0\.1:\d+/);
		expect(run.failed.actual).toBe('the process exited with code 1');
		expect(run.failed.hint).toMatch(/syntax error/);
		// The TypeScript loader (esbuild's message) names the file, the line and what it expected.
		const lines = printed(run);
		expect(lines.some(line => /main\.ts:\d+:\d+: ERROR: Expected/.test(line)), lines.join('\n')).toBe(true);
		expect(run.lab.output.find(entry => /ERROR: Expected/.test(entry.line))?.stream).toBe('stderr');
	});

	it('never-listens: nothing accepted connections on PORT within 10 s, and it listens on no TCP port', async () => {
		const run = await verifyBroken('never-listens', 'starts');
		expect(run.failed.message).toMatch(/^Nothing accepted connections on 127\.0\.0\.1:\d+ within \d+ s$/);
		expect(run.failed.expected).toMatch(/^a server listening on 127\.0\.0\.1:\d+$/);
		expect(run.failed.actual).toMatch(/^your program is still running \(pid \d+\)$/m);
		expect(run.failed.actual).toContain('it listens on no TCP port at all');
		expect(run.failed.actual).not.toMatch(/stuck in a loop/);
		expect(printed(run)).toContain('started; forgot to call listen()');
	});

	it('wrong-port: names the address the program listens on instead of PORT', async () => {
		const run = await verifyBroken('wrong-port', 'starts');
		expect(run.failed.message).toMatch(/^Nothing accepted connections on 127\.0\.0\.1:\d+ within \d+ s$/);
		const expectedPort = LISTEN_ADDRESS.exec(run.failed.message!)![1];
		// The fixture prints the port the kernel gave it.
		const announced = printed(run)
			.map(line => /^listening on (127\.0\.0\.1:\d+)$/.exec(line)?.[1])
			.find(Boolean);
		expect(announced, printed(run).join('\n')).toBeDefined();
		expect(announced).not.toBe(`127.0.0.1:${expectedPort}`);
		expect(run.failed.actual).toContain(`it listens on ${announced} instead`);
		expect(run.failed.hint).toMatch(/process\.env\.PORT/);
	});

	it('busy-loop-before-listen: says the program is burning CPU, stuck in a loop', async () => {
		const run = await verifyBroken('busy-loop-before-listen', 'starts');
		expect(run.failed.message).toMatch(/^Nothing accepted connections on 127\.0\.0\.1:\d+ within \d+ s$/);
		expect(run.failed.actual).toContain('it listens on no TCP port at all');
		expect(run.failed.actual).toMatch(/^pid \d+ used \d+\.\d s of CPU in the last \d+\.\d s: is it stuck in a loop\?$/m);
		expect(run.failed.hint).toBe('Something before listen() never finishes.');
	});

	it('busy-loop-on-request: the step that sent the request fails, naming the request', async () => {
		const run = await verifyBroken('busy-loop-on-request', 'answers');
		expect(run.lab.steps[0]).toMatchObject({id: 'starts', status: 'pass'});
		expect(run.failed.message).toBe('GET /work?id=hello got no answer');
		// Not the runner's generic step timeout, not a crash.
		expect(run.failed.message).not.toMatch(/did not finish within/);
		expect(run.failed.expected).toMatch(/^200 with /);
		expect(run.failed.actual).toMatch(/^no answer within 15000 ms$/m);
		expect(run.failed.actual).not.toMatch(/exited|killed by/);
		expect(run.failed.repro).toContain("curl -si 'http://127.0.0.1:");
		expect(printed(run)).toContain('got a request; spinning forever');
	});

	it('exits-at-once: says it exited with code 3', async () => {
		const run = await verifyBroken('exits-at-once', 'starts');
		expect(run.failed.message).toMatch(/^Your program exited with code 3 before it listened on 127\.0\.0\.1:\d+$/);
		expect(run.failed.actual).toBe('the process exited with code 3');
		expect(printed(run)).toContain('giving up');
	});

	it('missing-entry: the first step says main.ts is missing and suggests reset', async () => {
		const run = await verifyBroken('missing-entry', 'starts');
		expect(run.failed.message).toBe(`${brokenFixture('missing-entry').dir}/01-ipc/main.ts is missing`);
		expect(run.failed.expected).toMatch(/main\.ts/);
		expect(run.failed.actual).toBe('the folder has no main.ts');
		expect(run.failed.hint).toMatch(/node-cluster-lab reset 01-ipc/);
		// Nothing was started, so nothing printed.
		expect(run.lab.output).toEqual([]);
	});
});
