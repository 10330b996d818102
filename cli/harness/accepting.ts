import {readdirSync, readFileSync, readlinkSync} from 'node:fs';
import {listenInodes, socketInodes} from './procfs.js';

/**
Whether pid's event loop watches the socket with this inode for incoming
connections: some epoll instance of pid (an anon_inode:[eventpoll] fd) lists it,
with EPOLLIN, in /proc/<pid>/fdinfo/<fd>. A process that holds the listening
socket but never polls it (a handle kept only to be sent, or received and never
listened on) does not; one whose server listens on it does, and accepts
connections whenever it wins the race for them.
*/
export function pollsSocket(pid: number, inode: number): {fd: number; epollFd: number} | undefined {
	const EPOLLIN = 0x1;
	let fds: string[];
	try {
		fds = readdirSync(`/proc/${pid}/fd`);
	} catch {
		return undefined;
	}
	const link = (fd: string) => {
		try {
			return readlinkSync(`/proc/${pid}/fd/${fd}`);
		} catch {
			return '';
		}
	};
	for (const epollFd of fds.filter(fd => link(fd) === 'anon_inode:[eventpoll]')) {
		let info: string;
		try {
			info = readFileSync(`/proc/${pid}/fdinfo/${epollFd}`, 'utf8');
		} catch {
			continue;
		}
		// tfd:       26 events:       19 data:               1a  pos:0 ino:144864 sdev:9
		for (const line of info.split('\n')) {
			const watch = /^tfd:\s*(\d+)\s+events:\s*([0-9a-f]+)/.exec(line);
			if (!watch) continue;
			const ino = /\bino:([0-9a-f]+)/.exec(line)?.[1];
			// Older kernels print no ino: resolve the watched fd instead.
			const target = ino === undefined ? Number(/socket:\[(\d+)\]/.exec(link(watch[1]!))?.[1]) : Number.parseInt(ino, 16);
			if (target === inode && (Number.parseInt(watch[2]!, 16) & EPOLLIN) !== 0) return {fd: Number(watch[1]), epollFd: Number(epollFd)};
		}
	}
	return undefined;
}

/** What pid does with the one listening socket of port: accepts on it, only holds it, or does not have it. */
export function acceptState(pid: number, port: number): 'accepting' | 'holds-only' | 'without-socket' | 'no-single-socket' {
	const inodes = listenInodes(port);
	if (inodes.length !== 1) return 'no-single-socket';
	if (!socketInodes(pid).has(inodes[0]!)) return 'without-socket';
	return pollsSocket(pid, inodes[0]!) ? 'accepting' : 'holds-only';
}

/** Clock ticks per second of /proc/<pid>/stat's starttime (USER_HZ: 100 on every Linux the kit runs on). */
const USER_HZ = 100;

/**
How long ago pid was started (forked), in ms, from /proc/<pid>/stat's starttime
and /proc/uptime; undefined once it is gone. Precise to 10 ms: enough to know
whether a process is older than a program's own uptime threshold.
*/
export function processAgeMs(pid: number): number | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// Fields after the command name, which may itself hold spaces and parentheses.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const startTicks = Number(fields[19]);
		const uptimeSeconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
		return Math.round(uptimeSeconds * 1000 - (startTicks * 1000) / USER_HZ);
	} catch {
		return undefined;
	}
}
