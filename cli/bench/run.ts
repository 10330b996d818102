/**
`node-cluster-lab bench`: the course's strategies side by side, in rounds, on
the kit's reference servers and the kit's load generator. Every strategy is
started once (each on its own loopback port, under a keeper so that nothing
survives the kit), then each round runs every strategy with keep-alive and with
a fresh connection per request, the order rotated from round to round, and
everything is stopped in a finally. CPU comes from /proc: the front process (a
primary that only fronts the workers), the workers, and the generator (this
process).
*/
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {startLabProcess, type LabProcess} from '../harness/lab-process.js';
import {findNginx, nginxVersion, prepareNginxRun, removeNginxRun, renderTemplate, startNginx, testNginxConfig, type NginxRun} from '../harness/nginx.js';
import {PORT_BLOCK, reservePortBlock} from '../harness/ports.js';
import {groupMembers} from '../harness/procfs.js';
import {waitForListening} from '../harness/readiness.js';
import {runLoadGenerator} from '../load/generator.js';
import {SINGLE_SERVER_SOURCE, strategies, type Mode, type Strategy} from './strategies.js';

export type BenchOptions = {
	workers: number;
	/** Where the workers' count came from, for the table's header: the seeds' 5, this machine's cores, or --workers N. */
	workersFrom?: 'seeds' | 'cores' | 'flag';
	connections: number;
	rounds: number;
	/** Seconds of load per strategy, mode and round. */
	seconds: number;
	/** Only these strategy ids (all when empty). */
	only?: string[];
	/** Where the lab folders are; default the kit's reference solutions. */
	labsRoot?: string;
	/** Progress, one short line at a time. */
	onProgress?: (done: number, total: number, what: string) => void;
};

export type Sample = {
	round: number;
	rps: number;
	answered: number;
	errors: number;
	p50: number;
	p99: number;
	/** The busiest pid's fraction of the answers. */
	busiestShare: number;
	pids: number;
	/** CPU in ms during the run. */
	cpuMs: {front: number; workers: number; generator: number};
	/** TCP connections the generator opened. */
	connections?: number;
	wallMs: number;
	/** rps / cluster-rr's rps in the same round and mode. */
	ratioToRr?: number;
};

export type StrategyResult = {
	id: string;
	title: string;
	/** The folder its program ran from (undefined: the single-process server bench writes itself). */
	dir: string | undefined;
	/** Why it could not be measured, when it could not. */
	failed?: string;
	/** Why it was not run at all (nginx is not installed): not a failure. */
	skipped?: string;
	/** Its workers (backends), as started: --workers, or what the lab fixes. */
	workers?: number;
	/** Whether a front process (primary, proxy, nginx) stands before the workers. */
	hasFront?: boolean;
	samples: Record<Mode, Sample[]>;
};

export type BenchReport = {
	options: Omit<BenchOptions, 'onProgress'>;
	machine: {cores: number; loadAverage: number[]; node: string};
	results: StrategyResult[];
	/** From the start until every strategy was up (or had failed) and warmed up. */
	startMs: number;
	wallMs: number;
};

const START_DEADLINE_MS = 20_000;
const WARM_UP_MS = 150;
const MODES: Mode[] = ['keep-alive', 'fresh'];

type Running = {strategy: Strategy; lab: LabProcess; port: number; primary: number; workers: number; nginx?: LabProcess};

/** Thrown by start(): why, and whether the row is skipped (a missing tool) rather than failed. */
class StartError extends Error {
	constructor(
		message: string,
		readonly skipped = false,
	) {
		super(message);
	}
}

/**
A block of free ports for one row, held (other runs of the kit keep away from
it) until the bench has stopped the row's processes: its PORT is the block's
first, and lab 02's backends listen on PORT+1 … PORT+WORKERS.
*/
async function holdPortBlock(extra: number, releases: Array<() => void>): Promise<number> {
	if (extra >= PORT_BLOCK) throw new StartError(`${extra} backends do not fit in a block of ${PORT_BLOCK} ports; ask for fewer workers`, true);
	const block = await reservePortBlock();
	releases.push(block.release);
	return block.port;
}

/** CPU of every process in a group but its keeper (nginx's master, workers and launcher), ms. */
function groupCpuMs(pgid: number): number {
	return groupMembers(pgid)
		.filter(proc => proc.pid !== pgid)
		.reduce((sum, proc) => sum + proc.cpuMs, 0);
}

function cpuByPid(pgid: number): Map<number, number> {
	const cpu = new Map<number, number>();
	for (const proc of groupMembers(pgid)) if (proc.pid !== pgid) cpu.set(proc.pid, proc.cpuMs);
	return cpu;
}

/** Start one strategy and wait until it accepts connections with all its processes up (nginx too, for lab 10). */
async function start(strategy: Strategy, requestedWorkers: number, scratch: string, started: {labs: LabProcess[]; nginxRuns: NginxRun[]; portBlocks: Array<() => void>}): Promise<Running> {
	const workers = strategy.fixedWorkers ?? requestedWorkers;
	let nginxBinary: {binary: string; version: NonNullable<ReturnType<typeof nginxVersion>>} | undefined;
	if (strategy.nginxTemplate) {
		const binary = findNginx();
		if (!binary) throw new StartError('nginx is not installed (Debian/Ubuntu: sudo apt-get install nginx-light); the other rows do not need it', true);
		const version = nginxVersion(binary);
		if (!version) throw new StartError(`${binary} -v did not say which nginx it is`, true);
		nginxBinary = {binary, version};
	}
	const port = await holdPortBlock(strategy.backendPorts ? workers : 0, started.portBlocks);
	const lab = startLabProcess({cwd: strategy.dir ?? scratch, entry: strategy.entry, env: {...strategy.env, PORT: String(port), HOST: '127.0.0.1', WORKERS: String(workers)}});
	// Into the caller's list at once: stopped in its finally, whatever happens next.
	started.labs.push(lab);
	const primary = await lab.primaryPid;
	if (primary === undefined) throw new StartError(`${strategy.id} did not start`);
	// Lab 10's backends listen on 127.0.0.2-4:PORT; nginx alone takes 127.0.0.1:PORT.
	const backendHosts = strategy.nginxTemplate ? ['127.0.0.2', '127.0.0.3', '127.0.0.4'] : ['127.0.0.1'];
	for (const host of backendHosts) {
		const ready = await waitForListening(lab, host, port, START_DEADLINE_MS);
		if (!ready.ready) throw new StartError(`${strategy.id} never listened on ${host}:${port} (${ready.reason}): ${lab.output(3).join(' | ')}`);
	}
	const expected = strategy.hasFront ? workers + 1 : 1;
	const deadline = Date.now() + START_DEADLINE_MS;
	while (lab.members().length < expected && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20));
	if (lab.members().length < expected) throw new StartError(`${strategy.id}: ${lab.members().length} of ${expected} processes came up`);
	if (!nginxBinary) return {strategy, lab, port, primary, workers};
	// As lab 10's checker does: the checker's nginx.conf in a folder of the run, the lab's template rendered into it, nginx -t, then nginx under a keeper of its own.
	const run: NginxRun = prepareNginxRun(nginxBinary.binary, nginxBinary.version);
	// Removed when the bench ends (nginx writes its error log and temp files there while it runs).
	started.nginxRuns.push(run);
	writeFileSync(run.labConf, renderTemplate(readFileSync(path.join(strategy.dir!, strategy.nginxTemplate!), 'utf8'), {HOST: '127.0.0.1', PORT: String(port), STRATEGY: 'round-robin'}));
	const tested = testNginxConfig(run);
	if (!tested.ok) throw new StartError(`nginx -t rejects ${strategy.nginxTemplate}: ${tested.output.split('\n')[0] ?? ''}`);
	const nginx = startNginx(run, strategy.dir!);
	started.labs.push(nginx);
	const ready = await waitForListening(nginx, '127.0.0.1', port, START_DEADLINE_MS);
	if (!ready.ready) throw new StartError(`nginx never listened on 127.0.0.1:${port} (${ready.reason}): ${nginx.output(3).join(' | ')}`);
	return {strategy, lab, port, primary, workers, nginx};
}

async function measure(running: Running, mode: Mode, options: BenchOptions, round: number): Promise<Sample> {
	const before = cpuByPid(running.lab.pgid);
	const nginxBefore = running.nginx ? groupCpuMs(running.nginx.pgid) : 0;
	const result = await runLoadGenerator({
		url: `http://127.0.0.1:${running.port}/`,
		connections: options.connections,
		keepAlive: mode === 'keep-alive',
		durationMs: options.seconds * 1000,
		maxRequests: 5_000_000,
		timeoutMs: 2000,
		// A rate over the time bound: what is still in flight then is dropped, not waited for.
		stopGraceMs: 0,
	});
	const after = cpuByPid(running.lab.pgid);
	let front = running.nginx ? groupCpuMs(running.nginx.pgid) - nginxBefore : 0;
	let workers = 0;
	for (const [pid, cpu] of after) {
		const used = cpu - (before.get(pid) ?? 0);
		if (running.strategy.hasFront && pid === running.primary) front += used;
		else workers += used;
	}
	const busiest = Math.max(0, ...result.perPid.values());
	return {
		round,
		rps: result.rps,
		answered: result.answered,
		// Requests still in flight at the bound are dropped on purpose (stopGraceMs 0): not errors.
		errors: result.errors,
		p50: result.latencyMs.p50,
		p99: result.latencyMs.p99,
		busiestShare: result.answered > 0 ? busiest / result.answered : 0,
		pids: result.perPid.size,
		cpuMs: {front, workers, generator: result.generatorCpuMs},
		connections: result.connectionsOpened,
		wallMs: result.wallMs,
	};
}

/** Run the whole bench; every process it starts is stopped before it resolves or rejects. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
	const started = Date.now();
	const chosen = strategies(options.labsRoot).filter(strategy => !options.only?.length || options.only.includes(strategy.id));
	const results = new Map<string, StrategyResult>(
		chosen.map(strategy => [strategy.id, {id: strategy.id, title: strategy.title, dir: strategy.dir, workers: strategy.fixedWorkers ?? options.workers, hasFront: strategy.hasFront, samples: {'keep-alive': [], fresh: []}}]),
	);
	const scratch = mkdtempSync(path.join(os.tmpdir(), 'ncl-bench-'));
	writeFileSync(path.join(scratch, 'single.mjs'), SINGLE_SERVER_SOURCE);
	const labs: LabProcess[] = [];
	const nginxRuns: NginxRun[] = [];
	// Released once the rows' processes are stopped (left by a kit that was killed, a block is taken over: its pid is gone).
	const portBlocks: Array<() => void> = [];
	// Stopped by a signal, the kit exits from its handler (which ends the process groups) and the finally below never runs: remove the folders then.
	const removeFolders = () => {
		for (const run of nginxRuns) removeNginxRun(run);
		rmSync(scratch, {recursive: true, force: true});
	};
	process.once('exit', removeFolders);
	let startMs = 0;
	try {
		const running: Running[] = [];
		const starts = await Promise.allSettled(chosen.map(strategy => start(strategy, options.workers, scratch, {labs, nginxRuns, portBlocks})));
		starts.forEach((outcome, index) => {
			if (outcome.status === 'fulfilled') {
				running.push(outcome.value);
			} else {
				const error = outcome.reason as Error;
				const result = results.get(chosen[index]!.id)!;
				if (error instanceof StartError && error.skipped) result.skipped = error.message;
				else result.failed = error.message;
			}
		});
		// A short warm-up each, so that round 1 does not pay for the JIT.
		for (const each of running) await runLoadGenerator({url: `http://127.0.0.1:${each.port}/`, connections: options.connections, durationMs: WARM_UP_MS, maxRequests: 100_000, timeoutMs: 2000});
		startMs = Date.now() - started;
		const total = options.rounds * running.length * MODES.length;
		let done = 0;
		for (let round = 0; round < options.rounds; round++) {
			// Rotate the order, so that no strategy always runs first (or right after the heaviest).
			const order = running.map((_, index) => running[(index + round) % running.length]!);
			for (const mode of MODES) {
				for (const each of order) {
					options.onProgress?.(done, total, `round ${round + 1}/${options.rounds}: ${each.strategy.id}, ${mode}`);
					results.get(each.strategy.id)!.samples[mode].push(await measure(each, mode, options, round));
					done++;
				}
			}
		}
		options.onProgress?.(total, total, 'done');
		// Each sample against cluster rr's in the same round and mode.
		const rr = results.get('cluster-rr');
		for (const result of results.values()) {
			for (const mode of MODES) {
				for (const sample of result.samples[mode]) {
					const reference = rr?.samples[mode].find(candidate => candidate.round === sample.round);
					if (reference && reference.rps > 0) sample.ratioToRr = sample.rps / reference.rps;
				}
			}
		}
	} finally {
		await Promise.all(labs.map(lab => lab.stop()));
		for (const release of portBlocks) release();
		process.removeListener('exit', removeFolders);
		removeFolders();
	}
	const {onProgress: _progress, ...shown} = options;
	return {options: shown, machine: {cores: os.availableParallelism(), loadAverage: os.loadavg(), node: process.version}, results: [...results.values()], startMs, wallMs: Date.now() - started};
}

export function median(values: number[]): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
