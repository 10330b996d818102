import type {ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {readdirSync} from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {describe, it, expect, afterEach} from 'vitest';
import {
	childrenOf,
	connectionOwners,
	countTcpStates,
	decodeAddress,
	descendantsOf,
	environ,
	fdCount,
	groupMembers,
	holdersOf,
	isAlive,
	listenInodes,
	listPids,
	listProcs,
	parseStat,
	parseTcpTable,
	readProc,
	socketInodes,
	tcpRows,
} from '../../cli/harness/procfs.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Far above any pid_max, so never a live process. */
const NO_SUCH_PID = 2 ** 30;

type Fixture = {
	proc: ChildProcess;
	pid: number;
	/** Next stdout line; rejects if the fixture exits first. */
	nextLine: () => Promise<string>;
};

const started: ChildProcess[] = [];
const clients: net.Socket[] = [];

/**
Starts a fixture in its own process group (detached), so afterEach can kill it
and everything it forked with one process.kill(-pid).
*/
function start(args: string[], env: NodeJS.ProcessEnv = process.env): Fixture {
	// Its output is read here as it comes (buffer: false); how it ends is the test's to check (reject: false).
	const proc = execa(process.execPath, args, {detached: true, stdio: ['pipe', 'pipe', 'pipe'], env, extendEnv: false, buffer: false, reject: false});
	started.push(proc);
	let stderr = '';
	proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	const lines = readline.createInterface({input: proc.stdout!})[Symbol.asyncIterator]();
	return {
		proc,
		pid: proc.pid!,
		async nextLine() {
			const next = await lines.next();
			if (next.done) throw new Error(`fixture ${args.join(' ')} exited before printing a line: ${stderr}`);
			return next.value;
		},
	};
}

function exited(proc: ChildProcess): Promise<unknown> {
	return proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : once(proc, 'exit');
}

/** Polls a condition on /proc (state changes have no event to wait for) until it holds or times out. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

afterEach(async () => {
	for (const client of clients.splice(0)) client.destroy();
	for (const proc of started.splice(0)) {
		try {
			process.kill(-proc.pid!, 'SIGKILL');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
		}
		await exited(proc);
	}
});

type SharedListener = {port: number; pid: number; childPid: number; channelFdInEnv: boolean};

async function startSharedListener(): Promise<SharedListener> {
	const f = start([fixture('shared-listener.mjs')]);
	return JSON.parse(await f.nextLine()) as SharedListener;
}

/** Connects to the fixture and reads the pid it claims served the connection, keeping the socket open. */
async function connect(port: number): Promise<{client: net.Socket; claimedPid: number}> {
	const client = net.connect({port, host: '127.0.0.1'});
	clients.push(client);
	// Getting the answer proves the connection was accepted: before that it may
	// still sit in the listen queue with no process (and inode 0) behind it.
	const line = await readline.createInterface({input: client})[Symbol.asyncIterator]().next();
	if (line.done) throw new Error('connection closed before the fixture answered');
	return {client, claimedPid: Number(line.value)};
}

describe('parseStat', () => {
	it('splits after the last ")" so comm may hold spaces and parentheses', () => {
		const line =
			'4242 (my (weird) name)) S 4200 4242 4242 0 -1 4194304 96 0 0 0 250 125 30 12 20 0 11 0 16089 3133440 358';
		expect(parseStat(line)).toEqual({
			pid: 4242,
			ppid: 4200,
			pgrp: 4242,
			state: 'S',
			comm: 'my (weird) name)',
			cpuMs: 3750,
			threads: 11,
			reapedChildrenCpuMs: 420,
		});
	});

	it('rejects text that is not a stat line', () => {
		expect(parseStat('')).toBeUndefined();
		expect(parseStat('12 (x) S 1 2')).toBeUndefined();
	});
});

describe('decodeAddress and parseTcpTable', () => {
	it('decodes little-endian IPv4 words', () => {
		expect(decodeAddress('0100007F:5B9E')).toEqual({address: '127.0.0.1', port: 23454});
		expect(decodeAddress('00000000:0000')).toEqual({address: '0.0.0.0', port: 0});
	});

	it('decodes IPv6, turning IPv4-mapped addresses into dotted quads', () => {
		expect(decodeAddress('00000000000000000000000001000000:1F90')).toEqual({address: '::1', port: 8080});
		expect(decodeAddress('00000000000000000000000000000000:0050').address).toBe('::');
		expect(decodeAddress('0000000000000000FFFF00000100007F:0050').address).toBe('127.0.0.1');
		expect(decodeAddress('B80D0120000000000000000001000000:0050').address).toBe('2001:db8::1');
		expect(decodeAddress('000080FE00000000FC000000010000FF:0050').address).toBe('fe80::fc:ff00:1');
		// Only the longest zero run is compressed, and a lone zero group never is.
		expect(decodeAddress('00000120010000000000000001000000:0050').address).toBe('2001:0:0:1::1');
		expect(decodeAddress('B80D0120010000000100000001000000:0050').address).toBe('2001:db8:0:1:0:1:0:1');
	});

	it('parses rows, states, inodes and unread bytes and skips the header', () => {
		const table = [
			'  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
			'   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 31337 1 0000000000000000 100 0 0 10 0',
			'   1: 0100007F:1F90 0100007F:D431 01 00000000:0000004E 00:00000000 00000000  1000        0 31338 1 0000000000000000 20 4 30 10 -1',
			'   2: 0100007F:1F90 0100007F:D432 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000',
			'   3: 0100007F:1F90 0100007F:D433 0C 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000',
		].join('\n');
		expect(parseTcpTable(table)).toEqual([
			{localAddress: '127.0.0.1', localPort: 8080, remoteAddress: '0.0.0.0', remotePort: 0, state: 'LISTEN', inode: 31337, rxQueue: 0},
			{localAddress: '127.0.0.1', localPort: 8080, remoteAddress: '127.0.0.1', remotePort: 54321, state: 'ESTABLISHED', inode: 31338, rxQueue: 78},
			{localAddress: '127.0.0.1', localPort: 8080, remoteAddress: '127.0.0.1', remotePort: 54322, state: 'TIME_WAIT', inode: 0, rxQueue: 0},
			{localAddress: '127.0.0.1', localPort: 8080, remoteAddress: '127.0.0.1', remotePort: 54323, state: 'UNKNOWN', inode: 0, rxQueue: 0},
		]);
	});
});

describe('processes', () => {
	it('reads this process and lists it', () => {
		const self = readProc(process.pid);
		expect(self).toMatchObject({pid: process.pid, ppid: process.ppid});
		expect(self!.threads).toBeGreaterThan(1);
		expect(self!.cpuMs).toBeGreaterThan(0);
		expect(isAlive(process.pid)).toBe(true);
		const procs = listProcs();
		expect(procs.map((p) => p.pid)).toContain(process.pid);
		expect(listPids()).toContain(process.pid);
		expect(childrenOf(process.ppid, procs).map((p) => p.pid)).toContain(process.pid);
	});

	it('answers undefined or empty for a pid that does not exist', () => {
		expect(readProc(NO_SUCH_PID)).toBeUndefined();
		expect(isAlive(NO_SUCH_PID)).toBe(false);
		expect(environ(NO_SUCH_PID)).toBeUndefined();
		expect(fdCount(NO_SUCH_PID)).toBeUndefined();
		expect(socketInodes(NO_SUCH_PID).size).toBe(0);
		expect(holdersOf(1, [NO_SUCH_PID])).toEqual([]);
	});

	it('reports a reaped process as not alive', async () => {
		const proc = execa(process.execPath, ['-e', ''], {detached: true, stdio: 'ignore', reject: false});
		started.push(proc);
		const pid = proc.pid!;
		await exited(proc); // 'exit' fires after libuv's waitpid, so it is reaped
		expect(isAlive(pid)).toBe(false);
		expect(readProc(pid)).toBeUndefined();
	});

	it('sees a zombie but does not count it as alive, a child or a group member', async () => {
		const f = start([fixture('zombie.mjs')]);
		const {childPid} = JSON.parse(await f.nextLine()) as {childPid: number};
		await waitFor(() => readProc(childPid)?.state === 'Z', 'the child to become a zombie');
		expect(readProc(childPid)).toMatchObject({pid: childPid, ppid: f.pid, pgrp: f.pid, state: 'Z'});
		expect(isAlive(childPid)).toBe(false);
		const procs = listProcs();
		expect(childrenOf(f.pid, procs)).toEqual([]);
		expect(descendantsOf(f.pid, procs)).toEqual([]);
		expect(groupMembers(f.pid, procs).map((p) => p.pid)).toEqual([f.pid]);
		// Its memory and fds are gone already.
		expect(environ(childPid)).toBeUndefined();
		expect(fdCount(childPid)).toBe(0);
	});

	it('reads comm with spaces and parentheses from a live process', async () => {
		const title = 'lab (x) y)';
		const f = start([fixture('threads.mjs'), title]);
		expect(await f.nextLine()).toBe('ready');
		expect(readProc(f.pid)?.comm).toBe(title);
	});

	it('counts a worker_thread as a thread, not a process', async () => {
		const f = start([fixture('threads.mjs')]);
		expect(await f.nextLine()).toBe('ready');
		const before = readProc(f.pid)!.threads;
		expect(before).toBeGreaterThan(1); // Node runs V8 and libuv helper threads anyway
		f.proc.stdin!.write('worker\n');
		expect(await f.nextLine()).toBe('online');
		const after = readProc(f.pid)!;
		expect(after.threads).toBeGreaterThan(before);
		expect(after.threads).toBe(readdirSync(`/proc/${f.pid}/task`).length);
		expect(descendantsOf(f.pid)).toEqual([]);
	});

	it('reads the environment a process was started with', async () => {
		const f = start([fixture('threads.mjs')], {...process.env, LAB_MARK: 'a=b=c'});
		expect(await f.nextLine()).toBe('ready');
		const env = environ(f.pid)!;
		expect(env.LAB_MARK).toBe('a=b=c');
		// Started by spawn, not fork: no IPC channel.
		expect(env.NODE_CHANNEL_FD).toBeUndefined();
	});
});

describe('a parent and a forked child sharing one listening socket', () => {
	it('finds the child, its IPC channel and the process group', async () => {
		const s = await startSharedListener();
		const procs = listProcs();
		expect(childrenOf(s.pid, procs).map((p) => p.pid)).toEqual([s.childPid]);
		expect(descendantsOf(s.pid, procs).map((p) => p.pid)).toEqual([s.childPid]);
		expect(groupMembers(s.pid, procs).map((p) => p.pid).sort((a, b) => a - b)).toEqual(
			[s.pid, s.childPid].sort((a, b) => a - b),
		);
		expect(isAlive(s.childPid)).toBe(true);
		// Node removes NODE_CHANNEL_FD from process.env, but /proc keeps the
		// environment the child was exec'd with.
		expect(s.channelFdInEnv).toBe(false);
		expect(environ(s.childPid)?.NODE_CHANNEL_FD).toMatch(/^\d+$/);
		expect(environ(s.pid)?.NODE_CHANNEL_FD).toBeUndefined();
	});

	it('sees one LISTEN inode on 127.0.0.1 held by both processes', async () => {
		const s = await startSharedListener();
		const both = [s.pid, s.childPid].sort((a, b) => a - b);
		const inodes = listenInodes(s.port);
		expect(inodes).toHaveLength(1);
		expect(holdersOf(inodes[0], [s.pid, s.childPid, process.pid])).toEqual(both);
		expect(holdersOf(inodes[0])).toEqual(both);
		expect(socketInodes(s.pid).has(inodes[0])).toBe(true);
		const listening = tcpRows().filter((r) => r.localPort === s.port && r.state === 'LISTEN');
		expect(listening).toEqual([
			{localAddress: '127.0.0.1', localPort: s.port, remoteAddress: '0.0.0.0', remotePort: 0, state: 'LISTEN', inode: inodes[0], rxQueue: 0},
		]);
	});

	it('names the process that really accepted each connection', async () => {
		const s = await startSharedListener();
		for (let i = 0; i < 10; i++) {
			const {client, claimedPid} = await connect(s.port);
			expect([s.pid, s.childPid]).toContain(claimedPid);
			expect(connectionOwners(s.port, client.localPort!)).toEqual([claimedPid]);
			expect(connectionOwners(s.port, client.localPort!, [s.pid, s.childPid])).toEqual([claimedPid]);
			// Scanning only the other process finds nothing: it did not accept.
			const other = claimedPid === s.pid ? s.childPid : s.pid;
			expect(connectionOwners(s.port, client.localPort!, [other])).toEqual([]);
			client.destroy();
		}
		expect(connectionOwners(s.port, 1)).toEqual([]);
	});

	it('counts the sockets on the port by state, and the fd an accept adds', async () => {
		const s = await startSharedListener();
		const fdsBefore = {[s.pid]: fdCount(s.pid)!, [s.childPid]: fdCount(s.childPid)!};
		expect(fdsBefore[s.pid]).toBeGreaterThanOrEqual(3);
		expect(fdsBefore[s.childPid]).toBeGreaterThanOrEqual(3);
		const {client, claimedPid} = await connect(s.port);
		expect(fdCount(claimedPid)).toBe(fdsBefore[claimedPid] + 1);
		const ours = tcpRows().find((r) => r.localPort === client.localPort && r.remotePort === s.port);
		expect(ours).toMatchObject({localAddress: '127.0.0.1', remoteAddress: '127.0.0.1', state: 'ESTABLISHED'});
		expect(socketInodes(process.pid).has(ours!.inode)).toBe(true);
		// Our own side of the connection has the port as its remote port, so only
		// the listener and the server side count.
		expect(countTcpStates(s.port)).toEqual({LISTEN: 1, ESTABLISHED: 1});
	});
});
