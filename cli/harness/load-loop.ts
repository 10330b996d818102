import type {Answer, TrafficClient} from './traffic.js';

export type TimedAnswer = Answer & {
	/** Date.now() when the request was sent. */
	startedAt: number;
	/** Which lane sent it (each lane sends one request at a time). */
	lane: number;
	/** The process the request went to, when the checker chose it (a pinned lane), answered or not. */
	sentTo?: number;
};

export type LoadLoopOptions = {
	client: TrafficClient;
	/** Parallel lanes; each sends its next request when the previous is answered. */
	lanes: number;
	path: (sequence: number) => string;
	/** Fresh connection per request (default), or pooled keep-alive connections. */
	fresh?: boolean;
	/** Per-request bound. */
	timeoutMs?: number;
	/** Source address of every request (one emulated client). */
	localAddress?: string;
	/**
	Hard bounds: the loop stops at whichever comes first, even if never stopped.
	Let time come first (maxRequests at least 3000 per second of maxMs): on an idle
	machine a loop makes 1000-2000 requests a second, and one that runs dry before
	the fault's aftermath is judged leaves nothing to judge it with (lab 02 once
	ran out of its 6000 requests before a restarted backend could be readmitted).
	*/
	maxMs: number;
	maxRequests: number;
};

/**
A continuous load that runs while a checker injects a fault (a crash, a kill, a
reload), recording when every request started and ended, so the checker can ask
"what failed after the fault?" and "which pids answered, when?".
*/
export class LoadLoop {
	readonly answers: TimedAnswer[] = [];
	private stopping = false;
	private readonly done: Promise<void>;

	constructor(options: LoadLoopOptions) {
		const stopAt = Date.now() + options.maxMs;
		let sequence = 0;
		const lane = async (index: number) => {
			while (!this.stopping && Date.now() < stopAt && sequence < options.maxRequests) {
				const startedAt = Date.now();
				const answer = await options.client.get(options.path(sequence++), {fresh: options.fresh ?? true, timeoutMs: options.timeoutMs ?? 5000, ...(options.localAddress ? {localAddress: options.localAddress} : {})});
				this.answers.push({...answer, startedAt, lane: index});
			}
		};
		this.done = Promise.all(Array.from({length: options.lanes}, (_, index) => lane(index))).then(() => undefined);
	}

	/** Stop sending; resolves when every lane's last request has settled. */
	async stop(): Promise<TimedAnswer[]> {
		this.stopping = true;
		await this.done;
		return this.answers;
	}

	/** Resolves once at least `count` answers have arrived (or the loop ended). */
	async waitForAnswers(count: number): Promise<void> {
		while (this.answers.length < count && !this.stopping) {
			const finished = await Promise.race([this.done.then(() => true), new Promise<false>(resolve => setTimeout(() => resolve(false), 10))]);
			if (finished) return;
		}
	}

	failures(): TimedAnswer[] {
		return this.answers.filter(answer => answer.status === 0 || answer.status >= 500);
	}

	/** Requests sent after `time` that failed: a fault's lasting damage, not its in-flight victims. */
	failuresStartedAfter(time: number): TimedAnswer[] {
		return this.failures().filter(answer => answer.startedAt > time);
	}

	/** Distinct x-worker-pid values that answered successfully between two times. */
	pidsBetween(from: number, to: number): Set<number> {
		const pids = new Set<number>();
		for (const answer of this.answers) {
			if (answer.pid !== undefined && answer.status < 500 && answer.status > 0 && answer.finishedAt >= from && answer.finishedAt <= to) pids.add(answer.pid);
		}
		return pids;
	}
}
