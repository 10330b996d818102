import net from 'node:net';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
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
};

/**
Start a second copy of the learner's program with PORT set to a port this
process holds, and watch it for `withinMs`: does it exit, and does any of its
processes listen anywhere meanwhile (a bind error libuv deferred and nobody
asked for: a child's listen() then takes a random port on every interface)?
Stops as soon as the program exits or listens; always ends its whole tree.
*/
export async function runWithPortTaken(options: {cwd: string; entry: string; env: Record<string, string>; host: string; withinMs: number; signal?: AbortSignal}): Promise<TakenPortRun> {
	const held = await holdPort(options.host);
	const lab = startLabProcess({cwd: path.resolve(options.cwd), entry: options.entry, env: {...options.env, PORT: String(held.port)}});
	const started = Date.now();
	try {
		let listening: string[] = [];
		while (Date.now() - started < options.withinMs && !options.signal?.aborted) {
			listening = groupListening(lab.pgid);
			if (lab.exitInfo || listening.length > 0) break;
			await delay(25);
		}
		// A child may outlive a primary that exited: look once more.
		listening = [...new Set([...listening, ...groupListening(lab.pgid)])];
		return {port: held.port, exit: lab.exitInfo, listening, ms: Date.now() - started, output: lab.output(8)};
	} finally {
		await lab.stop();
		await held.release();
	}
}
