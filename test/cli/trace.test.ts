/**
End to end: `trace -- <command...>` through the bundled CLI on a tiny cluster
(test/fixtures/trace/cluster-app.cjs): the timeline, --json, --timeout, Ctrl-C,
the kit killed, and bad input. Nothing may be left running afterwards.
*/
import fs from 'node:fs';
import os from 'node:os';
import {fileURLToPath} from 'node:url';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {buildCli, removeTempDirs, runCli, stackLines, startCli, survivors, tempDir, type CliResult} from './helpers.js';

const fixtureDir = path.dirname(fileURLToPath(new URL('../fixtures/trace/cluster-app.cjs', import.meta.url)));

beforeAll(() => {
	buildCli();
}, 60_000);

afterEach(async () => {
	// Processes killed a moment ago may still be on their way out; then nothing may be left.
	const deadline = Date.now() + 3000;
	while (survivors().length > 0 && Date.now() < deadline) await delay(50);
	expect(survivors()).toEqual([]);
});

afterAll(() => {
	removeTempDirs();
});

const trace = (args: string[], env: Record<string, string> = {}) => runCli(['trace', ...args], {cwd: fixtureDir, env, timeoutMs: 15_000});

/** The timeline lines (they start with the ms column), without the program's output. */
const timelineOf = (stdout: string) => stdout.split('\n').filter(line => /^ {2,}\d+\.\d /.test(line));

describe('help', () => {
	it('trace --help (and -h) prints the usage, what it does and each option; the main help lists it', async () => {
		const result = await trace(['--help']);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^usage: node-cluster-lab trace \[--all\] \[--json\] \[--timeout <s>\] \[--save <file>\] -- <command\.\.\.>/);
		for (const option of ['--all', '--json', '--timeout <s>', '--save <file>', 'Ctrl-C']) expect(result.stdout).toContain(option);
		expect((await trace(['-h'])).stdout).toBe(result.stdout);
		expect((await runCli(['--help'], {cwd: fixtureDir})).stdout).toMatch(/^ {2}trace +run a program and print the IPC messages/m);
	});
});

describe('trace on a cluster', () => {
	it('prints the flow of seed 004: online, queryServer and its reply, listening, newconn + ACK + accepted, disconnect, close', async () => {
		const result = await trace(['--', 'node', 'cluster-app.cjs'], {NODE_CLUSTER_SCHED_POLICY: 'rr', REQUESTS: '2'});
		expect(result.code, result.stderr).toBe(0);
		// The program's own output passes through.
		expect(result.stdout).toMatch(/^\{"port":\d+,"pids":\[\d+,\d+\]\}$/m);
		const lines = timelineOf(result.stdout);
		const expectLine = (pattern: RegExp) => expect(lines.some(line => pattern.test(line)), `${pattern}\n${lines.join('\n')}`).toBe(true);
		// The primary is known as such once a worker's start line or message is read.
		expectLine(/(node|primary) \d+ +started: node cluster-app\.cjs/);
		expectLine(/worker#1 \d+ +→ primary \d+ +online/);
		expectLine(/worker#2 \d+ +→ primary \d+ +queryServer 127\.0\.0\.1:0 +\(seq 1\)/);
		expectLine(/primary \d+ +→ worker#\d \d+ +reply to queryServer: key 127\.0\.0\.1:0:4:undefined(:0)?, no handle/);
		expectLine(/worker#\d \d+ +→ primary \d+ +listening 127\.0\.0\.1:\d+/);
		expectLine(/primary \d+ +→ worker#\d \d+ +newconn key \S+ \+ TCP handle +\(seq \d+\)/);
		expectLine(/worker#\d \d+ +→ primary \d+ +NODE_HANDLE_ACK/);
		expectLine(/worker#\d \d+ +→ primary \d+ +accepted +\(ack \d+/);
		expectLine(/primary \d+ +→ worker#\d \d+ +disconnect/);
		expectLine(/worker#\d \d+ +→ primary \d+ +close key/);
		expect(lines.filter(line => /newconn/.test(line))).toHaveLength(2);
		// The summary: every process with its exit, and what the messages say.
		expect(result.stdout).toMatch(/^3 processes, \d+ internal messages/m);
		expect(result.stdout).toMatch(/^ {2}primary \d+ +node cluster-app\.cjs +exit code 0$/m);
		expect(result.stdout).toMatch(/No queryServer reply carried a handle.*round-robin/);
		expect(result.stdout).toMatch(/Connections handed out \(newconn\): .*: \d/);
	});

	it('--json prints one event a line; the program\'s stdout goes to stderr; a script path runs with the kit\'s Node', async () => {
		const result = await trace(['--json', '--', 'cluster-app.cjs'], {NODE_CLUSTER_SCHED_POLICY: 'none', REQUESTS: '1'});
		expect(result.code, result.stderr).toBe(0);
		type Event = {event?: string; dir?: string; msg?: {cmd?: string; type?: string; msg?: {ack?: number; act?: string}}; handle?: string | null; argv?: string[]};
		const events = result.stdout.trim().split('\n').map(line => JSON.parse(line) as Event);
		expect(events.filter(event => event.event === 'start')).toHaveLength(3);
		expect(events[0]!.argv).toEqual([process.execPath, path.join(fixtureDir, 'cluster-app.cjs')]);
		// NODE_CLUSTER_SCHED_POLICY reached the program: under "none" each queryServer reply
		// carries the listening socket, and no connection is handed over.
		const replies = events.filter(event => event.dir === 'out' && event.msg?.cmd === 'NODE_HANDLE' && event.msg.msg?.ack === 1);
		expect(replies).toHaveLength(2);
		expect(replies.every(event => event.msg!.type === 'net.Native' && event.handle === 'TCP')).toBe(true);
		expect(events.some(event => event.msg?.msg?.act === 'newconn')).toBe(false);
		expect(result.stderr).toMatch(/\{"port":\d+/);
	});

	it('--timeout sends SIGTERM to the program, and the rest of its tree follows', async () => {
		const started = Date.now();
		const result = await trace(['--timeout', '1.5', '--', 'node', 'cluster-app.cjs'], {STAY: '1', REQUESTS: '1'});
		expect(result.code, result.stderr).toBe(0);
		expect(Date.now() - started).toBeLessThan(8000);
		expect(result.stderr).toMatch(/--timeout: 1\.5 s are up; SIGTERM sent to the program, pid \d+/);
		expect(result.stdout).toMatch(/^ {2}primary \d+ +node cluster-app\.cjs +killed by SIGTERM$/m);
		expect(stackLines(result.stderr)).toEqual([]);
	});
});

/** Start the CLI without waiting; run.sees(pattern) waits until its stdout shows it. */
const startTrace = (args: string[], env: Record<string, string>) => startCli(['trace', ...args], {cwd: fixtureDir, env});

describe('stopping a trace', () => {
	it('Ctrl-C (SIGINT to the kit) stops the program as a terminal would, prints the summary, exits 130', async () => {
		const run = startTrace(['--', 'node', 'cluster-app.cjs'], {STAY: '1', REQUESTS: '2'});
		await run.sees(/accepted/);
		run.subprocess.kill('SIGINT');
		const result = await run.exited;
		expect(result.code).toBe(130);
		expect(result.stderr).toMatch(/Ctrl-C: SIGINT sent to every process of the program/);
		expect(result.stdout).toMatch(/^ {2}primary \d+ +node cluster-app\.cjs +killed by SIGINT$/m);
	});

	it('the kit killed with SIGKILL leaves nothing running (the keeper ends the group)', async () => {
		const run = startTrace(['--', 'node', 'cluster-app.cjs'], {STAY: '1', REQUESTS: '1'});
		await run.sees(/accepted/);
		run.subprocess.kill('SIGKILL');
		await run.exited;
		// afterEach waits, bounded, for the tree to go. The kit had no chance to remove its
		// trace folder: the next trace does.
		const left = () => fs.readdirSync(os.tmpdir()).filter(name => name.startsWith(`ncl-trace-${run.subprocess.pid}-`));
		expect(left()).toHaveLength(1);
		expect((await trace(['--', 'node', '-e', '0'])).code).toBe(0);
		expect(left()).toEqual([]);
	});
});

describe('bad input: a clear message, never a kit stack trace', () => {
	const noStack = (result: CliResult) => {
		expect(stackLines(result.stderr)).toEqual([]);
		expect(result.stderr).not.toMatch(/internal error/);
	};

	it('no command: the usage, exit code 2', async () => {
		const result = await trace([]);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/name the command to trace after --, e\.g\. trace -- node app\.js/);
		expect(result.stderr).toMatch(/usage: node-cluster-lab trace/);
		noStack(result);
	});

	it.each([
		[['--', 'missing.js'], /no such file: missing\.js/],
		[['--', 'node', 'missing.js'], /no such file: missing\.js/],
		[['--', 'no-such-command-here'], /command not found: no-such-command-here/],
	])('%j: exit code 1, says what is missing', async (args, message) => {
		const result = await trace(args);
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(message);
		noStack(result);
	});

	it('a bad --timeout: exit code 2', async () => {
		const result = await trace(['--timeout', 'soon', '--', 'node', 'cluster-app.cjs']);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/--timeout takes seconds/);
		noStack(result);
	});

	it('a program that exits 1: its exit code, said plainly', async () => {
		const result = await trace(['--', 'node', '-e', 'process.exit(1)']);
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(/node-cluster-lab trace: the program exited with code 1\./);
		noStack(result);
	});

	it('a program that is not Node.js: a note that nothing was traced', async () => {
		const dir = tempDir();
		const result = await runCli(['trace', '--', 'true'], {cwd: dir});
		expect(result.code).toBe(0);
		expect(result.stderr).toMatch(/No Node\.js process loaded the IPC spy/);
		noStack(result);
	});
});
