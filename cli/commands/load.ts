import {availableParallelism} from 'node:os';
import {isIP} from 'node:net';
import {UsageError, type Command} from '../command.js';
import {describeFailures} from '../checks/common.js';
import {readProc} from '../harness/procfs.js';
import {TrafficClient, type Answer} from '../harness/traffic.js';

/** Bounds, so that a typo cannot turn the kit into a long-running load generator. */
export const MAX_REQUESTS = 100_000;
export const MAX_CONNECTIONS = 256;
export const MAX_SECONDS = 60;
const REQUEST_TIMEOUT_MS = 5000;
const BAR_WIDTH = 30;

export type LoadOptions = {url: URL; requests: number; connections: number; keepAlive: boolean};

function positiveInteger(name: string, raw: unknown, fallback: number, max: number): number {
	if (raw === undefined) return fallback;
	const text = String(raw).trim();
	if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number, not '${text}'`);
	const value = Number(text);
	if (value < 1 || value > max) throw new UsageError(`--${name} must be between 1 and ${max}, not ${value}`);
	return value;
}

/** 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) and localhost: the machine the kit runs on. */
function isLoopback(hostname: string): boolean {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	if (host === 'localhost' || host.endsWith('.localhost')) return true;
	if (isIP(host) === 4) return host.startsWith('127.');
	if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host) || /^::ffff:7f[0-9a-f]{2}:/.test(host);
	return false;
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
	const requests = positiveInteger('requests', values.requests, 2000, MAX_REQUESTS);
	const connections = positiveInteger('connections', values.connections, 8, MAX_CONNECTIONS);
	return {url, requests, connections, keepAlive: Boolean(values['keep-alive'])};
}

export type LoadReport = {
	options: LoadOptions;
	answers: Answer[];
	wallMs: number;
	/** CPU time this process (the load generator) used during the run. */
	generatorCpuMs: number;
	/** CPU time of each answering pid from its first answer to the end, when /proc shows that pid. */
	pidCpuMs: Map<number, number>;
	/** True when the time bound stopped the run before every request was sent. */
	cutShort: boolean;
	/** The time bound, in seconds. */
	maxSeconds: number;
};

/** Fire the requests, bounded in count and time, and measure where the CPU went. */
export async function runLoad(options: LoadOptions, maxSeconds = MAX_SECONDS): Promise<LoadReport> {
	const {url, requests, connections, keepAlive} = options;
	// Each new pid's CPU time is read once, at its first answer, and again at the end.
	const firstCpu = new Map<number, number>();
	const client = new TrafficClient(url.origin, undefined, {connections});
	const path = `${url.pathname}${url.search}`;
	const cpuBefore = process.cpuUsage();
	const started = Date.now();
	const answers: Answer[] = [];
	try {
		const lanes = Math.min(connections, requests);
		let next = 0;
		const stopAt = started + maxSeconds * 1000;
		const lane = async () => {
			while (next < requests && Date.now() < stopAt) {
				next++;
				const answer = await client.get(path, {fresh: !keepAlive, timeoutMs: REQUEST_TIMEOUT_MS});
				if (answer.pid !== undefined && !firstCpu.has(answer.pid)) firstCpu.set(answer.pid, readProc(answer.pid)?.cpuMs ?? Number.NaN);
				answers.push(answer);
			}
		};
		await Promise.all(Array.from({length: lanes}, lane));
	} finally {
		await client.close();
	}
	const wallMs = Date.now() - started;
	const cpu = process.cpuUsage(cpuBefore);
	const pidCpuMs = new Map<number, number>();
	for (const [pid, before] of firstCpu) {
		const after = readProc(pid)?.cpuMs;
		if (after !== undefined && Number.isFinite(before)) pidCpuMs.set(pid, after - before);
	}
	return {options, answers, wallMs, generatorCpuMs: (cpu.user + cpu.system) / 1000, pidCpuMs, cutShort: answers.length < requests, maxSeconds};
}

function seconds(ms: number): string {
	return `${(ms / 1000).toFixed(2)} s`;
}

/** The report as text lines: totals, then one row per pid with a bar. */
export function formatLoadReport(report: LoadReport): string[] {
	const {options, answers, wallMs, generatorCpuMs, pidCpuMs, cutShort, maxSeconds} = report;
	const mode = options.keepAlive ? `keep-alive: at most ${options.connections} connections, reused` : 'a new connection per request';
	const lines = [`GET ${options.url.href}  ${options.requests} requests, ${options.connections} at a time, ${mode}`];
	const ok = answers.filter(answer => answer.status >= 200 && answer.status < 400);
	const failed = answers.filter(answer => answer.status === 0 || answer.status >= 400);
	const rate = Math.round((answers.length / Math.max(wallMs, 1)) * 1000);
	lines.push(`${answers.length} done in ${seconds(wallMs)}: ${rate} requests/s, ${ok.length} ok, ${failed.length} failed`);
	if (cutShort) lines.push(`stopped after ${maxSeconds} s: ${options.requests - answers.length} requests were never sent`);
	if (failed.length > 0) lines.push(`failures: ${describeFailures(failed)}`);
	lines.push('');

	const perPid = new Map<number, number>();
	for (const answer of answers) if (answer.pid !== undefined) perPid.set(answer.pid, (perPid.get(answer.pid) ?? 0) + 1);
	const anonymous = answers.filter(answer => answer.status !== 0 && answer.pid === undefined).length;
	const rows = [...perPid].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
	const most = Math.max(1, ...rows.map(([, count]) => count));
	const total = Math.max(1, answers.length);
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
	lines.push(`CPU used meanwhile: this load generator ${seconds(generatorCpuMs)}${serverCpu ? `; ${serverCpu}` : ''} (machine: ${availableParallelism()} cores, ${seconds(wallMs)} of wall time)`);
	if (options.keepAlive) {
		lines.push(`With keep-alive the connection is the unit: a connection stays with the process that accepted it, so ${options.connections} connections can reach at most ${options.connections} pids, however many requests they carry.`);
	}
	return lines;
}

export const loadCommand: Command = {
	name: 'load',
	summary: 'fire requests at a running server and count the answers per pid',
	usage: 'load <url> [--requests <n>] [--connections <n>] [--keep-alive]',
	help: [
		'Sends GET requests to <url>, a few at a time, and prints requests per second and how many',
		'answers each process gave (by the x-worker-pid header), as a table with bars. Start your lab',
		'yourself first (see the lesson), then point this at it. Exit code 1 if any request failed',
		`or the ${MAX_SECONDS} s bound stopped the run early.`,
		'',
		`  --requests <n>      how many requests in all (default 2000, at most ${MAX_REQUESTS})`,
		`  --connections <n>   how many at a time (default 8, at most ${MAX_CONNECTIONS})`,
		'  --keep-alive        reuse at most <connections> connections instead of opening a new one',
		'                      per request: see how the kernel spreads connections, not requests',
		'',
		`Only URLs on this machine (127.0.0.0/8, ::1, localhost). Each request waits at most`,
		`${REQUEST_TIMEOUT_MS / 1000} s for its answer, and no new request starts after ${MAX_SECONDS} s.`,
		'The CPU line shows what the load generator itself used: on a small machine it competes',
		'with your server for the same cores.',
	].join('\n'),
	options: {
		requests: {type: 'string', short: 'n'},
		connections: {type: 'string', short: 'c'},
		'keep-alive': {type: 'boolean', short: 'k'},
	},
	async run({values, positionals}, io) {
		const options = parseLoadArgs(values, positionals);
		const report = await runLoad(options);
		for (const line of formatLoadReport(report)) io.out(line);
		return report.answers.some(answer => answer.status === 0 || answer.status >= 400) || report.cutShort ? 1 : 0;
	},
};
