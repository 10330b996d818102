import net from 'node:net';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {sampleTree, START_CPU_MS, STARVED_WAIT_MS, wantedShare} from './cpu-share.js';
import {startLabProcess, type ExitInfo} from './lab-process.js';
import {groupMembers, socketInodes, tcpRows} from './procfs.js';

/** A port held the way another program would hold it: a listening socket on `host`, port chosen by the kernel. */
export async function holdPort(host: string): Promise<{port: number; release: () => Promise<void>}> {
	const server = net.createServer(socket => socket.destroy());
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, host, () => resolve());
	});
	const {port} = server.address() as net.AddressInfo;
	return {port, release: () => new Promise<void>(resolve => server.close(() => resolve()))};
}

/** "0.0.0.0:41234" for every TCP socket in LISTEN state that a member of the process group holds. */
export function groupListening(pgid: number): string[] {
	const inodes = new Set<number>();
	for (const member of groupMembers(pgid)) for (const inode of socketInodes(member.pid)) inodes.add(inode);
	return [...new Set(tcpRows().filter(row => row.state === 'LISTEN' && inodes.has(row.inode)).map(row => `${row.localAddress}:${row.localPort}`))];
}

export type TakenPortRun = {
	port: number;
	/** How the program ended, if it did within the bound. */
	exit?: ExitInfo;
	/** Listening sockets its tree held meanwhile (none, for a program that noticed the bind error). */
	listening: string[];
	ms: number;
	output: string[];
	/**
	Still running and listening nowhere, but starved of CPU to the end: its
	processes wanted a CPU they did not get, so whether it would have listened
	somewhere (or exited) could not be seen.
	*/
	starved: boolean;
};

/**
Start a second copy of the learner's program with PORT set to a port this
process holds, and watch it for `withinMs`: does it exit, and does any of its
processes listen anywhere meanwhile (a bind error libuv deferred and nobody
asked for: a child's listen() then takes a random port on every interface)?
Stops as soon as the program exits or listens; always ends its whole tree.
Past `withinMs`, a tree that keeps wanting a CPU it does not get (a busy
machine: its children may not have reached listen() yet) and has not had
START_CPU_MS is watched longer, up to STARVED_WAIT_MS, as the starts step does:
beside CPU hogs at load 20, lab 05's no-bind-check had started 3 children 10 s
in, none listening yet, and was told "listening nowhere" instead of "listened
on 0.0.0.0:<random port>".
*/
export async function runWithPortTaken(options: {cwd: string; entry: string; env: Record<string, string>; host: string; withinMs: number; signal?: AbortSignal}): Promise<TakenPortRun> {
	const held = await holdPort(options.host);
	const lab = startLabProcess({cwd: path.resolve(options.cwd), entry: options.entry, env: {...options.env, PORT: String(held.port)}});
	const started = Date.now();
	try {
		const primaryPid = (await lab.primaryPid) ?? lab.pgid;
		let listening: string[] = [];
		let tree = sampleTree(lab.pgid, primaryPid);
		let starved = false;
		while (!options.signal?.aborted) {
			listening = groupListening(lab.pgid);
			if (lab.exitInfo || listening.length > 0) break;
			const now = Date.now();
			if (now - tree.at >= 1000) {
				const sample = sampleTree(lab.pgid, primaryPid);
				starved = wantedShare(tree, sample) >= 0.5 && sample.cpuMs < START_CPU_MS;
				tree = sample;
			}
			if (now - started >= options.withinMs && (!starved || now - started >= Math.max(options.withinMs, STARVED_WAIT_MS))) break;
			await delay(25);
		}
		// A child may outlive a primary that exited: look once more.
		listening = [...new Set([...listening, ...groupListening(lab.pgid)])];
		return {port: held.port, exit: lab.exitInfo, listening, ms: Date.now() - started, output: lab.output(8), starved: starved && !lab.exitInfo && listening.length === 0};
	} finally {
		await lab.stop();
		await held.release();
	}
}
