/**
Watches this process's own event loop: a timer that should tick every
`tickMs` and notes every gap much longer than that. A checker that shares a
busy machine (or, in the kit's tests, one process with other labs' checks)
can stall for hundreds of milliseconds; a client that stalls is silent, and
some verdicts ("a connection sat idle for the whole drain window") are then
the checker's doing, not the program's.
*/
export class StallMonitor {
	readonly stalls: Array<{from: number; to: number}> = [];
	/** Every tick, in order: a turn of the event loop ran then (and read every socket that was ready). */
	readonly ticks: number[] = [];
	private readonly timer: NodeJS.Timeout;
	private last = Date.now();

	constructor(
		private readonly tickMs = 10,
		private readonly minStallMs = 100,
	) {
		this.timer = setInterval(() => {
			const now = Date.now();
			if (now - this.last >= this.minStallMs) this.stalls.push({from: this.last, to: now});
			this.ticks.push(now);
			this.last = now;
		}, this.tickMs);
		this.timer.unref();
	}

	stop(): void {
		clearInterval(this.timer);
	}

	/** How many turns of the event loop ticked within [from, to]. */
	ticksWithin(from: number, to: number): number {
		let count = 0;
		for (const tick of this.ticks) if (tick >= from && tick <= to) count++;
		return count;
	}

	/**
	The time of the `n`th tick after `time` (Infinity if there was none yet): by
	then this process's event loop had taken `n` turns since `time`, so work it
	queued at `time` (a request handed to a client, say) had been done.
	*/
	tickAfter(time: number, n = 1): number {
		let seen = 0;
		for (const tick of this.ticks) if (tick > time && ++seen === n) return tick;
		return Infinity;
	}

	/**
	The time of the `n`th tick before `time` (-Infinity if there was none): an
	event this process handled at `time` had not yet happened then, or a turn of
	the event loop in between would have handled it.
	*/
	tickBefore(time: number, n = 1): number {
		let seen = 0;
		for (let index = this.ticks.length - 1; index >= 0; index--) if (this.ticks[index]! < time && ++seen === n) return this.ticks[index]!;
		return -Infinity;
	}

	/** How many ms of [from, to] this process spent stalled. */
	stalledWithin(from: number, to: number): number {
		let total = 0;
		for (const stall of this.stalls) total += Math.max(0, Math.min(stall.to, to) - Math.max(stall.from, from));
		return total;
	}

	/** The longest stall that overlaps [from, to], in ms (0 if none). */
	longestWithin(from: number, to: number): number {
		let longest = 0;
		for (const stall of this.stalls) if (stall.to >= from && stall.from <= to) longest = Math.max(longest, stall.to - stall.from);
		return longest;
	}
}
