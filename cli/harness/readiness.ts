import net from 'node:net';
import {setTimeout as delay} from 'node:timers/promises';
import type {LabProcess} from './lab-process.js';

export type ReadinessResult =
	| {ready: true; ms: number}
	| {ready: false; reason: 'exited'; code: number | null; signal: string | null}
	| {ready: false; reason: 'timeout'; ms: number};

function tryConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect({host, port});
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(timeoutMs, () => done(false));
		socket.once('connect', () => done(true));
		socket.once('error', () => done(false));
	});
}

/**
Bounded polling for "something accepts TCP connections on host:port" that also
notices the program exiting, so a crash is reported at once instead of after
the whole deadline. Only a TCP connect: an HTTP probe would show up in the
learner's request counts.
*/
export async function waitForListening(lab: LabProcess, host: string, port: number, deadlineMs: number): Promise<ReadinessResult> {
	const started = Date.now();
	let exited = false;
	void lab.exited.then(() => {
		exited = true;
	});
	while (Date.now() - started < deadlineMs) {
		if (exited) {
			const info = lab.exitInfo!;
			return {ready: false, reason: 'exited', code: info.code, signal: info.signal};
		}
		if (await tryConnect(host, port, 500)) return {ready: true, ms: Date.now() - started};
		await delay(50);
	}
	return {ready: false, reason: 'timeout', ms: Date.now() - started};
}
