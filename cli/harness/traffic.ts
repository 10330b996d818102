import {Agent, request} from 'undici';
import type {TrafficTally} from '../checks/events.js';

/** The pid an x-worker-pid header names, when it is one number; undefined otherwise. */
export function workerPidFrom(header: string | string[] | undefined): number | undefined {
	return typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
}

/** One HTTP exchange as a checker sees it. */
export type Answer = {
	/** The path that was requested, for messages. */
	path: string;
	/** 0 when no HTTP answer came back at all (see error). */
	status: number;
	headers: Record<string, string>;
	body: string;
	ms: number;
	/** Date.now() when the answer (or the error) arrived. */
	finishedAt: number;
	/** Why there was no answer: "no answer within 5000 ms", "connection refused", … */
	error?: string;
	/** The error's code beside it (EPIPE, ECONNRESET, UND_ERR_SOCKET, …), for checkers that act on the kind of failure. */
	errorCode?: string;
	/** x-worker-pid, when present and numeric. */
	pid?: number;
	/** The body exactly as it came, when the request asked for `bytes` (body is then its UTF-8 reading). */
	bytes?: Buffer;
};

export type RequestOptions = {
	/** A new TCP connection just for this request (the default), or a pooled keep-alive one. */
	fresh?: boolean;
	/** Per-request bound on waiting for the answer. */
	timeoutMs?: number;
	/** Source address in 127.0.0.0/8, to emulate distinct clients. */
	localAddress?: string;
	method?: string;
	body?: string | Buffer;
	/** Keep the answer's body as raw bytes too (Answer.bytes), for binary comparisons. */
	bytes?: boolean;
};

export type BurstOptions = RequestOptions & {
	count: number;
	concurrency: number;
	/** The path of request i (0-based). */
	path: (index: number) => string;
	/** The whole burst stops starting new requests after this long. */
	deadlineMs?: number;
};

/** Undici's error codes, said the way a learner would. */
function describeError(error: unknown, timeoutMs: number): string {
	// AbortSignal.timeout() rejects with a DOMException named TimeoutError (its
	// numeric code is 23), which races undici's own headersTimeout.
	if ((error as Error | undefined)?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
	const code = (error as {code?: string}).code ?? '';
	switch (code) {
		case 'UND_ERR_HEADERS_TIMEOUT':
		case 'UND_ERR_BODY_TIMEOUT':
		case 'UND_ERR_ABORTED':
		case 'ABORT_ERR':
			return `no answer within ${timeoutMs} ms`;
		case 'ECONNREFUSED':
			return 'connection refused (nothing listening)';
		case 'ECONNRESET':
			return 'connection reset by the server';
		case 'UND_ERR_SOCKET':
			return 'the server closed the connection without answering';
		default:
			return (error as Error).message || String(error);
	}
}

/**
The checker's HTTP client. Every request has a timeout and every burst a count
and a deadline, so a hung program can never hang the kit. Answers are tallied
by x-worker-pid for live progress.
*/
export class TrafficClient {
	private readonly agents = new Map<string, Agent>();
	private tally: TrafficTally = {sent: 0, ok: 0, failed: 0, rps: 0, perPid: {}};
	private tallyStarted = Date.now();
	private lastEmit = 0;

	constructor(
		readonly baseUrl: string,
		private readonly onTally?: (tally: TrafficTally) => void,
		/** At most this many connections per source address (default 256): caps a keep-alive pool. */
		private readonly options: {connections?: number} = {},
	) {}

	/** Start a fresh tally (a new burst shown in the UI). */
	resetTally(): void {
		this.tally = {sent: 0, ok: 0, failed: 0, rps: 0, perPid: {}};
		this.tallyStarted = Date.now();
	}

	private agent(localAddress = ''): Agent {
		let agent = this.agents.get(localAddress);
		if (!agent) {
			// undici takes the source address as a client option, not a connect option.
			// An idle kept connection is dropped after 1 s (undici's default is the server's 5 s hint less
			// 2 s): a request written on a connection the server closes at that moment gets no answer, and
			// under load the checker's timers fire late. With 1 s, that race needs a 4 s stall; with 3 s, it
			// needed 2 (17 of 1000 POSTs in lab 09 once got no answer at load 9).
			agent = new Agent({connections: this.options.connections ?? 256, pipelining: 1, keepAliveTimeout: 1000, keepAliveMaxTimeout: 1000, ...(localAddress ? {localAddress} : {})});
			this.agents.set(localAddress, agent);
		}
		return agent;
	}

	async get(path: string, options: RequestOptions = {}): Promise<Answer> {
		const {fresh = true, timeoutMs = 5000, localAddress, method = 'GET', body, bytes: wantBytes = false} = options;
		const started = Date.now();
		this.tally.sent++;
		let answer: Answer;
		try {
			const response = await request(new URL(path, this.baseUrl), {
				method: method as 'GET',
				body,
				dispatcher: this.agent(localAddress),
				reset: fresh,
				headersTimeout: timeoutMs,
				bodyTimeout: timeoutMs,
				signal: AbortSignal.timeout(timeoutMs + 500),
			});
			const bytes = wantBytes ? Buffer.from(await response.body.arrayBuffer()) : undefined;
			const text = bytes ? bytes.toString('utf8') : await response.body.text();
			const headers: Record<string, string> = {};
			for (const [name, value] of Object.entries(response.headers)) {
				headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
			}
			answer = {path, status: response.statusCode, headers, body: text, ms: Date.now() - started, finishedAt: Date.now(), pid: workerPidFrom(headers['x-worker-pid']), ...(bytes ? {bytes} : {})};
		} catch (error) {
			const code = (error as {code?: unknown} | undefined)?.code;
			answer = {path, status: 0, headers: {}, body: '', ms: Date.now() - started, finishedAt: Date.now(), error: describeError(error, timeoutMs), ...(typeof code === 'string' ? {errorCode: code} : {})};
		}
		this.count(answer);
		return answer;
	}

	async burst(options: BurstOptions): Promise<Answer[]> {
		const {count, concurrency, path, deadlineMs = 30_000} = options;
		const answers: Answer[] = [];
		const stopAt = Date.now() + deadlineMs;
		let next = 0;
		const lane = async () => {
			while (next < count && Date.now() < stopAt) {
				const index = next++;
				answers[index] = await this.get(path(index), options);
			}
		};
		await Promise.all(Array.from({length: Math.min(concurrency, count)}, lane));
		this.emit(true);
		return answers.filter(Boolean);
	}

	private count(answer: Answer): void {
		if (answer.status >= 200 && answer.status < 400) this.tally.ok++;
		else this.tally.failed++;
		if (answer.pid !== undefined) this.tally.perPid[answer.pid] = (this.tally.perPid[answer.pid] ?? 0) + 1;
		this.emit(false);
	}

	private emit(force: boolean): void {
		const now = Date.now();
		if (!this.onTally || (!force && now - this.lastEmit < 100)) return;
		this.lastEmit = now;
		const seconds = Math.max((now - this.tallyStarted) / 1000, 0.001);
		this.tally.rps = Math.round((this.tally.ok + this.tally.failed) / seconds);
		this.onTally({...this.tally, perPid: {...this.tally.perPid}});
	}

	async close(): Promise<void> {
		await Promise.all([...this.agents.values()].map(async agent => agent.destroy()));
		this.agents.clear();
	}
}

/** Tally answers by x-worker-pid. */
export function countByPid(answers: readonly Answer[]): Map<number, number> {
	const counts = new Map<number, number>();
	for (const answer of answers) {
		if (answer.pid !== undefined) counts.set(answer.pid, (counts.get(answer.pid) ?? 0) + 1);
	}
	return counts;
}
