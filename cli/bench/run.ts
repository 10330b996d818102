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
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {startLabProcess, type LabProcess} from '../harness/lab-process.js';
import {pickFreePort} from '../harness/ports.js';
import {groupMembers} from '../harness/procfs.js';
import {waitForListening} from '../harness/readiness.js';
import {runLoadGenerator} from '../load/generator.js';
import {SINGLE_SERVER_SOURCE, strategies, type Mode, type Strategy} from './strategies.js';

export type BenchOptions = {
	workers: number;
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

type Running = {strategy: Strategy; lab: LabProcess; port: number; primary: number};

function cpuByPid(pgid: number): Map<number, number> {
	const cpu = new Map<number, number>();
	for (const proc of groupMembers(pgid)) if (proc.pid !== pgid) cpu.set(proc.pid, proc.cpuMs);
	return cpu;
}

/** Start one strategy and wait until it accepts connections with all its processes up. */
async function start(strategy: Strategy, workers: number, scratch: string): Promise<Running> {
	const port = await pickFreePort();
	const lab = startLabProcess({cwd: strategy.dir ?? scratch, entry: strategy.entry, env: {...strategy.env, PORT: String(port), HOST: '127.0.0.1', WORKERS: String(workers)}});
	const primary = await lab.primaryPid;
	if (primary === undefined) throw Object.assign(new Error(`${strategy.id} did not start`), {lab});
	const ready = await waitForListening(lab, '127.0.0.1', port, START_DEADLINE_MS);
	if (!ready.ready) throw Object.assign(new Error(`${strategy.id} never listened on ${port} (${ready.reason}): ${lab.output(3).join(' | ')}`), {lab});
	const expected = strategy.hasFront ? workers + 1 : 1;
	const deadline = Date.now() + START_DEADLINE_MS;
	while (lab.members().length < expected && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20));
	if (lab.members().length < expected) throw Object.assign(new Error(`${strategy.id}: ${lab.members().length} of ${expected} processes came up`), {lab});
	return {strategy, lab, port, primary};
}

async function measure(running: Running, mode: Mode, options: BenchOptions, round: number): Promise<Sample> {
	const before = cpuByPid(running.lab.pgid);
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
	let front = 0;
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
		wallMs: result.wallMs,
	};
}

/** Run the whole bench; every process it starts is stopped before it resolves or rejects. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
	const started = Date.now();
	const chosen = strategies(options.labsRoot).filter(strategy => !options.only?.length || options.only.includes(strategy.id));
	const results = new Map<string, StrategyResult>(chosen.map(strategy => [strategy.id, {id: strategy.id, title: strategy.title, dir: strategy.dir, samples: {'keep-alive': [], fresh: []}}]));
	const scratch = mkdtempSync(path.join(os.tmpdir(), 'ncl-bench-'));
	writeFileSync(path.join(scratch, 'single.mjs'), SINGLE_SERVER_SOURCE);
	const labs: LabProcess[] = [];
	let startMs = 0;
	try {
		const running: Running[] = [];
		const starts = await Promise.allSettled(chosen.map(strategy => start(strategy, options.workers, scratch)));
		starts.forEach((outcome, index) => {
			if (outcome.status === 'fulfilled') {
				running.push(outcome.value);
				labs.push(outcome.value.lab);
			} else {
				const error = outcome.reason as Error & {lab?: LabProcess};
				if (error.lab) labs.push(error.lab);
				results.get(chosen[index]!.id)!.failed = error.message;
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
		rmSync(scratch, {recursive: true, force: true});
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
