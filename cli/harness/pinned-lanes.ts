import {keepOnePerPid, type KeptAnswer, type KeptConnection} from './kept-connection.js';
import type {TimedAnswer} from './load-loop.js';

export type PinnedLanesOptions = {
	host: string;
	port: number;
	/** The processes to pin lanes to (each must accept connections on `port`). */
	pids: readonly number[];
	/** Lanes per process, started `periodMs / perPid` apart. */
	perPid: number;
	/** The request each lane repeats; it should take about `periodMs`. */
	path: string;
	periodMs: number;
	timeoutMs: number;
	/** Every lane stops by then, whatever happens. */
	maxMs: number;
	signal?: AbortSignal;
};

/**
Keep-alive lanes pinned to processes, in staggered phase. Each process gets
`perPid` connections that it accepted itself; each lane repeats a request of
about `periodMs`, and the lanes of one process start `periodMs / perPid` apart.
So at any moment T, every process holds one request of each lane, and one of
them is answered at least `periodMs × (1 − 1/perPid)` after T (less the drift
of a few round trips). That turns "a request that arrived before event T is
answered well after it" from luck into a certainty, whatever T is: the probe
for "decided when the answer is written, not when the request arrived".

A lane ends at its first answer with Connection: close (its process asked it to
leave), at its first failure, at stop(), or after `maxMs`.
*/
export class PinnedLanes {
	readonly answers: TimedAnswer[] = [];
	private stopping = false;
	private wake: Array<() => void> = [];
	private done: Promise<void> = Promise.resolve();

	private constructor(
		/** The lanes' connections, by the process that accepted them. */
		readonly pinned: Map<number, KeptConnection[]>,
		private readonly options: PinnedLanesOptions,
	) {}

	/** Opens the connections (a quick GET of / on each) and starts the lanes. */
	static async open(options: PinnedLanesOptions): Promise<PinnedLanes> {
		const pinned = new Map<number, KeptConnection[]>();
		for (let round = 0; round < options.perPid; round++) {
			const kept = await keepOnePerPid({host: options.host, port: options.port, pids: options.pids, path: '/', ...(options.signal ? {signal: options.signal} : {})});
			for (const [pid, connection] of kept) pinned.set(pid, [...(pinned.get(pid) ?? []), connection]);
		}
		const lanes = new PinnedLanes(pinned, options);
		lanes.start();
		return lanes;
	}

	private start(): void {
		const {perPid, path, periodMs, timeoutMs, maxMs} = this.options;
		const stopAt = Date.now() + maxMs;
		let laneNumber = 0;
		const runs: Array<Promise<void>> = [];
		for (const [pid, connections] of this.pinned) {
			connections.forEach((connection, index) => {
				const lane = laneNumber++;
				runs.push(
					(async () => {
						await this.pause((index * periodMs) / perPid);
						while (!this.stopping && Date.now() < stopAt) {
							const answer = toTimed(path, lane, pid, await connection.request(path, {timeoutMs}));
							this.answers.push(answer);
							if (answer.status === 0 || /\bclose\b/i.test(answer.headers.connection ?? '')) break;
						}
						connection.close();
					})(),
				);
			});
		}
		this.done = Promise.all(runs).then(() => undefined);
	}

	/** Waits `ms`, or less if stop() comes first. */
	private pause(ms: number): Promise<void> {
		if (ms <= 0 || this.stopping) return Promise.resolve();
		return new Promise(resolve => {
			const timer = setTimeout(finish, ms);
			function finish() {
				clearTimeout(timer);
				resolve();
			}
			this.wake.push(finish);
		});
	}

	/** Stop sending; resolves when every lane's last request has settled. */
	async stop(): Promise<TimedAnswer[]> {
		this.stopping = true;
		for (const wake of this.wake.splice(0)) wake();
		await this.done;
		return this.answers;
	}
}

function toTimed(path: string, lane: number, sentTo: number, answer: KeptAnswer): TimedAnswer {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
	return {
		path,
		status: answer.status,
		headers,
		body: answer.body.toString('utf8'),
		ms: answer.doneAt - answer.sentAt,
		finishedAt: answer.doneAt,
		startedAt: answer.sentAt,
		lane,
		sentTo,
		...(answer.error === undefined ? {} : {error: answer.error}),
		...(answer.pid === undefined ? {} : {pid: answer.pid}),
	};
}
