/**
The bench command: its arguments, its table, and whole runs through the bundled
CLI that must stay within their bounds and leave no process behind, even when
interrupted.
*/
import {cpSync, existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {availableParallelism, tmpdir} from 'node:os';
import {listenInodes} from '../../cli/harness/procfs.js';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {UsageError} from '../../cli/command.js';
import type {BenchReport, Sample} from '../../cli/bench/run.js';
import {formatBench, formatBenchHtml, parseBenchArgs} from '../../cli/commands/bench.js';
import {eventually} from '../eventually.js';
import {buildCli, initWorkspace, removeTempDirs, repoRoot, runCli, startCli, survivors, tempDir} from './helpers.js';

describe('parseBenchArgs', () => {
	it('defaults to the seeds\' 5 workers, 50 connections, 3 rounds, every strategy, and 70 s of load in all', () => {
		const args = parseBenchArgs({}, []);
		expect(args).toMatchObject({workers: 5, workersFrom: 'seeds', connections: 50, rounds: 3, only: [], json: false});
		// 7 strategies × 2 modes × 3 rounds within 70 s: 1.6 s each.
		expect(args.seconds).toBe(1.6);
		// Fewer strategies: 2 s each, the most a default run gives.
		expect(parseBenchArgs({}, ['single', 'cluster-rr']).seconds).toBe(2);
	});

	it('--workers cores takes this machine\'s cores; --workers N takes N', () => {
		expect(parseBenchArgs({workers: 'cores'}, [])).toMatchObject({workers: availableParallelism(), workersFrom: 'cores'});
		expect(parseBenchArgs({workers: '3'}, [])).toMatchObject({workers: 3, workersFrom: 'flag'});
	});

	it('--quick makes each run 0.4 s at most, and the load 6 s at most in all', () => {
		expect(parseBenchArgs({quick: true}, ['single', 'cluster-rr'])).toMatchObject({seconds: 0.4, only: ['single', 'cluster-rr']});
		const all = parseBenchArgs({quick: true}, []);
		expect(all.seconds * 7 * 2 * 3).toBeLessThanOrEqual(6);
		expect(all.seconds).toBeGreaterThan(0.1);
	});

	it.each([
		[{}, ['apache'], /unknown strategy 'apache'/],
		[{workers: 'all'}, [], /--workers must be a whole number/],
		[{rounds: '2'}, [], /--rounds must be between 3 and 9/],
		[{workers: '0'}, [], /--workers must be between 1 and 16/],
		[{seconds: '11'}, [], /--seconds must be between 1 and 10/],
	])('rejects %j %j', (values, positionals, message) => {
		expect(() => parseBenchArgs(values, positionals)).toThrow(UsageError);
		expect(() => parseBenchArgs(values, positionals)).toThrow(message);
	});
});

const sample = (round: number, rps: number, ratioToRr: number, busiestShare: number, pids: number): Sample => ({
	round,
	rps,
	answered: rps,
	errors: 0,
	p50: 1.5,
	p99: 9,
	busiestShare,
	pids,
	cpuMs: {front: 100, workers: 800, generator: 400},
	wallMs: 1000,
	ratioToRr,
});
const report: BenchReport = {
	options: {workers: 2, connections: 50, rounds: 3, seconds: 2, only: []},
	machine: {cores: 2, loadAverage: [1, 1, 1], node: 'v20.20.2'},
	startMs: 3000,
	wallMs: 70_000,
	results: [
		{id: 'cluster-rr', title: 'rr', dir: undefined, samples: {'keep-alive': [0, 1, 2].map(round => sample(round, 10_000, 1, 0.52, 2)), fresh: [0, 1, 2].map(round => sample(round, 4000, 1, 0.5, 2))}},
		{id: 'shared-handle', title: 'shared', dir: undefined, samples: {'keep-alive': [sample(0, 12_000, 1.2, 0.9, 2), sample(1, 11_000, 1.1, 1, 1), sample(2, 13_000, 1.3, 0.8, 2)], fresh: [0, 1, 2].map(round => sample(round, 6000, 1.5, 0.55, 2))}},
		{id: 'dispatch', title: 'dispatch', dir: undefined, failed: 'dispatch never listened on 20001 (exited)', samples: {'keep-alive': [], fresh: []}},
		{id: 'nginx', title: 'nginx', dir: undefined, skipped: 'nginx is not installed (Debian/Ubuntu: sudo apt-get install nginx-light)', samples: {'keep-alive': [], fresh: []}},
	],
};

describe('formatBench', () => {
	it('prints medians with their spread, the ratio to rr, the busiest share, the CPU split and a bar', () => {
		const text = formatBench(report).join('\n');
		expect(text).toMatch(/^shared-handle +12\.0k \(11\.0k–13\.0k\) +1\.20 +1\.50 +9\.00 +0\.90\/2 +0\.10\/0\.80\/0\.40 +█{24}$/m);
		expect(text).toMatch(/^cluster-rr +10\.0k \(10\.0k–10\.0k\) +1\.00 /m);
		expect(text).toMatch(/^shared-handle +6000 \(6000–6000\) +1\.50 /m);
	});

	it('says why for each row from what it measured, names what failed or was skipped, and prints the seeds beside', () => {
		const text = formatBench(report).join('\n');
		expect(text).toContain('dispatch       not measured: dispatch never listened on 20001 (exited)');
		expect(text).toContain('nginx          skipped: nginx is not installed');
		// The measured half (the median busiest share of 2 workers, 0.90), then the fixed half.
		expect(text).toMatch(/^ {2}shared-handle +the busiest of 2 workers served 90% \(even: 50%\) \(fixed by which worker accepted each of the 50 connections\);.* — like SCHED_NONE/m);
		expect(text).toMatch(/^node-cluster-lab bench on the reference solutions: 2 workers \(--workers\), nginx 3 backends/m);
		expect(formatBench({...report, options: {...report.options, workers: 5, workersFrom: 'seeds'}})[0]).toContain("5 workers (the seeds' 5; --workers cores for this machine's 2)");
		expect(formatBench({...report, options: {...report.options, workersFrom: 'cores'}})[0]).toContain("2 workers (this machine's 2 cores, --workers cores)");
		expect(text).toContain('seed 001: 9132 req/s');
		expect(text).toContain('seed 001: 9551 req/s');
	});
});

describe('formatBenchHtml', () => {
	it('is one self-contained page: the rows, a bar each, the seeds, and nothing fetched', () => {
		const page = formatBenchHtml(report);
		expect(page).toMatch(/^<!doctype html>/);
		expect(page).toContain('<th>shared-handle</th><td class="n">12000<small> (11000–13000)</small></td><td class="n">1.20</td>');
		expect(page).toContain('<div style="width:100.0%">');
		expect(page).toContain('not measured: dispatch never listened on 20001 (exited)');
		expect(page).toContain('seed 001: 9132 req/s');
		expect(page).not.toMatch(/<script|<link|src=|href=|url\(/);
	});
});

describe('node-cluster-lab bench (bundled CLI)', () => {
	beforeAll(() => {
		buildCli();
	}, 60_000);

	afterEach(async () => {
		await eventually(() => expect(survivors()).toEqual([]));
	});

	afterAll(() => {
		removeTempDirs();
	});

	it('--quick --json measures the chosen strategies in 3 rounds, bounded, and stops them all', async () => {
		const started = Date.now();
		const cwd = tempDir();
		const result = await runCli(['bench', '--quick', '--json', '--html', 'bench.html', '--workers', '2', 'single', 'cluster-rr'], {cwd, timeoutMs: 90_000});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const report = JSON.parse(result.stdout) as {results: Array<{id: string; failed?: string; samples: Record<string, Sample[]>; median: Record<string, {rps: number; ratio: number; busiest: number; pids: number}>}>};
		expect(report.results.map(each => each.id)).toEqual(['single', 'cluster-rr']);
		for (const each of report.results) {
			expect(each.failed).toBeUndefined();
			for (const mode of ['keep-alive', 'fresh']) {
				expect(each.samples[mode], `${each.id} ${mode}`).toHaveLength(3);
				// Requests in flight at each run's time bound are dropped, and are not errors.
				expect(each.samples[mode]!.map(sample => sample.errors), `${each.id} ${mode}`).toEqual([0, 0, 0]);
				expect(each.median[mode]!.rps, `${each.id} ${mode}`).toBeGreaterThan(0);
			}
		}
		const [single, rr] = report.results;
		expect(single!.median['keep-alive']).toMatchObject({busiest: 1, pids: 1});
		expect(rr!.median.fresh!.ratio).toBe(1);
		expect(rr!.median.fresh!.pids).toBe(2);
		expect(Date.now() - started).toBeLessThan(80_000);
		const page = readFileSync(path.join(cwd, 'bench.html'), 'utf8');
		expect(page).toContain('<th>single</th>');
		expect(page).toContain('<th>cluster-rr</th>');
	}, 100_000);

	it('holds each row\'s port block while its program runs, and lets it go when the bench ends', async () => {
		const blocks = path.join(tmpdir(), `node-cluster-lab-ports-${process.getuid?.() ?? 'user'}`);
		const heldBy = (pid: number) => (existsSync(blocks) ? readdirSync(blocks).filter(file => readFileSync(path.join(blocks, file), 'utf8') === String(pid)) : []);
		const run = startCli(['bench', '--quick', '--json', '--workers', '2', 'proxy'], {cwd: tempDir(), timeoutMs: 90_000});
		const pid = run.subprocess.pid!;
		// Once the proxy listens on its block's first port, the block is still held: no other run may take its backends' ports.
		const [block] = await eventually(() => {
			const held = heldBy(pid);
			expect(held).toHaveLength(1);
			expect(listenInodes(Number(held[0]))).not.toEqual([]);
			return held;
		}, {timeout: 30_000});
		expect(Number(block)).toBeGreaterThan(0);
		const result = await run.exited;
		expect(result.code, result.stderr).toBe(0);
		expect(heldBy(pid)).toEqual([]);
	}, 100_000);

	it('--labs runs the learner\'s own lab folder in place of the reference', async () => {
		const workspace = await initWorkspace();
		cpSync(path.join(repoRoot, 'solutions', '07-cluster'), path.join(workspace, 'labs', '07-cluster'), {recursive: true});
		const result = await runCli(['bench', '--quick', '--json', '--labs', '--workers', '2', 'cluster-none'], {cwd: workspace, timeoutMs: 90_000});
		expect(result.code, result.stderr).toBe(0);
		const report = JSON.parse(result.stdout) as {results: Array<{id: string; dir: string; failed?: string; samples: Record<string, unknown[]>}>};
		expect(report.results.map(each => [each.id, each.dir, each.failed, each.samples.fresh!.length])).toEqual([['cluster-none', path.join(workspace, 'labs', '07-cluster'), undefined, 3]]);
	}, 100_000);

	it('--labs runs the learner\'s own labs 02 and 10 for the proxy and nginx rows', async () => {
		const workspace = await initWorkspace();
		for (const lab of ['02-proxy', '10-nginx']) cpSync(path.join(repoRoot, 'solutions', lab), path.join(workspace, 'labs', lab), {recursive: true});
		const result = await runCli(['bench', '--quick', '--json', '--labs', '--workers', '2', 'proxy', 'nginx'], {cwd: workspace, timeoutMs: 90_000});
		expect(result.code, result.stderr).toBe(0);
		const report = JSON.parse(result.stdout) as {results: Array<{id: string; dir: string; failed?: string; skipped?: string; workers: number; samples: Record<string, unknown[]>; median: Record<string, {pids: number}>}>};
		const [proxy, nginx] = report.results;
		expect([proxy!.id, proxy!.dir, proxy!.failed, proxy!.samples.fresh!.length, proxy!.median['keep-alive']!.pids]).toEqual(['proxy', path.join(workspace, 'labs', '02-proxy'), undefined, 3, 2]);
		if (nginx!.skipped) expect(nginx!.skipped).toContain('nginx is not installed');
		else expect([nginx!.id, nginx!.dir, nginx!.failed, nginx!.workers, nginx!.median.fresh!.pids]).toEqual(['nginx', path.join(workspace, 'labs', '10-nginx'), undefined, 3, 3]);
	}, 100_000);

	it('--labs outside a workspace says where to run it', async () => {
		const result = await runCli(['bench', '--labs', '--quick'], {cwd: tempDir()});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('--labs runs your labs: run it inside a workspace');
	});

	it('leaves no process behind when interrupted with Ctrl-C mid-run', async () => {
		const bench = startCli(['bench', '--workers', '2', 'cluster-none', 'shared-handle'], {cwd: tempDir(), timeoutMs: 60_000});
		// The first progress line comes once every strategy is up and the rounds have begun.
		await bench.sees(/round 1\/3/, 50_000, 'stderr');
		bench.subprocess.kill('SIGINT');
		expect((await bench.exited).code).toBe(130);
		expect(bench.stderr()).toContain('every process it started has been ended');
	}, 100_000);
});
