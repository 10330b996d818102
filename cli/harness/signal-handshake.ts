import {readFileSync} from 'node:fs';
import {constants} from 'node:os';

/** The fields of /proc/<pid>/status, or undefined once the process is gone. */
function readStatus(pid: number): Map<string, string> | undefined {
	try {
		const fields = new Map<string, string>();
		for (const row of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
			const colon = row.indexOf(':');
			if (colon > 0) fields.set(row.slice(0, colon), row.slice(colon + 1).trim());
		}
		return fields;
	} catch {
		return undefined;
	}
}

/** Whether `signal` is still pending for the process as a whole (ShdPnd: sent with kill(), not yet delivered). */
function pending(status: Map<string, string>, signal: NodeJS.Signals): boolean {
	const mask = status.get('ShdPnd');
	if (mask === undefined) return false;
	return ((BigInt(`0x${mask}`) >> BigInt(constants.signals[signal] - 1)) & 1n) === 1n;
}

/** How many times the process's main thread has blocked of its own accord. */
function voluntarySwitches(status: Map<string, string> | undefined): number | undefined {
	const value = status?.get('voluntary_ctxt_switches');
	return value === undefined ? undefined : Number(value);
}

/**
Sends `signal` to a Node process and waits until it has handled it: the signal
was delivered (no longer pending), and the main thread has since blocked again.
libuv turns a signal into a byte on a pipe that its event loop polls, so the
loop cannot go back to waiting before it has run the JS listeners: blocking
again means they ran. A handshake, not a sleep: it holds however starved the
process is. Resolves false if that is not seen within `withinMs` (the process
died, or never went idle).
*/
export async function signalAndSettle(pid: number, signal: NodeJS.Signals, withinMs: number, abort?: AbortSignal): Promise<boolean> {
	const before = voluntarySwitches(readStatus(pid));
	process.kill(pid, signal);
	if (before === undefined) return false;
	const stopAt = Date.now() + withinMs;
	for (;;) {
		const status = readStatus(pid);
		const now = voluntarySwitches(status);
		if (status === undefined || now === undefined) return false;
		if (!pending(status, signal) && now > before) return true;
		if (Date.now() >= stopAt || abort?.aborted) return false;
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}
