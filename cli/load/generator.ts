/**
The kit's HTTP/1.1 load generator, on raw `net` sockets. On a 2-core machine
every CPU microsecond the generator spends is taken from the servers it
measures, so it does as little as it can per request:
- the request is serialized once into a Buffer and the same bytes are written
  every time;
- answers are read by ResponseParser (status, Content-Length, chunked,
  Connection, x-worker-pid), which skips bodies without copying them;
- no promise, timer or object per request: one timer sweeps every connection
  for answers that are late;
- latency goes into an HDR histogram (hdr-histogram-js), in microseconds.

Each connection sends its next request when an answer arrives (closed loop),
with up to `pipelining` requests outstanding on a keep-alive connection. With
`keepAlive: false` every request has its own connection, opened for it and
closed after its answer (and the request says `Connection: close`).

Bounded twice: no request is sent after `maxRequests` have been or after
`durationMs`; an answer that makes no progress for `timeoutMs` is counted as an
error and its connection closed, and at `durationMs + timeoutMs` whatever is
still open is closed. Loopback targets only.
*/
import {lookup} from 'node:dns/promises';
import {isIP, Socket} from 'node:net';
// The plain-JS histogram, not the package's index: that one also loads its WebAssembly
// build (base64 + pako inflate), which took 130-200 ms at import on a busy 2-core machine.
import Int32HistogramModule from 'hdr-histogram-js/dist/Int32Histogram.js';
import {ParseError, ResponseParser} from './response-parser.js';

export type LoadGeneratorOptions = {
	/** http://host:port/path on this machine. */
	url: string | URL;
	connections: number;
	/** Reuse each connection (default), or a new connection per request. */
	keepAlive?: boolean;
	/** Requests outstanding at once on one keep-alive connection (default 1). */
	pipelining?: number;
	/** No request is sent after this many. */
	maxRequests: number;
	/** No request is sent after this long. */
	durationMs: number;
	/** An answer that makes no progress for this long is an error (default 5000). */
	timeoutMs?: number;
	/**
	How long the requests in flight at the time bound may still take to be answered
	(default timeoutMs); after that their connections are closed and they count as
	unanswered. A benchmark that measures a rate can pass 0.
	*/
	stopGraceMs?: number;
	method?: 'GET' | 'HEAD';
	/** Extra request headers. */
	headers?: Record<string, string>;
	/** Called at the first answer from each x-worker-pid (e.g. to read its CPU time). */
	onNewPid?: (pid: number) => void;
	/** Stops sending, like the time bound. */
	signal?: AbortSignal;
};

export type LatencySummary = {p50: number; p90: number; p99: number; max: number; mean: number};

export type LoadResult = {
	/** Requests written. */
	sent: number;
	/** HTTP answers received, whatever their status. */
	answered: number;
	/** Answers with a 2xx or 3xx status. */
	ok: number;
	/** Answers by status code. */
	statuses: Record<string, number>;
	/** Requests that got no answer: refused, reset, closed, malformed or late. */
	errors: number;
	/** `errors`, by what happened, in words. */
	errorKinds: Record<string, number>;
	/** Requests still in flight when the hard stop closed their connections. */
	unanswered: number;
	/** TCP connections opened. */
	connectionsOpened: number;
	/** Answers per x-worker-pid. */
	perPid: Map<number, number>;
	/** Answers without a numeric x-worker-pid. */
	withoutPid: number;
	/** Milliseconds, request written (or, per-request connections, connect started) to answer complete. */
	latencyMs: LatencySummary;
	wallMs: number;
	/** CPU this process used during the run (user + system), ms. */
	generatorCpuMs: number;
	/** The time bound (or the signal) stopped the run before maxRequests were sent. */
	cutShort: boolean;
	/** Answers per second of wall time. */
	rps: number;
};

/** 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) and localhost: the machine the kit runs on. */
export function isLoopback(hostname: string): boolean {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	if (host === 'localhost' || host.endsWith('.localhost')) return true;
	if (isIP(host) === 4) return host.startsWith('127.');
	if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host) || /^::ffff:7f[0-9a-f]{2}:/.test(host);
	return false;
}

export class NotLoopbackError extends Error {}

function refuse(target: string): never {
	throw new NotLoopbackError(`refusing to send load to ${target}: the load generator only targets this machine (127.0.0.0/8, ::1 or localhost)`);
}

/** The address to connect to: an IP literal on loopback, or localhost looked up once (never per connection). */
export async function loopbackTarget(url: URL): Promise<{host: string; port: number}> {
	if (url.protocol !== 'http:') throw new Error(`only http:// URLs, not ${url.protocol}//`);
	const hostname = url.hostname.replace(/^\[|\]$/g, '');
	if (!isLoopback(hostname)) refuse(url.hostname);
	const port = Number(url.port || 80);
	if (isIP(hostname)) return {host: hostname, port};
	const {address} = await lookup(hostname);
	if (!isLoopback(address)) refuse(`${url.hostname} (${address})`);
	return {host: address, port};
}

/** The request's bytes, once. */
export function serializeRequest(url: URL, options: {keepAlive: boolean; method?: string; headers?: Record<string, string>}): Buffer {
	const lines = [`${options.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
	const extra = Object.entries(options.headers ?? {});
	if (!extra.some(([name]) => name.toLowerCase() === 'connection')) lines.push(`Connection: ${options.keepAlive ? 'keep-alive' : 'close'}`);
	for (const [name, value] of extra) lines.push(`${name}: ${value}`);
	return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** What a socket error means, in the words a learner would use. */
function describeSocketError(error: Error | undefined, connected: boolean): string {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	if (code === 'ECONNREFUSED') return 'connection refused (nothing listening)';
	if (code === 'ECONNRESET' || code === 'EPIPE') return connected ? 'connection reset by the server' : 'connection reset while connecting';
	if (code === 'EADDRNOTAVAIL') return 'no local port free (too many connections in TIME_WAIT)';
	if (error) return error.message;
	return 'the server closed the connection without answering';
}

/** A CommonJS module with exports.default: Node's ESM loader (and esbuild, in a "type": "module" package) hands over module.exports itself. */
type Int32HistogramClass = typeof Int32HistogramModule.default;
const Int32Histogram: Int32HistogramClass = (Int32HistogramModule as {default?: Int32HistogramClass}).default ?? (Int32HistogramModule as unknown as Int32HistogramClass);

/** A pause before reopening after a failure, so that a refused port is not hammered in a tight loop. */
const RETRY_DELAY_MS = 10;
const SWEEP_MS = 100;

type Lane = {
	socket: Socket | undefined;
	parser: ResponseParser | undefined;
	connected: boolean;
	/** performance.now() of each outstanding request, oldest first. */
	starts: number[];
	/** Bumped by every packet in and every request out; the sweep notices when it stops moving. */
	progress: number;
	/** The progress the sweep last saw, and Date.now() when it saw it change. */
	seenProgress: number;
	seenAt: number;
	/** Waiting to reopen after a failure. */
	retry: NodeJS.Timeout | undefined;
	done: boolean;
};

/** Run one bounded load and resolve with what it measured. Rejects only for a bad target. */
export async function runLoadGenerator(options: LoadGeneratorOptions): Promise<LoadResult> {
	const url = new URL(options.url);
	const {host, port} = await loopbackTarget(url);
	const keepAlive = options.keepAlive ?? true;
	const pipelining = keepAlive ? Math.max(1, Math.floor(options.pipelining ?? 1)) : 1;
	const timeoutMs = options.timeoutMs ?? 5000;
	const {maxRequests, durationMs, onNewPid} = options;
	const connections = Math.max(1, Math.floor(options.connections));
	const headRequest = options.method === 'HEAD';
	const one = serializeRequest(url, {keepAlive, method: options.method, headers: options.headers});
	// The first write on a keep-alive connection fills its pipeline in one go.
	const burst = pipelining > 1 ? Buffer.concat(Array.from({length: pipelining}, () => one)) : one;

	// Microseconds, 1 µs to an hour, 3 significant digits.
	const histogram = new Int32Histogram(1, 3_600_000_000, 3);
	const statuses: Record<string, number> = {};
	const errorKinds: Record<string, number> = {};
	const perPid = new Map<number, number>();
	let sent = 0;
	let answered = 0;
	let ok = 0;
	let errors = 0;
	let unanswered = 0;
	let withoutPid = 0;
	let connectionsOpened = 0;
	let stopping = false;
	let cutShort = false;
	let lanesLeft = connections;

	const readBuffer = Buffer.allocUnsafe(64 * 1024);
	const cpuBefore = process.cpuUsage();
	const startedAt = performance.now();
	const lanes: Lane[] = Array.from({length: connections}, () => ({socket: undefined, parser: undefined, connected: false, starts: [], progress: 0, seenProgress: 0, seenAt: 0, retry: undefined, done: false}));

	let finish!: () => void;
	const finished = new Promise<void>(resolve => {
		finish = resolve;
	});
	const canSend = () => !stopping && sent < maxRequests;

	const fail = (lane: Lane, kind: string) => {
		const count = lane.starts.length;
		if (count === 0) return;
		errors += count;
		errorKinds[kind] = (errorKinds[kind] ?? 0) + count;
		lane.starts.length = 0;
	};

	/** Forget the lane's socket (its late events are ignored) and close it. */
	const drop = (lane: Lane) => {
		const socket = lane.socket;
		lane.parser?.halt();
		lane.socket = undefined;
		lane.parser = undefined;
		lane.connected = false;
		socket?.destroy();
	};

	const retire = (lane: Lane) => {
		if (lane.done) return;
		lane.done = true;
		if (lane.retry) clearTimeout(lane.retry);
		lane.retry = undefined;
		drop(lane);
		if (--lanesLeft === 0) finish();
	};

	/** Open the lane's next connection and write its first request(s), or retire the lane. */
	const open = (lane: Lane) => {
		lane.retry = undefined;
		if (!canSend()) {
			retire(lane);
			return;
		}
		const parser = new ResponseParser((status, pid, close) => answer(lane, status, pid, close), headRequest);
		// Reads land in one shared buffer, handed to the parser without a stream or a Buffer per packet.
		// onread is in net.Socket's options since Node 12, though not in @types/node's constructor type.
		const socket = new Socket({
			onread: {
				buffer: readBuffer,
				callback: (bytes: number, buffer: Uint8Array) => {
					if (lane.socket !== socket) return false;
					lane.progress++;
					try {
						parser.feed((buffer as Buffer).subarray(0, bytes));
					} catch (error) {
						if (!(error instanceof ParseError)) throw error;
						fail(lane, `malformed answer (${error.message})`);
						drop(lane);
						reopen(lane, 0);
					}
					return true;
				},
			},
		} as ConstructorParameters<typeof Socket>[0]);
		lane.socket = socket;
		lane.parser = parser;
		lane.connected = false;
		connectionsOpened++;
		// Nagle only delays a write behind unacknowledged data: a connection that carries one
		// request never has any, and the setsockopt would be one more system call per request.
		if (keepAlive) socket.setNoDelay(true);
		socket.on('connect', () => {
			if (lane.socket === socket) lane.connected = true;
		});
		let socketError: Error | undefined;
		socket.on('error', error => {
			socketError = error;
		});
		socket.on('close', () => {
			if (lane.socket !== socket) return;
			// A body that runs until the close ends here; its answer has then moved the lane on already.
			parser.end();
			if (lane.socket !== socket) return;
			const connected = lane.connected;
			lane.socket = undefined;
			lane.parser = undefined;
			lane.connected = false;
			const hadOutstanding = lane.starts.length > 0;
			fail(lane, describeSocketError(socketError, connected));
			reopen(lane, hadOutstanding || socketError ? RETRY_DELAY_MS : 0);
		});
		const now = performance.now();
		const count = Math.min(pipelining, maxRequests - sent);
		for (let index = 0; index < count; index++) lane.starts.push(now);
		sent += count;
		lane.progress++;
		socket.connect(port, host);
		socket.write(count === pipelining ? burst : Buffer.concat(Array.from({length: count}, () => one)));
	};

	const reopen = (lane: Lane, delayMs: number) => {
		if (lane.done) return;
		if (!canSend()) retire(lane);
		else if (delayMs === 0) open(lane);
		else lane.retry = setTimeout(open, delayMs, lane);
	};

	const answer = (lane: Lane, status: number, pid: number | undefined, close: boolean) => {
		const now = performance.now();
		const started = lane.starts.shift();
		if (started !== undefined) {
			const micros = Math.max(1, Math.round((now - started) * 1000));
			histogram.recordValue(Math.min(micros, 3_600_000_000));
		}
		answered++;
		statuses[status] = (statuses[status] ?? 0) + 1;
		if (status >= 200 && status < 400) ok++;
		if (pid === undefined) withoutPid++;
		else {
			const seen = perPid.get(pid);
			if (seen === undefined) {
				perPid.set(pid, 1);
				onNewPid?.(pid);
			} else perPid.set(pid, seen + 1);
		}
		if (close || !keepAlive) {
			// Pipelined requests behind a closing answer will never be answered.
			fail(lane, 'the server closed the connection with requests still unanswered');
			drop(lane);
			reopen(lane, 0);
			return;
		}
		if (canSend()) {
			sent++;
			lane.starts.push(now);
			lane.progress++;
			lane.socket!.write(one);
		} else if (lane.starts.length === 0) retire(lane);
	};

	const stop = () => {
		if (stopping) return;
		stopping = true;
		if (sent < maxRequests) cutShort = true;
		// Idle lanes end now; busy ones when their last answer arrives (or is late).
		for (const lane of lanes) if (!lane.done && lane.starts.length === 0) retire(lane);
	};

	const sweep = setInterval(() => {
		const now = Date.now();
		for (const lane of lanes) {
			if (lane.done || lane.socket === undefined || lane.starts.length === 0) continue;
			if (lane.progress !== lane.seenProgress) {
				lane.seenProgress = lane.progress;
				lane.seenAt = now;
			} else if (now - lane.seenAt >= timeoutMs) {
				fail(lane, lane.connected ? `no answer within ${timeoutMs} ms` : `could not connect within ${timeoutMs} ms`);
				drop(lane);
				reopen(lane, 0);
			}
		}
	}, SWEEP_MS);
	const timeBound = setTimeout(stop, durationMs);
	const hardStop = setTimeout(() => {
		stop();
		for (const lane of lanes) {
			unanswered += lane.starts.length;
			lane.starts.length = 0;
			retire(lane);
		}
	}, durationMs + (options.stopGraceMs ?? timeoutMs + SWEEP_MS));
	const onAbort = () => stop();
	options.signal?.addEventListener('abort', onAbort, {once: true});
	if (options.signal?.aborted) stop();

	for (const lane of lanes) open(lane);
	await finished;

	clearInterval(sweep);
	clearTimeout(timeBound);
	clearTimeout(hardStop);
	options.signal?.removeEventListener('abort', onAbort);
	const wallMs = performance.now() - startedAt;
	const cpu = process.cpuUsage(cpuBefore);
	const ms = (micros: number) => Math.round(micros) / 1000;
	const latencyMs: LatencySummary =
		histogram.totalCount === 0
			? {p50: 0, p90: 0, p99: 0, max: 0, mean: 0}
			: {p50: ms(histogram.getValueAtPercentile(50)), p90: ms(histogram.getValueAtPercentile(90)), p99: ms(histogram.getValueAtPercentile(99)), max: ms(histogram.maxValue), mean: ms(histogram.mean)};
	return {
		sent,
		answered,
		ok,
		statuses,
		errors,
		errorKinds,
		unanswered,
		connectionsOpened,
		perPid,
		withoutPid,
		latencyMs,
		wallMs,
		generatorCpuMs: (cpu.user + cpu.system) / 1000,
		cutShort,
		rps: answered / (Math.max(wallMs, 1) / 1000),
	};
}
