/**
The "why" line of a bench row, derived from what that row measured in this run:
how evenly the answers spread over the workers (and what decided the spread:
which worker accepted each connection, a front that deals connections out, or
a proxy that picks a backend per request), connections against requests, how
much of the servers' CPU the front process took, and how much of the machine
the bench got at all. The strategy's fixed explanation follows, after a dash.
*/
import type {Mode, Strategy} from './strategies.js';

/** What why() reads of a row: medians over the rounds of one strategy and mode. */
export type Measured = {
	/** The busiest pid's fraction of the answers. */
	busiest: number;
	/** How many pids answered. */
	pids: number;
	/** Answers in one run. */
	requests: number;
	/** TCP connections the generator opened in one run (undefined: not recorded). */
	opened?: number;
	/** CPU in cores (CPU seconds per wall second). */
	cores: {front: number; workers: number; generator: number};
};

export type WhyInput = {
	strategy: Pick<Strategy, 'balances' | 'hasFront' | 'fixedWorkers' | 'why'>;
	mode: Mode;
	/** Workers (backends) started for this row. */
	workers: number;
	/** Connections the generator kept busy. */
	connections: number;
	/** The machine's cores. */
	cores: number;
	measured: Measured;
};

const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;
const cores = (value: number) => value.toFixed(2);

/** Whether the busiest worker's share is clearly above an even spread (or some worker answered nothing). */
export function isUneven(busiest: number, pids: number, workers: number): boolean {
	if (workers <= 1) return false;
	return pids < workers || busiest > (1 / workers) * 1.25 + 0.02;
}

function spread(input: WhyInput): string {
	const {strategy, mode, workers, connections, measured} = input;
	const {busiest, pids, requests, opened} = measured;
	const who = strategy.fixedWorkers ? `${workers} backends (lab 10 fixes 3)` : `${workers} workers`;
	if (strategy.balances === 'one') return `one process served all ${requests} requests of a run`;
	const uneven = isUneven(busiest, pids, workers);
	const share = pids < workers ? `only ${pids} of ${who} answered, the busiest ${percent(busiest)}` : `the busiest of ${who} served ${percent(busiest)} (even: ${percent(1 / workers)})`;
	let cause: string;
	if (mode === 'keep-alive') {
		if (strategy.balances === 'accept')
			cause = uneven
				? `fixed by which worker accepted each of the ${connections} connections`
				: `the ${connections} connections happened to be accepted near evenly this time`;
		else if (strategy.balances === 'dealt')
			cause = `${connections} connections dealt out in turn, about ${Math.ceil(connections / workers)} each${uneven ? ', yet some connections got more requests through than others' : ''}`;
		else cause = `the front picks a backend for each of the ${requests} requests, whatever connection they came on`;
	} else {
		// opened counts the connections still in flight at the time bound too, which were dropped unanswered.
		const reused = opened !== undefined && opened < requests * 0.9;
		const connectionsText = reused ? `only ${opened} connections for ${requests} requests: some were reused` : `each of the ${requests} requests on a new connection`;
		if (strategy.balances === 'accept') cause = `${connectionsText}: every request a new accept${uneven ? ', and the same worker kept winning them' : ', so the spread evens out'}`;
		else if (strategy.balances === 'dealt') cause = `${connectionsText}, each dealt out by the front`;
		else cause = `${connectionsText} to the front; the backends see only its pooled connections`;
	}
	return `${share} (${cause})`;
}

function frontShare(input: WhyInput): string | undefined {
	const {front, workers} = input.measured.cores;
	if (!input.strategy.hasFront || front + workers <= 0) return undefined;
	const fraction = front / (front + workers);
	const verdict = fraction >= 0.3 ? ': it sets the pace' : fraction < 0.1 ? ': it is nearly idle' : '';
	return `the front process used ${cores(front)} cores, ${percent(fraction)} of the servers' CPU${verdict}`;
}

function machineShare(input: WhyInput): string {
	const {front, workers, generator} = input.measured.cores;
	const used = front + workers + generator;
	const text = `the generator took ${cores(generator)} of ${input.cores} cores`;
	return used < input.cores * 0.6 ? `${text}, and the whole bench only ${cores(used)}: something else is using this machine` : text;
}

/** The row's why line: what this run measured, then the strategy's fixed explanation. */
export function why(input: WhyInput): string {
	const measured = [spread(input), frontShare(input), machineShare(input)].filter(Boolean).join('; ');
	return `${measured} — ${input.strategy.why[input.mode]}`;
}
