/**
The stall monitor (cli/harness/stall-monitor.ts) on a fake clock: a blocked
event loop is recorded as one stall from the last tick before it to the first
after it, and tickAfter() tells when the loop had turned again after a moment
(lab 06 excuses a failed request only for a stall before it was written).
*/
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {StallMonitor} from '../../cli/harness/stall-monitor.js';

beforeEach(() => {
	vi.useFakeTimers({now: 1_000_000});
});
afterEach(() => {
	vi.useRealTimers();
});

/** Block the (fake) event loop for `ms`: the clock moves, no timer runs. */
function block(ms: number): void {
	vi.setSystemTime(Date.now() + ms);
}

describe('StallMonitor', () => {
	it('records a blocked loop as one stall, and ticks on each side of it', () => {
		const monitor = new StallMonitor(10, 50);
		vi.advanceTimersByTime(30);
		const before = Date.now();
		block(400);
		vi.advanceTimersByTime(10);
		monitor.stop();
		expect(monitor.stalls).toEqual([{from: before, to: before + 410}]);
		expect(monitor.longestWithin(before + 100, before + 200)).toBe(410);
		expect(monitor.stalledWithin(before, before + 100)).toBe(100);
		expect(monitor.longestWithin(before - 30, before - 1)).toBe(0);
	});

	it('tickAfter gives the nth tick after a moment, past a stall that began after it', () => {
		const monitor = new StallMonitor(10, 50);
		vi.advanceTimersByTime(20);
		const handedOver = Date.now() - 5;
		block(300);
		vi.advanceTimersByTime(20);
		monitor.stop();
		// The first tick after the moment is the last one before the stall; the second ends the stall.
		expect(monitor.tickAfter(handedOver)).toBe(handedOver + 5);
		expect(monitor.tickAfter(handedOver, 2)).toBe(handedOver + 5 + 310);
		expect(monitor.longestWithin(handedOver - 700, handedOver)).toBe(0);
		expect(monitor.longestWithin(handedOver - 700, monitor.tickAfter(handedOver, 2))).toBe(310);
		expect(monitor.tickAfter(Date.now())).toBe(Infinity);
	});

	it('tickBefore gives the nth tick before a moment', () => {
		const monitor = new StallMonitor(10, 50);
		vi.advanceTimersByTime(30);
		const seen = Date.now() + 5;
		monitor.stop();
		expect(monitor.tickBefore(seen)).toBe(seen - 5);
		expect(monitor.tickBefore(seen, 3)).toBe(seen - 25);
		expect(monitor.tickBefore(seen, 4)).toBe(-Infinity);
	});
});
