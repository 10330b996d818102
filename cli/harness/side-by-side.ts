import {isAlive} from './procfs.js';
import {keepOnePerPid, type KeptAnswer} from './kept-connection.js';
import {nothingUnread} from './unread.js';

/** One request of a pair, and what came back; `sideBySide` when its attempt was read in full while the primary was stopped. */
export type SideBySideReply = {pid: number; path: string; reply: KeptAnswer; sideBySide: boolean};

export type SideBySideResult = {
	/** Every reply of every attempt (a wrong answer is wrong even in an attempt that was not side by side). */
	replies: SideBySideReply[];
	/** True when, in some attempt, every worker of a pair had read both requests while the primary was stopped. */
	read: boolean;
	/** How many workers held a pair in the last attempt. */
	workers: number;
	/** The workers the first and the second round of kept connections reached, last attempt (for a failure message). */
	firsts: number[];
	seconds: number[];
};

/**
Requests that certainly wait side by side in one worker of a service where
workers ask their primary and wait for its reply (labs 07 and 09): two kept
connections to each worker, the primary stopped (SIGSTOP) while each of them
sends its request, and continued once every worker has read both (nothing left
unread on any connection to the port, per /proc's rx_queue: a Node worker
reads, parses and runs its handler in one go). A worker that keeps "the"
waiting response in one variable, or matches replies by something the client
chose, then answers at most one of the two right.

`paths(pid, index)` names the two requests for the index-th worker. An attempt
whose workers did not read both within `readWithinMs` (a busy machine; the
workers' own reply timeout is running) is tried again, `attempts` in all.
*/
export async function sideBySideInWorkers(options: {
	host: string;
	port: number;
	primaryPid: number;
	pids: readonly number[];
	/** The path that pins a kept connection to a worker (its answer names the pid). */
	pinPath: string;
	paths: (pid: number, index: number) => readonly [string, string];
	timeoutMs: number;
	readWithinMs: number;
	attempts: number;
	signal: AbortSignal;
	waitingFor?: (what: string) => void;
}): Promise<SideBySideResult> {
	const {host, port, primaryPid, pids, pinPath, timeoutMs, signal} = options;
	const result: SideBySideResult = {replies: [], read: false, workers: 0, firsts: [], seconds: []};
	for (let attempt = 1; attempt <= options.attempts && !result.read && !signal.aborted; attempt++) {
		options.waitingFor?.(`two kept connections to each of the workers ${pids.join(', ')} (attempt ${attempt} of at most ${options.attempts})`);
		const firsts = await keepOnePerPid({host, port, pids, path: pinPath, timeoutMs, signal});
		const seconds = await keepOnePerPid({host, port, pids, path: pinPath, timeoutMs, signal});
		const pairs = [...firsts].filter(([pid]) => seconds.has(pid)).map(([pid, first]) => ({pid, connections: [first, seconds.get(pid)!] as const}));
		Object.assign(result, {workers: pairs.length, firsts: [...firsts.keys()], seconds: [...seconds.keys()]});
		let stopped = false;
		try {
			if (pairs.length === 0) continue;
			process.kill(primaryPid, 'SIGSTOP');
			stopped = true;
			let written = 0;
			const pending = pairs.flatMap(({pid, connections}, index) => {
				const paths = options.paths(pid, index);
				return connections.map((connection, which) => connection.request(paths[which]!, {timeoutMs, onWritten: () => written++}).then(reply => ({pid, path: paths[which]!, reply})));
			});
			options.waitingFor?.(`workers ${pairs.map(pair => pair.pid).join(', ')} to read two requests each while the primary is stopped`);
			const deadline = Date.now() + options.readWithinMs;
			let read = false;
			while (!signal.aborted) {
				read = written === pending.length && nothingUnread(port);
				if (read || Date.now() >= deadline) break;
				await new Promise(resolve => setTimeout(resolve, 20));
			}
			result.read = read;
			process.kill(primaryPid, 'SIGCONT');
			stopped = false;
			result.replies.push(...(await Promise.all(pending)).map(reply => ({...reply, sideBySide: read})));
		} finally {
			if (stopped && isAlive(primaryPid)) process.kill(primaryPid, 'SIGCONT');
			for (const connection of [...firsts.values(), ...seconds.values()]) connection.close();
		}
	}
	return result;
}
