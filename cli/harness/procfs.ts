/**
Synchronous readers for Linux /proc, used by checkers to look at a learner's
processes and sockets from the outside instead of trusting what the learner's
program prints about itself: who really served a connection (connectionOwners),
which processes share the listening socket (listenInodes + holdersOf), whether a
worker is a real child with an IPC channel (childrenOf + environ), fd leaks
(fdCount) and whether worker_threads are threads rather than processes
(ProcInfo.threads).

Every read is synchronous on purpose: a checker takes a snapshot between two
awaits, and a synchronous snapshot cannot interleave with the learner's program
reacting to the checker's own traffic.

Processes come and go while we read, so anything that is specific to one pid
treats "it vanished" (ENOENT, ESRCH) and "it is not ours to read" (EACCES,
EPERM) as "no answer": undefined, an empty result, or the pid is skipped. Only a
missing /proc itself (not Linux, or not mounted) throws, because an empty answer
there would make "no processes left behind" style checks pass by accident.
*/

import {readdirSync, readFileSync, readlinkSync} from 'node:fs';
import {endianness} from 'node:os';

export type ProcInfo = {
	pid: number;
	ppid: number;
	/** Process group id. */
	pgrp: number;
	/** One letter from /proc/<pid>/stat: R, S, D, Z, T, t, X, I, ... */
	state: string;
	/**
	Executable name or whatever the process set as its title (Node's
	process.title sets it too), truncated by the kernel to 15 bytes.
	*/
	comm: string;
	/** User plus system CPU time of the process (all its threads), in milliseconds. */
	cpuMs: number;
	/** num_threads: a Node process has several even without any worker_threads. */
	threads: number;
	/**
	cutime + cstime: CPU time of the children this process has waited for
	(reaped), in milliseconds. It grows when a child dies and is reaped, so it
	witnesses a child too short-lived for a poll to have seen.
	*/
	reapedChildrenCpuMs: number;
};

export type TcpState =
	| 'ESTABLISHED'
	| 'SYN_SENT'
	| 'SYN_RECV'
	| 'FIN_WAIT1'
	| 'FIN_WAIT2'
	| 'TIME_WAIT'
	| 'CLOSE'
	| 'CLOSE_WAIT'
	| 'LAST_ACK'
	| 'LISTEN'
	| 'CLOSING'
	| 'UNKNOWN';

export type TcpRow = {
	/** Dotted quad for IPv4 (also for IPv4-mapped IPv6), compressed RFC 5952 text for IPv6. */
	localAddress: string;
	localPort: number;
	remoteAddress: string;
	remotePort: number;
	state: TcpState;
	/**
	Socket inode, matching socket:[inode] in some process's fd table. 0 for
	sockets no process holds: TIME_WAIT leftovers and connections still waiting
	in a listen queue to be accepted.
	*/
	inode: number;
	/** Bytes received and not yet read by the process that holds the socket (for a LISTEN row: connections waiting to be accepted). */
	rxQueue: number;
};

/**
USER_HZ, the unit of utime/stime in /proc/<pid>/stat. The kernel fixes it at 100
on every Linux architecture Node runs on (it is independent of CONFIG_HZ), so
there is no need to shell out to `getconf CLK_TCK`.
*/
const USER_HZ = 100;

/** Error codes meaning "this pid (or fd) is gone or not readable by us". */
const GONE = new Set(['ENOENT', 'ESRCH', 'EACCES', 'EPERM', 'ENOTDIR']);

function isGone(error: unknown): boolean {
	return typeof error === 'object' && error !== null && GONE.has(String((error as NodeJS.ErrnoException).code));
}

/** Runs a per-pid read, turning "gone or unreadable" into undefined and rethrowing anything else. */
function attempt<T>(read: () => T): T | undefined {
	try {
		return read();
	} catch (error) {
		if (isGone(error)) return undefined;
		throw error;
	}
}

/**
Parses the text of /proc/<pid>/stat. Exported so the tricky part can be tested
on literal strings.

comm sits in parentheses but may itself contain spaces and parentheses (a
learner can set process.title to anything), so the fields are split after the
LAST ')' rather than on whitespace. Returns undefined for text that does not
look like a stat line (e.g. the empty read a vanishing process can produce).
*/
export function parseStat(text: string): ProcInfo | undefined {
	const open = text.indexOf('(');
	const close = text.lastIndexOf(')');
	if (open < 0 || close < open) return undefined;
	const pid = Number(text.slice(0, open).trim());
	// After ')' come fields 3.. of proc(5): field n is rest[n - 3].
	const rest = text.slice(close + 1).trim().split(/\s+/);
	if (!Number.isInteger(pid) || rest.length < 18) return undefined;
	const field = (n: number) => Number(rest[n - 3]);
	return {
		pid,
		ppid: field(4),
		pgrp: field(5),
		state: rest[0],
		comm: text.slice(open + 1, close),
		cpuMs: ((field(14) + field(15)) * 1000) / USER_HZ,
		threads: field(20),
		reapedChildrenCpuMs: ((field(16) + field(17)) * 1000) / USER_HZ,
	};
}

/**
Reads /proc/<pid>/stat; undefined if there is no such process. Zombies are
returned (state 'Z'); use isAlive to rule them out.

Note that /proc/<tid> also exists for every thread id even though listing /proc
does not show it, so readProc(tid) of a thread answers with the thread's own
stat line (its pid field is the tid).
*/
export function readProc(pid: number): ProcInfo | undefined {
	const text = attempt(() => readFileSync(`/proc/${pid}/stat`, 'utf8'));
	return text === undefined ? undefined : parseStat(text);
}

/** The kernel's word for a process asleep in epoll_wait: its event loop has nothing left to do. */
export function inEpollWait(pid: number): boolean {
	return readProc(pid)?.state === 'S' && /epoll|ep_poll/.test(attempt(() => readFileSync(`/proc/${pid}/wchan`, 'utf8')) ?? '');
}

/**
Every process in /proc (thread group leaders only: threads are not listed).
Not an atomic snapshot: processes that exit while we read are skipped, and ones
started meanwhile may or may not show up.
*/
export function listProcs(): ProcInfo[] {
	const procs: ProcInfo[] = [];
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		const info = readProc(Number(name));
		if (info) procs.push(info);
	}
	return procs;
}

/**
Direct children of pid, zombies excluded. Pass `procs` (one listProcs() result)
when asking several questions about the same moment, both for consistency and
to avoid rereading /proc.
*/
export function childrenOf(pid: number, procs: ProcInfo[] = listProcs()): ProcInfo[] {
	return procs.filter((p) => p.ppid === pid && p.state !== 'Z');
}

/** The whole subtree below pid (not pid itself), zombies excluded, in breadth-first order. */
export function descendantsOf(pid: number, procs: ProcInfo[] = listProcs()): ProcInfo[] {
	const byParent = new Map<number, ProcInfo[]>();
	for (const p of procs) {
		const siblings = byParent.get(p.ppid);
		if (siblings) siblings.push(p);
		else byParent.set(p.ppid, [p]);
	}
	const found: ProcInfo[] = [];
	// A snapshot taken while pids are being reused could in theory contain a
	// loop; the visited set keeps the walk finite.
	const seen = new Set<number>([pid]);
	const queue = [pid];
	while (queue.length > 0) {
		for (const child of byParent.get(queue.shift()!) ?? []) {
			if (seen.has(child.pid)) continue;
			seen.add(child.pid);
			queue.push(child.pid);
			if (child.state !== 'Z') found.push(child);
		}
	}
	return found;
}

/** Processes whose process group is pgid (the leader included), zombies excluded. */
export function groupMembers(pgid: number, procs: ProcInfo[] = listProcs()): ProcInfo[] {
	return procs.filter((p) => p.pgrp === pgid && p.state !== 'Z');
}

/**
True if pid exists and is not a zombie. A zombie has finished running and only
waits for its parent to reap it, so for a checker it is dead. ('X', dead, is
never supposed to be visible but is treated the same way.)
*/
export function isAlive(pid: number): boolean {
	const info = readProc(pid);
	return info !== undefined && info.state !== 'Z' && info.state !== 'X';
}

/**
The environment pid was started with, from /proc/<pid>/environ; undefined if
the process is gone or not ours to read.

This is the block the kernel handed to exec, not the live process.env: Node
deletes NODE_CHANNEL_FD from process.env once it has opened the IPC channel, but
it stays visible here, which is what makes it usable as proof that a process
was started by fork() with an IPC channel. A zombie has no memory left, and
reading its environ fails with ESRCH, so it yields undefined too.
*/
export function environ(pid: number): Record<string, string> | undefined {
	const text = attempt(() => readFileSync(`/proc/${pid}/environ`, 'utf8'));
	if (text === undefined) return undefined;
	const env: Record<string, string> = {};
	for (const entry of text.split('\0')) {
		const eq = entry.indexOf('=');
		// Values may contain '=', names may not; entries without one are junk.
		if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
	}
	return env;
}

/**
Number of open file descriptors of pid; undefined if gone or not ours to read
(a zombie has closed them all and reads as 0).
*/
export function fdCount(pid: number): number | undefined {
	return attempt(() => readdirSync(`/proc/${pid}/fd`).length);
}

/**
Inodes of the sockets in pid's fd table (every kind: TCP, UDP, Unix, netlink),
from the socket:[N] targets of /proc/<pid>/fd/*. Empty if the process is gone
or not ours to read; fds closed while we read are skipped.
*/
export function socketInodes(pid: number): Set<number> {
	const inodes = new Set<number>();
	const fds = attempt(() => readdirSync(`/proc/${pid}/fd`)) ?? [];
	for (const fd of fds) {
		const target = attempt(() => readlinkSync(`/proc/${pid}/fd/${fd}`));
		const match = target === undefined ? null : /^socket:\[(\d+)\]$/.exec(target);
		if (match) inodes.add(Number(match[1]));
	}
	return inodes;
}

const TCP_STATES: Record<number, TcpState> = {
	0x01: 'ESTABLISHED',
	0x02: 'SYN_SENT',
	0x03: 'SYN_RECV',
	0x04: 'FIN_WAIT1',
	0x05: 'FIN_WAIT2',
	0x06: 'TIME_WAIT',
	0x07: 'CLOSE',
	0x08: 'CLOSE_WAIT',
	0x09: 'LAST_ACK',
	0x0a: 'LISTEN',
	0x0b: 'CLOSING',
};

/**
Bytes of an address as /proc/net/tcp* prints it: the kernel dumps each 32-bit
word in host byte order, so on little-endian machines the bytes of every word
come out reversed (127.0.0.1 is 0100007F).
*/
function addressBytes(hex: string): number[] {
	const bytes: number[] = [];
	for (let word = 0; word < hex.length; word += 8) {
		const chunk: number[] = [];
		for (let i = word; i < word + 8; i += 2) chunk.push(Number.parseInt(hex.slice(i, i + 2), 16));
		bytes.push(...(endianness() === 'LE' ? chunk.reverse() : chunk));
	}
	return bytes;
}

/** Compressed IPv6 text (RFC 5952): lower case, longest run of two or more zero groups as '::'. */
function formatIpv6(bytes: number[]): string {
	const groups: number[] = [];
	for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
	let bestStart = -1;
	let bestLength = 1;
	for (let i = 0; i < 8; ) {
		if (groups[i] !== 0) {
			i++;
			continue;
		}
		let j = i;
		while (j < 8 && groups[j] === 0) j++;
		if (j - i > bestLength) {
			bestStart = i;
			bestLength = j - i;
		}
		i = j;
	}
	const hex = groups.map((g) => g.toString(16));
	if (bestStart < 0) return hex.join(':');
	return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
Decodes one address:port field of /proc/net/tcp or /proc/net/tcp6, e.g.
0100007F:5B9E -> {address: '127.0.0.1', port: 23454}. IPv4-mapped IPv6
addresses (::ffff:a.b.c.d, what a dual-stack socket shows for IPv4 peers) come
out as plain IPv4 so they compare equal to what net.Socket reports.
*/
export function decodeAddress(field: string): {address: string; port: number} {
	const [hex, portHex] = field.split(':');
	const port = Number.parseInt(portHex, 16);
	const bytes = addressBytes(hex);
	if (bytes.length === 4) return {address: bytes.join('.'), port};
	const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
	return {address: mapped ? bytes.slice(12).join('.') : formatIpv6(bytes), port};
}

/** Parses the text of /proc/net/tcp or /proc/net/tcp6 (header line included). */
export function parseTcpTable(text: string): TcpRow[] {
	const rows: TcpRow[] = [];
	for (const line of text.split('\n')) {
		// sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
		const cols = line.trim().split(/\s+/);
		if (cols.length < 10 || !/^\d+:$/.test(cols[0])) continue;
		const local = decodeAddress(cols[1]);
		const remote = decodeAddress(cols[2]);
		rows.push({
			localAddress: local.address,
			localPort: local.port,
			remoteAddress: remote.address,
			remotePort: remote.port,
			state: TCP_STATES[Number.parseInt(cols[3], 16)] ?? 'UNKNOWN',
			inode: Number(cols[9]),
			rxQueue: Number.parseInt(cols[4].split(':')[1] ?? '0', 16),
		});
	}
	return rows;
}

/**
Every TCP socket in this process's network namespace (/proc/net is a link to
/proc/self/net), IPv4 and IPv6. tcp6 is absent when IPv6 is disabled; that just
means no IPv6 rows.
*/
export function tcpRows(): TcpRow[] {
	const v4 = readFileSync('/proc/net/tcp', 'utf8');
	const v6 = attempt(() => readFileSync('/proc/net/tcp6', 'utf8')) ?? '';
	return [...parseTcpTable(v4), ...parseTcpTable(v6)];
}

/**
The TCP sockets whose local port is `port`: tcpRows() for one port, parsing
only the lines that name it. On a busy machine /proc/net/tcp holds thousands of
TIME_WAIT rows and a full parse costs 100 ms of CPU or more; a checker that
polls it every few ms starves its own HTTP client (and the checks that share
its process), whose timeouts then fire on answers that are already there.
*/
export function tcpRowsOnPort(port: number): TcpRow[] {
	const needle = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
	const lines = (text: string) =>
		text
			.split('\n')
			.filter(line => line.includes(needle))
			.join('\n');
	const v4 = readFileSync('/proc/net/tcp', 'utf8');
	const v6 = attempt(() => readFileSync('/proc/net/tcp6', 'utf8')) ?? '';
	return [...parseTcpTable(lines(v4)), ...parseTcpTable(lines(v6))].filter(row => row.localPort === port);
}

/**
Distinct inodes of the LISTEN sockets on port, any address, sorted. One inode
means one shared socket (cluster's default on Linux hands the primary's socket
around); several mean separate sockets, e.g. SO_REUSEPORT or one per address.
*/
export function listenInodes(port: number): number[] {
	const inodes = new Set<number>();
	for (const row of tcpRows()) {
		if (row.state === 'LISTEN' && row.localPort === port && row.inode !== 0) inodes.add(row.inode);
	}
	return [...inodes].sort((a, b) => a - b);
}

/**
Pids (sorted) whose fd table holds socket:[inode]. Scans `pids` if given,
otherwise every process in /proc; processes that vanish or are not ours to read
are skipped. Inode 0 never matches: it means no process holds the socket.
*/
export function holdersOf(inode: number, pids?: number[]): number[] {
	if (inode === 0) return [];
	const candidates = pids ?? listPids();
	return [...new Set(candidates)].filter((pid) => socketInodes(pid).has(inode)).sort((a, b) => a - b);
}

/**
Pids (sorted) holding the server side of the connection a checker opened from
clientPort to serverPort, i.e. the process that really accepted it. [] if the
row is not there or not accepted yet (a connection still in the listen queue
has inode 0 until some process calls accept).
*/
export function connectionOwners(serverPort: number, clientPort: number, pids?: number[]): number[] {
	const owners = new Set<number>();
	for (const row of tcpRows()) {
		if (row.localPort !== serverPort || row.remotePort !== clientPort || row.inode === 0) continue;
		for (const pid of holdersOf(row.inode, pids)) owners.add(pid);
	}
	return [...owners].sort((a, b) => a - b);
}

/**
Rows whose local port is port, counted by state: the listening socket plus the
server side of its connections (client sides have it as remote port, so they
are not counted).
*/
export function countTcpStates(port: number): Partial<Record<TcpState, number>> {
	const counts: Partial<Record<TcpState, number>> = {};
	for (const row of tcpRows()) {
		if (row.localPort === port) counts[row.state] = (counts[row.state] ?? 0) + 1;
	}
	return counts;
}

/** Pids of every process in /proc, without reading their stat files. */
export function listPids(): number[] {
	return readdirSync('/proc')
		.filter((name) => /^\d+$/.test(name))
		.map(Number);
}
