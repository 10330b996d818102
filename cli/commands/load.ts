import {availableParallelism} from 'node:os';
import {UsageError, type Command} from '../command.js';
import {readProc} from '../harness/procfs.js';
import {isLoopback, runLoadGenerator, type LatencySummary, type LoadResult} from '../load/generator.js';

/** Bounds, so that a typo cannot turn the kit into a long-running load generator. */
export const MAX_REQUESTS = 1_000_000;
export const MAX_CONNECTIONS = 256;
export const MAX_SECONDS = 60;
export const MAX_PIPELINING = 64;
const REQUEST_TIMEOUT_MS = 5000;
const BAR_WIDTH = 30;

export type LoadOptions = {
	url: URL;
	/** The count bound. */
	requests: number;
	connections: number;
	keepAlive: boolean;
	/** Requests outstanding at once per keep-alive connection. */
	pipelining: number;
	/** The time bound, in seconds. */
	seconds: number;
	/** The learner asked for a count (--requests), not only a duration: reaching the time bound first is then a failure. */
	countBound: boolean;
	json: boolean;
};

function positiveInteger(name: string, raw: unknown, fallback: number, max: number): number {
	if (raw === undefined) return fallback;
	const text = String(raw).trim();
	if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number, not '${text}'`);
	const value = Number(text);
	if (value < 1 || value > max) throw new UsageError(`--${name} must be between 1 and ${max}, not ${value}`);
	return value;
}

/** Check the command line; every mistake is a UsageError (exit code 2). */
export function parseLoadArgs(values: Record<string, unknown>, positionals: string[]): LoadOptions {
	if (positionals.length === 0) throw new UsageError('name the URL to load, e.g. load http://127.0.0.1:3000/');
	if (positionals.length > 1) throw new UsageError(`one URL only, got ${positionals.length}: ${positionals.join(' ')}`);
	let url: URL;
	try {
		url = new URL(positionals[0]!);
	} catch {
		throw new UsageError(`'${positionals[0]}' is not a URL; write it in full, e.g. http://127.0.0.1:3000/`);
	}
	if (url.protocol !== 'http:') throw new UsageError(`only http:// URLs, not ${url.protocol}//`);
	if (!isLoopback(url.hostname)) throw new UsageError(`load only targets this machine (127.0.0.0/8, ::1, localhost), not ${url.hostname}`);
	const seconds = positiveInteger('duration', values.duration, MAX_SECONDS, MAX_SECONDS);
	// A run bounded by --duration alone still has a count bound, the largest one.
	const countBound = values.requests !== undefined || values.duration === undefined;
	const requests = positiveInteger('requests', values.requests, values.duration === undefined ? 2000 : MAX_REQUESTS, MAX_REQUESTS);
	const connections = positiveInteger('connections', values.connections, 8, MAX_CONNECTIONS);
	const keepAlive = Boolean(values['keep-alive']);
	const pipelining = positiveInteger('pipelining', values.pipelining, 1, MAX_PIPELINING);
	if (pipelining > 1 && !keepAlive) throw new UsageError('--pipelining needs --keep-alive: a connection that carries one request has nothing to pipeline');
	return {url, requests, connections, keepAlive, pipelining, seconds, countBound, json: Boolean(values.json)};
}

export type LoadReport = {
	options: LoadOptions;
	result: LoadResult;
	/** CPU time of each answering pid from its first answer to the end, when /proc shows that pid. */
	pidCpuMs: Map<number, number>;
	/** True when the time bound stopped a count-bounded run before every request was sent. */
	cutShort: boolean;
	/** The time bound, in seconds. */
	maxSeconds: number;
};

/** Fire the requests, bounded in count and time, and measure where the CPU went. */
export async function runLoad(options: LoadOptions, maxSeconds = options.seconds): Promise<LoadReport> {
	// Each new pid's CPU time is read once, at its first answer, and again at the end.
	const firstCpu = new Map<number, number>();
	const result = await runLoadGenerator({
		url: options.url,
		connections: options.connections,
		keepAlive: options.keepAlive,
		pipelining: options.pipelining,
		maxRequests: options.requests,
		durationMs: maxSeconds * 1000,
		timeoutMs: REQUEST_TIMEOUT_MS,
		onNewPid: pid => firstCpu.set(pid, readProc(pid)?.cpuMs ?? Number.NaN),
	});
	const pidCpuMs = new Map<number, number>();
	for (const [pid, before] of firstCpu) {
		const after = readProc(pid)?.cpuMs;
		if (after !== undefined && Number.isFinite(before)) pidCpuMs.set(pid, after - before);
	}
	return {options, result, pidCpuMs, cutShort: options.countBound && result.cutShort, maxSeconds};
}

/** Answers with a status of 400 or more, by status. */
function failedStatuses(result: LoadResult): Array<[string, number]> {
	return Object.entries(result.statuses).filter(([status]) => Number(status) >= 400);
}

/** Requests that failed: no answer, or an answer of 400 or more. */
export function failureCount(result: LoadResult): number {
	return result.errors + result.unanswered + failedStatuses(result).reduce((sum, [, count]) => sum + count, 0);
}

function describeResultFailures(result: LoadResult): string {
	const parts = Object.entries(result.errorKinds).map(([kind, count]) => `${count} × ${kind}`);
	for (const [status, count] of failedStatuses(result)) parts.push(`${count} × status ${status}`);
	if (result.unanswered > 0) parts.push(`${result.unanswered} × still unanswered at the hard stop`);
	return parts.join(', ');
}

function seconds(ms: number): string {
	return `${(ms / 1000).toFixed(2)} s`;
}

function latencyText(latency: LatencySummary): string {
	return `latency p50 ${latency.p50.toFixed(2)} ms, p90 ${latency.p90.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms, max ${latency.max.toFixed(2)} ms`;
}

/** The report as one JSON document (load --json). */
export function loadReportJson(report: LoadReport): Record<string, unknown> {
	const {options, result, pidCpuMs, cutShort} = report;
	return {
		url: options.url.href,
		mode: options.keepAlive ? 'keep-alive' : 'connection-per-request',
		connections: options.connections,
		pipelining: options.pipelining,
		bounds: {requests: options.requests, seconds: report.maxSeconds},
		requests: result.answered,
		sent: result.sent,
		ok: result.ok,
		errors: failureCount(result),
		errorKinds: result.errorKinds,
		statuses: result.statuses,
		cutShort,
		wallMs: Math.round(result.wallMs),
		requestsPerSecond: Math.round(result.rps),
		latencyMs: result.latencyMs,
		connectionsOpened: result.connectionsOpened,
		perPid: Object.fromEntries([...result.perPid].sort((a, b) => b[1] - a[1])),
		withoutPid: result.withoutPid,
		cpuMs: {generator: Math.round(result.generatorCpuMs), perPid: Object.fromEntries([...pidCpuMs].map(([pid, ms]) => [pid, Math.round(ms)]))},
		cores: availableParallelism(),
	};
}

/** The report as text lines: totals, then one row per pid with a bar. */
export function formatLoadReport(report: LoadReport): string[] {
	const {options, result, pidCpuMs, cutShort, maxSeconds} = report;
	const mode = options.keepAlive
		? `keep-alive: at most ${options.connections} connections, reused${options.pipelining > 1 ? `, ${options.pipelining} requests pipelined on each` : ''}`
		: 'a new connection per request';
	const bound = options.countBound ? `${options.requests} requests` : `for ${maxSeconds} s`;
	const lines = [`GET ${options.url.href}  ${bound}, ${options.connections} at a time, ${mode}`];
	const failed = failureCount(result);
	const wallMs = result.wallMs;
	const done = result.answered + result.errors + result.unanswered;
	lines.push(`${done} done in ${seconds(wallMs)}: ${Math.round(result.rps)} requests/s, ${done - failed} ok, ${failed} failed`);
	if (result.answered > 0) lines.push(latencyText(result.latencyMs));
	if (cutShort) lines.push(`stopped after ${maxSeconds} s: ${options.requests - result.sent} requests were never sent`);
	if (failed > 0) lines.push(`failures: ${describeResultFailures(result)}`);
	lines.push('');

	const rows = [...result.perPid].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
	const anonymous = result.withoutPid;
	const most = Math.max(1, ...rows.map(([, count]) => count));
	const total = Math.max(1, result.answered);
	const countWidth = Math.max(8, String(most).length);
	lines.push(`${'x-worker-pid'.padEnd(12)}  ${'requests'.padStart(countWidth)}   share`);
	for (const [pid, count] of rows) {
		const bar = '█'.repeat(Math.max(count > 0 ? 1 : 0, Math.round((count / most) * BAR_WIDTH)));
		lines.push(`${String(pid).padEnd(12)}  ${String(count).padStart(countWidth)}  ${`${((count / total) * 100).toFixed(1)}%`.padStart(6)}  ${bar}`);
	}
	if (anonymous > 0) lines.push(`${'(none)'.padEnd(12)}  ${String(anonymous).padStart(countWidth)}  ${`${((anonymous / total) * 100).toFixed(1)}%`.padStart(6)}  answers without a numeric x-worker-pid`);
	if (rows.length === 0 && anonymous === 0) lines.push('(no answers)');
	lines.push('');

	const measured = rows.filter(([pid]) => pidCpuMs.has(pid));
	const serverCpu = measured.map(([pid]) => `${pid} ${seconds(pidCpuMs.get(pid)!)}`).join(', ');
	lines.push(`CPU used meanwhile: this load generator ${seconds(result.generatorCpuMs)}${serverCpu ? `; ${serverCpu}` : ''} (machine: ${availableParallelism()} cores, ${seconds(wallMs)} of wall time)`);
	if (options.keepAlive) {
		lines.push(`With keep-alive the connection is the unit: a connection stays with the process that accepted it, so ${options.connections} connections can reach at most ${options.connections} pids, however many requests they carry.`);
	}
	return lines;
}

export const loadCommand: Command = {
	name: 'load',
	summary: 'fire requests at a running server and count the answers per pid',
	usage: 'load <url> [--requests <n>] [--duration <s>] [--connections <n>] [--keep-alive] [--pipelining <p>] [--json]',
	help: [
		'Sends GET requests to <url>, a few at a time, and prints requests per second, latency and how',
		'many answers each process gave (by the x-worker-pid header), as a table with bars. Start your',
		'lab yourself first (see the lesson), then point this at it. Exit code 1 if any request failed',
		'or the time bound stopped a --requests run early.',
		'',
		`  --requests <n>      how many requests in all (default 2000, or no limit but ${MAX_REQUESTS} with --duration)`,
		`  --duration <s>      send for this many seconds (default and at most ${MAX_SECONDS})`,
		`  --connections <n>   how many at a time (default 8, at most ${MAX_CONNECTIONS})`,
		'  --keep-alive        reuse at most <connections> connections instead of opening a new one',
		'                      per request: see how the kernel spreads connections, not requests',
		`  --pipelining <p>    with --keep-alive, up to <p> requests in flight per connection (at most ${MAX_PIPELINING})`,
		'  --json              print one JSON document: requests, errors, req/s, latency p50/p90/p99/max,',
		'                      answers and CPU per pid, the generator\'s own CPU',
		'',
		`Only URLs on this machine (127.0.0.0/8, ::1, localhost). An answer that makes no progress for`,
		`${REQUEST_TIMEOUT_MS / 1000} s counts as failed, and no new request starts after the time bound.`,
		'The CPU line shows what the load generator itself used: on a small machine it competes',
		'with your server for the same cores.',
	].join('\n'),
	options: {
		requests: {type: 'string', short: 'n'},
		duration: {type: 'string', short: 'd'},
		connections: {type: 'string', short: 'c'},
		'keep-alive': {type: 'boolean', short: 'k'},
		pipelining: {type: 'string', short: 'p'},
		json: {type: 'boolean'},
	},
	async run({values, positionals}, io) {
		const options = parseLoadArgs(values, positionals);
		const report = await runLoad(options);
		if (options.json) io.out(JSON.stringify(loadReportJson(report), null, 2));
		else for (const line of formatLoadReport(report)) io.out(line);
		return failureCount(report.result) > 0 || report.cutShort ? 1 : 0;
	},
};
