import {availableParallelism} from 'node:os';
import {UsageError, UserError, type Command} from '../command.js';
import {resolveTarget} from './context.js';
import path from 'node:path';
import {benchHtml} from '../bench/html.js';
import {writeFileAtomic} from '../fs-safe.js';
import {median, runBench, type BenchReport, type Sample} from '../bench/run.js';
import {SEED_FIGURES, strategies, type Mode} from '../bench/strategies.js';
import {why as measuredWhy} from '../bench/why.js';

const BAR_WIDTH = 24;

export type BenchArgs = {workers: number; workersFrom: 'seeds' | 'cores' | 'flag'; connections: number; rounds: number; seconds: number; only: string[]; json: boolean; quick: boolean; labs: boolean};

function whole(name: string, raw: unknown, fallback: number, min: number, max: number): number {
	if (raw === undefined) return fallback;
	const text = String(raw).trim();
	if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number, not '${text}'`);
	const value = Number(text);
	if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max}, not ${value}`);
	return value;
}

/** The seeds' workers (seed 001: five workers behind siege -c100). */
export const SEED_WORKERS = 5;
/** Seconds of load in all, over every strategy, mode and round, when --seconds is not given: a default run stays within about 90 s, --quick within 20 s. */
const LOAD_BUDGET_S = 70;
const QUICK_BUDGET_S = 6;

export function parseBenchArgs(values: Record<string, unknown>, positionals: string[]): BenchArgs {
	const known = strategies().map(strategy => strategy.id);
	for (const id of positionals) if (!known.includes(id)) throw new UsageError(`unknown strategy '${id}'; choose from ${known.join(', ')}`);
	const quick = Boolean(values.quick);
	const rounds = whole('rounds', values.rounds, 3, 3, 9);
	// Runs of a round: each strategy with keep-alive and fresh.
	const runs = rounds * 2 * (positionals.length || known.length);
	const cores = String(values.workers ?? '').trim() === 'cores';
	return {
		workers: cores ? availableParallelism() : whole('workers', values.workers, SEED_WORKERS, 1, 16),
		workersFrom: cores ? 'cores' : values.workers === undefined ? 'seeds' : 'flag',
		connections: whole('connections', values.connections, 50, 1, 256),
		rounds,
		seconds: quick ? Math.min(0.4, Math.floor((QUICK_BUDGET_S / runs) * 100) / 100) : values.seconds === undefined ? Math.min(2, Math.floor((LOAD_BUDGET_S / runs) * 10) / 10) : whole('seconds', values.seconds, 2, 1, 10),
		only: positionals,
		json: Boolean(values.json),
		quick,
		labs: Boolean(values.labs),
	};
}

type Summary = {requests: number; opened: number | undefined; rps: number; min: number; max: number; ratio: number; ratioMin: number; ratioMax: number; p50: number; p99: number; busiest: number; pids: number; errors: number; cores: {front: number; workers: number; generator: number}};

function summarize(samples: Sample[]): Summary | undefined {
	if (samples.length === 0) return undefined;
	const ratios = samples.map(sample => sample.ratioToRr).filter((ratio): ratio is number => ratio !== undefined);
	const cores = (pick: (sample: Sample) => number) => median(samples.map(sample => pick(sample) / Math.max(sample.wallMs, 1)));
	const opened = samples.map(sample => sample.connections).filter((count): count is number => count !== undefined);
	return {
		requests: Math.round(median(samples.map(sample => sample.answered))),
		opened: opened.length > 0 ? Math.round(median(opened)) : undefined,
		rps: median(samples.map(sample => sample.rps)),
		min: Math.min(...samples.map(sample => sample.rps)),
		max: Math.max(...samples.map(sample => sample.rps)),
		ratio: median(ratios),
		ratioMin: Math.min(...ratios),
		ratioMax: Math.max(...ratios),
		p50: median(samples.map(sample => sample.p50)),
		p99: median(samples.map(sample => sample.p99)),
		busiest: median(samples.map(sample => sample.busiestShare)),
		pids: Math.max(...samples.map(sample => sample.pids)),
		errors: samples.reduce((sum, sample) => sum + sample.errors, 0),
		cores: {front: cores(sample => sample.cpuMs.front), workers: cores(sample => sample.cpuMs.workers), generator: cores(sample => sample.cpuMs.generator)},
	};
}

function rounded(value: number): string {
	return value >= 10_000 ? `${(value / 1000).toFixed(1)}k` : String(Math.round(value));
}

/** Each row's why line per mode: derived from its medians in this run (why.ts), then the strategy's fixed explanation. */
function whyLines(report: BenchReport): Map<string, Record<Mode, string>> {
	const known = new Map(strategies().map(strategy => [strategy.id, strategy]));
	const lines = new Map<string, Record<Mode, string>>();
	for (const result of report.results) {
		const strategy = known.get(result.id);
		if (!strategy) continue;
		const line = (mode: Mode): string => {
			const summary = summarize(result.samples[mode]);
			if (!summary) return strategy.why[mode];
			return measuredWhy({
				strategy,
				mode,
				workers: result.workers ?? strategy.fixedWorkers ?? report.options.workers,
				connections: report.options.connections,
				cores: report.machine.cores,
				measured: {busiest: summary.busiest, pids: summary.pids, requests: summary.requests, opened: summary.opened, cores: summary.cores},
			});
		};
		lines.set(result.id, {'keep-alive': line('keep-alive'), fresh: line('fresh')});
	}
	return lines;
}

/** The table's first line: what ran, with how many workers and why that many. */
function header(report: BenchReport): string {
	const {options, machine} = report;
	const from =
		options.workersFrom === 'seeds'
			? `the seeds' ${SEED_WORKERS}; --workers cores for this machine's ${machine.cores}`
			: options.workersFrom === 'cores'
				? `this machine's ${machine.cores} cores, --workers cores`
				: '--workers';
	const fixed = report.results.some(result => result.id === 'nginx') ? ', nginx 3 backends (lab 10 fixes them)' : '';
	return `node-cluster-lab bench on ${options.labsRoot ? `your labs in ${options.labsRoot}` : 'the reference solutions'}: ${options.workers} workers (${from})${fixed}, ${options.connections} connections, ${options.rounds} rounds of ${options.seconds} s per strategy and mode, medians (min–max)`;
}

export function benchJson(report: BenchReport): Record<string, unknown> {
	const explanation = new Map(strategies().map(strategy => [strategy.id, strategy.why]));
	const why = whyLines(report);
	return {
		...report,
		results: report.results.map(result => ({
			...result,
			median: {'keep-alive': summarize(result.samples['keep-alive']), fresh: summarize(result.samples.fresh)},
			why: why.get(result.id),
			explanation: explanation.get(result.id),
			seed: SEED_FIGURES[result.id],
		})),
	};
}

/** The page --html writes. */
export function formatBenchHtml(report: BenchReport): string {
	const summaries = new Map(report.results.map(result => [result.id, {'keep-alive': summarize(result.samples['keep-alive']), fresh: summarize(result.samples.fresh)}]));
	return benchHtml(report, summaries, whyLines(report), SEED_FIGURES, header(report));
}

export function formatBench(report: BenchReport): string[] {
	const {options, machine} = report;
	const why = whyLines(report);
	const lines = [
		header(report),
		`machine: ${machine.cores} cores, node ${machine.node}, load average ${machine.loadAverage.map(load => load.toFixed(1)).join(' ')} at the end; took ${(report.wallMs / 1000).toFixed(1)} s (${(report.startMs / 1000).toFixed(1)} s to start and warm up)`,
	];
	for (const mode of ['keep-alive', 'fresh'] as Mode[]) {
		lines.push('', mode === 'keep-alive' ? `KEEP-ALIVE: ${options.connections} connections, reused` : 'FRESH: a new connection per request');
		const summaries = report.results.map(result => ({result, summary: summarize(result.samples[mode])}));
		const best = Math.max(1, ...summaries.map(({summary}) => summary?.rps ?? 0));
		lines.push(`${'strategy'.padEnd(14)} ${'req/s'.padStart(6)} ${'(min–max)'.padEnd(14)} ${'× rr'.padStart(5)}  ${'p50 ms'.padStart(6)} ${'p99 ms'.padStart(6)}  busiest  CPU cores: front/workers/generator`);
		for (const {result, summary} of summaries) {
			if (!summary) {
				lines.push(`${result.id.padEnd(14)} ${result.skipped ? `skipped: ${result.skipped}` : `not measured: ${result.failed ?? 'no samples'}`}`);
				continue;
			}
			const bar = '█'.repeat(Math.max(1, Math.round((summary.rps / best) * BAR_WIDTH)));
			const share = `${summary.busiest.toFixed(2)}/${summary.pids}`;
			const cores = `${summary.cores.front.toFixed(2)}/${summary.cores.workers.toFixed(2)}/${summary.cores.generator.toFixed(2)}`;
			const ratio = Number.isNaN(summary.ratio) ? '–' : summary.ratio.toFixed(2);
			lines.push(
				`${result.id.padEnd(14)} ${rounded(summary.rps).padStart(6)} ${`(${rounded(summary.min)}–${rounded(summary.max)})`.padEnd(14)} ${ratio.padStart(5)}  ${summary.p50.toFixed(2).padStart(6)} ${summary.p99.toFixed(2).padStart(6)}  ${share.padEnd(7)}  ${cores.padEnd(16)} ${bar}${summary.errors ? `  ${summary.errors} errors` : ''}`,
			);
		}
		lines.push('why:');
		for (const {result, summary} of summaries) if (summary) lines.push(`  ${result.id.padEnd(14)} ${why.get(result.id)?.[mode] ?? ''}`);
	}
	lines.push('', 'The seeds, for comparison (another machine, another decade, siege with keep-alive):');
	for (const [id, text] of Object.entries(SEED_FIGURES)) lines.push(`  ${id.padEnd(14)} ${text}`);
	lines.push(
		'',
		'busiest = the busiest pid\'s share of the answers / how many pids answered. × rr = req/s over cluster-rr\'s in the same round.',
		`The generator runs on the same ${machine.cores} cores as the servers: every core it uses is one the servers do not get.`,
	);
	return lines;
}

export const benchCommand: Command = {
	name: 'bench',
	summary: 'compare the course\'s strategies on this machine, side by side',
	usage: 'bench [strategy...] [--quick] [--labs [--dir <path>]] [--workers <n>] [--connections <n>] [--rounds <n>] [--seconds <s>] [--json]',
	help: [
		'Starts the kit\'s reference servers (single process; cluster round-robin; cluster SCHED_NONE;',
		'fork + shared handle; primary dispatch with pauseOnConnect; the Node proxy over ports of lab 02;',
		'nginx in front of lab 10\'s three backends, when nginx is installed), each on its own loopback',
		'port, and loads them in turn with the kit\'s load generator: keep-alive and a new connection per',
		'request, in interleaved rounds. Prints req/s, latency, the busiest worker\'s share, where the',
		'CPU went (front process, workers, generator, from /proc), the ratio to cluster rr in the same',
		'round, and a why line per row drawn from what that row measured. Every process it starts,',
		'nginx included, is stopped when it ends, however it ends.',
		'',
		`  strategy...         only these: ${strategies().map(strategy => strategy.id).join(', ')}`,
		'  --quick             short runs (about 20 s in all)',
		'  --labs              your own labs 02, 03, 04, 07 and 10 (labs/<id> in this workspace) in place of the references',
		'  --dir <path>        with --labs: a workspace, or a folder laid out like labs/',
		`  --workers <n>       workers per strategy (default ${SEED_WORKERS}, as the seeds; --workers cores: this machine's ${availableParallelism()})`,
		'  --connections <n>   connections the generator keeps busy (default 50)',
		'  --rounds <n>        rounds, at least 3 (default 3)',
		'  --seconds <s>       seconds per strategy, mode and round (default: 2, less with many strategies, so that a run takes about 80 s)',
		'  --json              one JSON document: every sample, the medians, the why lines',
		'  --html <file>       also write the table as a self-contained page (no network), to project',
	].join('\n'),
	options: {
		quick: {type: 'boolean'},
		labs: {type: 'boolean'},
		dir: {type: 'string'},
		workers: {type: 'string', short: 'w'},
		connections: {type: 'string', short: 'c'},
		rounds: {type: 'string'},
		seconds: {type: 'string'},
		json: {type: 'boolean'},
		html: {type: 'string'},
	},
	async run({values, positionals}, io) {
		const args = parseBenchArgs(values, positionals);
		if (values.dir !== undefined && !args.labs) throw new UsageError('--dir goes with --labs');
		let labsRoot: string | undefined;
		if (args.labs) {
			labsRoot = resolveTarget(io, values.dir)?.labsRoot;
			if (!labsRoot) throw new UserError('--labs runs your labs: run it inside a workspace (npx node-cluster-lab init my-labs), or name one with --dir');
		}
		let lastShown = 0;
		const started = Date.now();
		const report = await runBench({
			...args,
			labsRoot,
			onProgress: (done, total, what) => {
				if (args.json || Date.now() - lastShown < 1000) return;
				lastShown = Date.now();
				const elapsed = (Date.now() - started) / 1000;
				const left = done > 0 ? (elapsed / done) * (total - done) : Number.NaN;
				const filled = Math.round((done / Math.max(total, 1)) * 20);
				io.err(`[${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${done}/${total} ${what}${Number.isFinite(left) ? `, about ${Math.ceil(left)} s left` : ''}`);
			},
		});
		if (typeof values.html === 'string') writeFileAtomic(path.resolve(io.cwd, values.html), formatBenchHtml(report));
		if (args.json) io.out(JSON.stringify(benchJson(report), null, 2));
		else for (const line of formatBench(report)) io.out(line);
		return report.results.some(result => result.failed) ? 1 : 0;
	},
};
