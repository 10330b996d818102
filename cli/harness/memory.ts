import {readFileSync} from 'node:fs';

/**
Resident memory of a process, read from outside: for checks that a program
streams a big body instead of holding it (a proxy, a file server). The kernel's
own figure, so nothing the program prints or allocates lazily can hide it.
*/

/** VmRSS of pid in bytes, from /proc/<pid>/status; undefined if the process is gone or not ours to read. */
export function rssBytes(pid: number): number | undefined {
	let text: string;
	try {
		text = readFileSync(`/proc/${pid}/status`, 'utf8');
	} catch {
		return undefined;
	}
	const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text)?.[1];
	return kib === undefined ? undefined : Number(kib) * 1024;
}

export type RssGrowth = {
	/** VmRSS just before the work began. */
	beforeBytes: number;
	/** The highest VmRSS seen while it ran. */
	peakBytes: number;
	/** peak - before (0 if it never grew). */
	growthBytes: number;
	samples: number;
};

/**
Run `work` while sampling pid's VmRSS every `everyMs` (default 5 ms), and
report how far it rose above where it started. Sampling cannot miss a body
held whole: a buffer of N bytes stays resident at least as long as it takes
to write N bytes out again.
*/
export async function rssGrowthDuring<T>(pid: number, work: () => Promise<T>, everyMs = 5): Promise<{result: T; growth: RssGrowth}> {
	const beforeBytes = rssBytes(pid) ?? 0;
	let peakBytes = beforeBytes;
	let samples = 0;
	const timer = setInterval(() => {
		const now = rssBytes(pid);
		if (now === undefined) return;
		samples++;
		if (now > peakBytes) peakBytes = now;
	}, everyMs);
	try {
		const result = await work();
		const last = rssBytes(pid);
		if (last !== undefined && last > peakBytes) peakBytes = last;
		return {result, growth: {beforeBytes, peakBytes, growthBytes: Math.max(0, peakBytes - beforeBytes), samples}};
	} finally {
		clearInterval(timer);
	}
}

/** "12.3 MiB" */
export function mib(bytes: number): string {
	return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** The highest VmRSS of pid over the next `forMs`, sampled every `everyMs`; 0 if it could not be read. */
export async function peakRss(pid: number, forMs: number, everyMs = 5): Promise<{peakBytes: number; samples: number}> {
	const stopAt = Date.now() + forMs;
	let peakBytes = 0;
	let samples = 0;
	while (Date.now() < stopAt) {
		const now = rssBytes(pid);
		if (now !== undefined) {
			samples++;
			peakBytes = Math.max(peakBytes, now);
		}
		await new Promise(resolve => setTimeout(resolve, everyMs));
	}
	return {peakBytes, samples};
}
