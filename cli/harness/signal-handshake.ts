import {readFileSync} from 'node:fs';
import {constants} from 'node:os';

function statusField(pid: number, field: string): string | undefined {
	try {
		const line = readFileSync(`/proc/${pid}/status`, 'utf8')
			.split('\n')
			.find(row => row.startsWith(`${field}:`));
		return line?.slice(field.length + 1).trim();
	} catch {
		return undefined;
	}
}

/** Whether `signal` is still pending for the process as a whole (ShdPnd: sent with kill(), not yet delivered). */
export function signalPending(pid: number, signal: NodeJS.Signals): boolean {
	const mask = statusField(pid, 'ShdPnd');
	if (mask === undefined) return false;
	const number = constants.signals[signal];
	return (BigInt(`0x${mask}`) >> BigInt(number - 1)) & 1n ? true : false;
}

/** How many times the process's main thread has blocked of its own accord (voluntary_ctxt_switches). */
export function voluntarySwitches(pid: number): number | undefined {
	const value = statusField(pid, 'voluntary_ctxt_switches');
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
	const before = voluntarySwitches(pid);
	process.kill(pid, signal);
	if (before === undefined) return false;
	const stopAt = Date.now() + withinMs;
	for (;;) {
		const now = voluntarySwitches(pid);
		if (now === undefined) return false;
		if (!signalPending(pid, signal) && now > before) return true;
		if (Date.now() >= stopAt || abort?.aborted) return false;
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}
