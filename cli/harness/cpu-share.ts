import {readFileSync} from 'node:fs';
import {groupMembers, readProc} from './procfs.js';

/**
What a process tree has had of the machine, to tell a slow start on a busy
machine from a program that is idle or stuck. Two clocks per process:
CPU time (utime + stime, and the reaped children's), and the time it wanted
a CPU: /proc/<pid>/schedstat's time on a CPU plus time waiting in a run queue.
A program blocked in epoll wants nothing; a tsx start or a busy loop wants a
CPU all the time, and on a busy machine waits for it most of that time.
*/
export type TreeSample = {at: number; cpuMs: number; wantedMs: number};

/**
CPU a program's whole tree gets before a start-up may be called slow: a tsx
primary with 3 workers had used 1.0-1.3 s of CPU when it first listened (labs
06, 07, 08, measured at load 12 on 2 cores); three times that leaves room for 5
workers and slower machines.
*/
export const START_CPU_MS = 4000;
/** How long a start-up is waited for while the program is starved of CPU, not idle: wall time, from its start. */
export const STARVED_WAIT_MS = 45_000;

/**
/proc/<pid>/schedstat in ms, of the process's main thread (a Node process's
event loop): time on a CPU, and time runnable but waiting in a run queue;
zeros for a process that is gone.
*/
export function schedstat(pid: number): {runMs: number; waitMs: number} {
	try {
		const [run = '0', wait = '0'] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/);
		return {runMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6};
	} catch {
		return {runMs: 0, waitMs: 0};
	}
}

/** Time on a CPU plus time waiting for one, in ms; 0 for a process that is gone. */
function wantedMs(pid: number): number {
	const {runMs, waitMs} = schedstat(pid);
	return runMs + waitMs;
}

/** The process group's CPU so far (its live members, and the children the leader's tree reaped) and the CPU it wanted. */
export function sampleTree(pgid: number, primaryPid: number): TreeSample {
	const members = groupMembers(pgid);
	let cpuMs = readProc(primaryPid)?.reapedChildrenCpuMs ?? 0;
	let wanted = 0;
	for (const member of members) {
		cpuMs += member.cpuMs;
		wanted += wantedMs(member.pid);
	}
	return {at: Date.now(), cpuMs, wantedMs: wanted};
}

/** Between two samples: the share of the wall time the tree wanted a CPU (over 1 = more than one process at once). */
export function wantedShare(before: TreeSample, after: TreeSample): number {
	return (after.wantedMs - before.wantedMs) / Math.max(1, after.at - before.at);
}

/** One process's own CPU and wanted time, for "stuck in a loop". */
export function sampleProcess(pid: number): TreeSample {
	return {at: Date.now(), cpuMs: readProc(pid)?.cpuMs ?? 0, wantedMs: wantedMs(pid)};
}
