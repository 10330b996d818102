/**
The bench's why lines are derived from what each row measured (cli/bench/why.ts):
tried here on synthetic medians, not on a bench run, so that each clause is seen
to follow the numbers (a different share, CPU split or machine gives a different
line).
*/
import {describe, expect, it} from 'vitest';
import {strategies} from '../../cli/bench/strategies.js';
import {isUneven, why, type Measured, type WhyInput} from '../../cli/bench/why.js';

const byId = new Map(strategies().map(strategy => [strategy.id, strategy]));
const strategy = (id: string) => {
	const found = byId.get(id);
	if (!found) throw new Error(`no strategy ${id}: ${[...byId.keys()].join(', ')}`);
	return found;
};

const measured = (change: Partial<Measured> = {}): Measured => ({busiest: 0.2, pids: 5, requests: 4000, opened: 4050, cores: {front: 0.1, workers: 1.3, generator: 0.4}, ...change});
const input = (id: string, mode: WhyInput['mode'], change: Partial<Measured> = {}, workers = 5): WhyInput => ({strategy: strategy(id), mode, workers, connections: 100, cores: 2, measured: measured(change)});

describe('why: the spread over the workers', () => {
	it('keep-alive, accepting workers: a busiest share above even is blamed on which worker accepted each connection', () => {
		const line = why(input('shared-handle', 'keep-alive', {busiest: 0.41}));
		expect(line).toMatch(/^the busiest of 5 workers served 41% \(even: 20%\) \(fixed by which worker accepted each of the 100 connections\)/);
		// The fixed explanation follows, after a dash.
		expect(line).toContain(` — ${strategy('shared-handle').why['keep-alive']}`);
	});

	it('keep-alive, accepting workers: a near-even share is not blamed on the accepts', () => {
		const line = why(input('cluster-none', 'keep-alive', {busiest: 0.22}));
		expect(line).toContain('the busiest of 5 workers served 22%');
		expect(line).toContain('happened to be accepted near evenly this time');
		expect(line).not.toContain('fixed by which worker accepted');
	});

	it('counts the workers that answered nothing', () => {
		expect(why(input('cluster-none', 'keep-alive', {busiest: 0.5, pids: 2}))).toMatch(/^only 2 of 5 workers answered, the busiest 50% \(fixed by which worker accepted/);
	});

	it('a front that deals connections out: connections per worker from the run\'s connections and workers', () => {
		expect(why(input('dispatch', 'keep-alive', {busiest: 0.21}))).toMatch(/^the busiest of 5 workers served 21% \(even: 20%\) \(100 connections dealt out in turn, about 20 each\)/);
		expect(why({...input('dispatch', 'keep-alive', {busiest: 0.7}, 2), connections: 50})).toContain('50 connections dealt out in turn, about 25 each, yet some connections got more requests through');
	});

	it('a proxy picks per request; nginx names its fixed three backends', () => {
		expect(why(input('proxy', 'keep-alive', {requests: 1234}))).toContain('the front picks a backend for each of the 1234 requests');
		expect(why(input('nginx', 'keep-alive', {busiest: 0.34, pids: 3}, 3))).toMatch(/^the busiest of 3 backends \(lab 10 fixes 3\) served 34% \(even: 33%\)/);
	});

	it('fresh: requests against connections, and whether the same worker kept winning', () => {
		expect(why(input('cluster-none', 'fresh', {busiest: 0.23, requests: 900, opened: 950}))).toContain('each of the 900 requests on a new connection: every request a new accept, so the spread evens out');
		expect(why(input('cluster-none', 'fresh', {busiest: 0.5, requests: 900, opened: 950}))).toContain('and the same worker kept winning them');
		expect(why(input('cluster-rr', 'fresh', {requests: 900, opened: 300}))).toContain('only 300 connections for 900 requests: some were reused');
	});

	it('one process: the requests it served', () => {
		expect(why(input('single', 'keep-alive', {busiest: 1, pids: 1, requests: 777}, 1))).toMatch(/^one process served all 777 requests of a run; the generator took/);
	});
});

describe('why: the CPU split', () => {
	it('a front with a third or more of the servers\' CPU sets the pace', () => {
		expect(why(input('cluster-rr', 'fresh', {cores: {front: 0.6, workers: 0.9, generator: 0.4}}))).toContain("the front process used 0.60 cores, 40% of the servers' CPU: it sets the pace");
	});

	it('a front under a tenth is nearly idle; no front, no clause', () => {
		expect(why(input('shared-handle', 'fresh', {cores: {front: 0.01, workers: 1.4, generator: 0.4}}))).toContain("the front process used 0.01 cores, 1% of the servers' CPU: it is nearly idle");
		expect(why(input('single', 'fresh', {busiest: 1, pids: 1}, 1))).not.toContain('front process');
	});

	it('says when the bench got little of the machine, and not when it got most of it', () => {
		expect(why(input('cluster-rr', 'keep-alive', {cores: {front: 0.1, workers: 0.5, generator: 0.2}}))).toContain('the generator took 0.20 of 2 cores, and the whole bench only 0.80: something else is using this machine');
		const full = why(input('cluster-rr', 'keep-alive', {cores: {front: 0.1, workers: 1.3, generator: 0.5}}));
		expect(full).toContain('the generator took 0.50 of 2 cores');
		expect(full).not.toContain('something else');
	});
});

describe('isUneven', () => {
	it.each([
		[0.2, 5, 5, false],
		[0.27, 5, 5, false],
		[0.28, 5, 5, true],
		[0.2, 4, 5, true],
		[1, 1, 1, false],
		[0.5, 2, 2, false],
		[0.67, 2, 2, true],
	])('busiest %d over %d of %d workers: %s', (busiest, pids, workers, expected) => {
		expect(isUneven(busiest, pids, workers)).toBe(expected);
	});
});
