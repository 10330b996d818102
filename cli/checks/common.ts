import {sampleProcess, sampleTree, START_CPU_MS, STARVED_WAIT_MS, wantedShare, type TreeSample} from '../harness/cpu-share.js';
import {holdIdleAndHalfSent} from '../harness/open-connections.js';
import {waitForListening} from '../harness/readiness.js';
import {childrenOf, descendantsOf, environ, groupMembers, isAlive, listenInodes, readProc, socketInodes, tcpRows} from '../harness/procfs.js';
import {countByPid, type Answer} from '../harness/traffic.js';
import type {Step, StepContext} from './step.js';

/**
Fails the step unless the answer names a process in a numeric x-worker-pid
header. `who` completes "x-worker-pid: <pid of …>", e.g. "the child that answered".
*/
export function requireWorkerPid(context: StepContext, answer: {pid?: number; headers: Record<string, string | string[] | undefined>}, options: {who: string; hint?: string; repro: string; message?: string}): number {
	if (answer.pid !== undefined) return answer.pid;
	const header = answer.headers['x-worker-pid'];
	return context.fail({
		message: options.message ?? 'The answer has no numeric x-worker-pid header',
		expected: `x-worker-pid: <pid of ${options.who}>`,
		actual: header === undefined ? `no x-worker-pid header (headers: ${Object.keys(answer.headers).join(', ') || 'none'})` : `x-worker-pid: ${header}`,
		hint: options.hint ?? "Set it in the child's request handler: res.setHeader('x-worker-pid', String(process.pid)).",
		repro: options.repro,
	});
}

/** Fails the step unless the primary has exactly WORKERS IPC children. */
export function requireWorkerCount(context: StepContext, pids: readonly number[], workers: number, options: {expected?: string; hint?: string; repro?: string} = {}): void {
	if (pids.length === workers) return;
	context.fail({
		message: `WORKERS=${workers} but your primary has ${pids.length} IPC children`,
		expected: options.expected ?? `${workers} children, as many as process.env.WORKERS says`,
		actual: `${pids.length}: ${list(pids)}`,
		hint: options.hint ?? 'Read the count from process.env.WORKERS (a string: convert it with Number()) instead of hard-coding it.',
		repro: options.repro ?? `${context.runItYourself} &  sleep 2; ps -o pid,ppid,args --forest -C node`,
	});
}

/** Child processes of pid that were forked with an IPC channel (fork(), cluster.fork()). */
export function ipcChildren(pid: number): number[] {
	return childrenOf(pid)
		.filter(child => environ(child.pid)?.NODE_CHANNEL_FD !== undefined)
		.map(child => child.pid);
}


/** The ports the learner's tree listens on, to say "you listen on 3000, not 23456". */
function listeningAddressesOf(pgid: number): string[] {
	const inodes = new Set<number>();
	for (const member of groupMembers(pgid)) for (const inode of socketInodes(member.pid)) inodes.add(inode);
	return [...new Set(tcpRows().filter(row => row.state === 'LISTEN' && inodes.has(row.inode)).map(row => `${row.localAddress}:${row.localPort}`))];
}


/** "pid 123 used 4.9 s of CPU in the last 5.0 s: is it stuck in a loop?", when it used much, or wanted a CPU all along. */
export function stuckNote(pid: number, before: TreeSample): string | undefined {
	const now = sampleProcess(pid);
	const used = now.cpuMs - before.cpuMs;
	const wall = now.at - before.at;
	// On a busy machine a loop gets a small part of a core but waits for it the rest of the time.
	const looping = used >= wall * 0.4 || (used >= 1000 && wantedShare(before, now) >= 0.8);
	return looping ? `pid ${pid} used ${(used / 1000).toFixed(1)} s of CPU in the last ${(wall / 1000).toFixed(1)} s: is it stuck in a loop?` : undefined;
}

/**
Step 1 of every lab: the program starts and something accepts connections on
HOST:PORT within `deadlineMs`. Past it, a tree that keeps wanting a CPU it does
not get (a busy machine) and has not yet had START_CPU_MS is given more time, up to
STARVED_WAIT_MS; one that idles, or has had its CPU, is judged at once.
*/
export function startsStep(deadlineMs = 10_000): Step {
	return {
		id: 'starts',
		title: 'Starts and listens on HOST:PORT',
		timeoutMs: STARVED_WAIT_MS + 2000,
		async run(context) {
			const {host, port, process: lab, primaryPid} = context;
			context.waitingFor(`something to accept connections on ${host}:${port}`);
			const started = Date.now();
			const primaryBefore = sampleProcess(primaryPid);
			let result = await waitForListening(lab, host, port, deadlineMs);
			let starved = false;
			let tree = sampleTree(lab.pgid, primaryPid);
			while (!result.ready && result.reason !== 'exited' && tree.cpuMs < START_CPU_MS && Date.now() - started < STARVED_WAIT_MS) {
				context.waitingFor(`${host}:${port}: the machine is busy, and your program has had ${(tree.cpuMs / 1000).toFixed(1)} s of CPU so far`);
				result = await waitForListening(lab, host, port, 1000);
				const now = sampleTree(lab.pgid, primaryPid);
				starved = wantedShare(tree, now) >= 0.5;
				tree = now;
				if (!starved) break;
			}
			if (result.ready) return;
			const waited = Math.round((Date.now() - started) / 1000);
			if (result.reason === 'exited') {
				const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
				return context.fail({
					message: `Your program ${how} before it listened on ${host}:${port}`,
					expected: `a server that keeps running and listens on ${host}:${port} (PORT and HOST from the environment)`,
					actual: `the process ${how}`,
					hint: 'A syntax error or an exception at start-up shows in the last lines your program printed, below.',
					repro: context.runItYourself,
				});
			}
			const addresses = listeningAddressesOf(lab.pgid);
			const busy = stuckNote(primaryPid, primaryBefore);
			if (starved && tree.cpuMs < START_CPU_MS) {
				return context.fail({
					message: `The machine was too busy to judge start-up: in ${waited} s your program got only ${(tree.cpuMs / 1000).toFixed(1)} s of CPU, and nothing accepted connections on ${host}:${port} yet`,
					expected: `a server listening on ${host}:${port} once the program has had about ${START_CPU_MS / 1000} s of CPU`,
					actual: `it wanted a CPU all along and waited for one most of the time${addresses.length > 0 ? `; it listens on ${addresses.join(', ')}` : ''}`,
					unjudged: true,
					hint: 'This is not a verdict on your code: a TypeScript start needs about 1 s of CPU for the primary and its workers together. Run the check again when the machine is quieter.',
					repro: context.runItYourself,
				});
			}
			// Listening by now, on the right address: not a wrong port, only a slow start.
			if (addresses.includes(`${host}:${port}`)) {
				return context.fail({
					message: `Your program took more than ${waited} s to listen on ${host}:${port}`,
					expected: `a server listening on ${host}:${port} within ${deadlineMs / 1000} s`,
					actual: `it listens there now, just after the deadline${busy ? `\n${busy}` : ''}`,
					hint: 'Nothing is wrong with the address: start-up was slow. On a busy machine every process that loads TypeScript (the primary and each child) takes seconds; run the check again when the machine is quieter, or listen sooner.',
					repro: context.runItYourself,
				});
			}
			const elsewhere = addresses;
			context.fail({
				message: `Nothing accepted connections on ${host}:${port} within ${waited} s`,
				expected: `a server listening on ${host}:${port}`,
				actual: [
					`your program is still running (pid ${primaryPid})`,
					elsewhere.length > 0 ? `it listens on ${elsewhere.join(', ')} instead` : 'it listens on no TCP port at all',
					busy,
				]
					.filter(Boolean)
					.join('\n'),
				hint: elsewhere.length > 0 ? 'Read the port from process.env.PORT and the address from process.env.HOST.' : busy ? 'Something before listen() never finishes.' : 'Does the primary call server.listen(PORT, HOST)?',
			});
		},
	};
}

/** Parse a JSON body, or undefined. */
export function jsonBody(answer: Answer): unknown {
	try {
		return JSON.parse(answer.body) as unknown;
	} catch {
		return undefined;
	}
}

/** "12 × no answer within 5000 ms, 3 × status 503" */
export function describeFailures(answers: readonly Answer[]): string {
	const reasons = new Map<string, number>();
	for (const answer of answers) {
		const reason = answer.error ?? `status ${answer.status}`;
		reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
	}
	return [...reasons].map(([reason, count]) => `${count} × ${reason}`).join(', ');
}

/** Poll a condition every 20 ms until it holds or the deadline passes. */
export async function pollUntil<T>(probe: () => T | undefined, deadlineMs: number, context?: StepContext): Promise<T | undefined> {
	const stopAt = Date.now() + deadlineMs;
	for (;;) {
		const value = probe();
		if (value !== undefined) return value;
		if (Date.now() >= stopAt || context?.signal.aborted) return undefined;
		await new Promise(resolve => setTimeout(resolve, 20));
	}
}

/**
Fail a step that could not judge: the machine (or the checker itself) was too
busy for the trap to be set, so nothing is known to be wrong. Reported as
unjudged, never as a verdict; the kit's tests run such a check again.
*/
export function tooBusyToJudge(context: StepContext, failure: {message: string; expected: string; actual: string}): never {
	return context.fail({
		...failure,
		unjudged: true,
		hint: 'This is not a verdict on your code: run the check again when the machine is quieter.',
	});
}

export function list(pids: Iterable<number | string>): string {
	return [...pids].join(', ') || 'none';
}

/**
The last step of every lab: SIGTERM to the primary, and within 3 s nothing of
its tree may be left. The hints are the lab's own, since what keeps a tree
alive differs (sockets handed to children, draining children, …).
*/
export function sigtermStep(hints: {primaryHint: string; orphanHint: string}): Step {
	return {
		id: 'sigterm',
		title: 'SIGTERM stops the whole tree within 3 s',
		timeoutMs: 6000,
		async run(context) {
			const tree = [context.primaryPid, ...descendantsOf(context.primaryPid).map(proc => proc.pid)];
			context.waitingFor(`pids ${list(tree)} to exit after SIGTERM`);
			process.kill(context.primaryPid, 'SIGTERM');
			const sentAt = Date.now();
			const gone = await pollUntil(() => (tree.every(pid => !isAlive(pid)) ? Date.now() - sentAt : undefined), 3000, context);
			// Seen gone only after the deadline: the checker was stalled past it (it looks every 20 ms
			// otherwise), and the tree may have gone at any moment since its last look. Not a pass: a
			// shutdown with no deadline passed that way beside CPU hogs (lab 07's own step).
			if (gone !== undefined && gone > 3000) {
				tooBusyToJudge(context, {
					message: `The machine was too busy to judge the 3 s deadline: the checker could look only ${gone} ms after SIGTERM, and by then your tree was gone`,
					expected: 'a look at your tree at least every 20 ms for 3 s after SIGTERM',
					actual: `pids ${list(tree)} gone when the checker looked, ${gone} ms after SIGTERM`,
				});
			}
			if (gone !== undefined) return;
			const left = tree.filter(pid => isAlive(pid));
			const primaryLeft = left.includes(context.primaryPid);
			const stillListening = listenInodes(context.port).length > 0;
			context.fail({
				message: primaryLeft ? 'The primary was still running 3 s after SIGTERM' : `The primary exited but left ${left.length} processes running: orphans`,
				expected: 'the primary and all of its children gone within 3 s of SIGTERM',
				actual: [
					`still running: ${left.map(pid => `${pid} (${readProc(pid)?.comm ?? '?'}, parent ${readProc(pid)?.ppid ?? '?'})`).join(', ')}`,
					!primaryLeft && stillListening ? `and they still accept connections on port ${context.port}` : '',
				]
					.filter(Boolean)
					.join('\n'),
				hint: primaryLeft ? hints.primaryHint : hints.orphanHint,
				repro: `kill -TERM <primary pid>; sleep 3; ps -o pid,ppid,cmd -p ${tree.join(',')}`,
			});
		},
	};
}

/**
After an injected fault (a kill, a crash, a reload, reset connections): the
service is entirely healthy again. `count` requests on fresh connections,
`concurrency` at a time, must all answer 200, each from one of `pids` (the
processes that should be serving now, replacements included), and every one
of them must answer at least one: a dead process kept on a dispatch list, or a
replacement that never gets work, fails here. `fault` completes "after …".
`everyPidServes: false` drops that last demand where the kernel, not the
program, picks who accepts (a shared listening socket): the kernel may give a
busy machine's connections all to one process.
*/
export async function requireWholeAgain(
	context: StepContext,
	options: {pids: readonly number[]; fault: string; path?: string; count?: number; concurrency?: number; timeoutMs?: number; everyPidServes?: boolean; hint: string},
): Promise<Answer[]> {
	const {pids, fault, path = '/', count = 10 * pids.length, concurrency = 3, timeoutMs = 5000} = options;
	context.waitingFor(`${count} requests to ${path} after ${fault}`);
	const answers = await context.http.burst({count, concurrency, path: () => path, timeoutMs});
	const failed = answers.filter(answer => answer.status !== 200);
	const strangers = answers.filter(answer => answer.status === 200 && (answer.pid === undefined || !pids.includes(answer.pid)));
	const byPid = countByPid(answers);
	const idle = options.everyPidServes === false ? [] : pids.filter(pid => !byPid.has(pid));
	// The answers, for a caller that also compares them with the program's own counts.
	if (failed.length === 0 && strangers.length === 0 && idle.length === 0) return answers;
	// Requests that got no answer in time while the answered ones took half the bound or more: the
	// machine was too slow to tell slow from lost (seen beside CPU hogs and other runs). A request that a
	// program loses (a dead child still on its list) hangs while the others are answered at once.
	const slowest = Math.max(0, ...answers.filter(answer => answer.status !== 0).map(answer => answer.ms));
	if (failed.length > 0 && failed.every(answer => answer.status === 0 && (answer.error ?? '').startsWith('no answer')) && slowest >= timeoutMs / 2) {
		tooBusyToJudge(context, {
			message: `The machine was too busy to judge the service after ${fault}: ${failed.length} of ${count} requests got no answer within ${timeoutMs} ms, and the answered ones took up to ${slowest} ms`,
			expected: `all ${count} requests answered 200 within ${timeoutMs} ms`,
			actual: `answers by pid: ${[...byPid].map(([pid, n]) => `${pid}: ${n}`).join(', ') || 'none'}`,
		});
	}
	return context.fail({
		message:
			failed.length > 0
				? `After ${fault}, ${failed.length} of ${count} requests failed: the service is not whole again`
				: strangers.length > 0
					? `After ${fault}, ${strangers.length} answers came from a process that is not serving: ${[...new Set(strangers.map(answer => answer.pid ?? "no pid"))].join(", ")}`
					: `After ${fault}, ${idle.length === 1 ? 'process' : 'processes'} ${list(idle)} answered none of ${count} requests`,
		expected: `all ${count} requests answered 200, each of ${list(pids)} answering some`,
		actual: [failed.length > 0 ? describeFailures(failed) : '', `answers by pid: ${[...byPid].map(([pid, n]) => `${pid}: ${n}`).join(', ') || 'none'}`].filter(Boolean).join('\n'),
		hint: options.hint,
		repro: `for i in $(seq ${count}); do ${context.curl(path)} | grep -i x-worker-pid; done | sort | uniq -c`,
	});
}

/**
Children exit on their own when their IPC channel closes, tested apart from
SIGTERM (where a primary that kills its children hides a child that would not
go): `hold` first gives the children a reason to stay (work in flight; a
listening socket is one already), then the primary is SIGKILLed, so it can do
nothing more, and within `withinMs` every child must be gone. The keeper's
process group ends whatever is left once the step is over.
*/
export function exitOnDisconnectStep(options: {holding: string; hint: string; hold?: (context: StepContext, children: number[]) => Promise<void>; withinMs?: number}): Step {
	const withinMs = options.withinMs ?? 3000;
	return {
		id: 'exit-on-disconnect',
		title: `Children exit on their own within ${withinMs / 1000} s when the primary dies`,
		timeoutMs: withinMs + 15_000,
		async run(context) {
			const kids = ipcChildren(context.primaryPid);
			if (kids.length === 0) {
				context.fail({
					message: 'Your primary had no IPC children left to test: this step could not judge',
					expected: 'the children that earlier steps found',
					actual: `children of ${context.primaryPid}: none with an IPC channel`,
				});
			}
			await options.hold?.(context, kids);
			context.waitingFor(`children ${list(kids)} to exit after their primary ${context.primaryPid} was killed with SIGKILL`);
			process.kill(context.primaryPid, 'SIGKILL');
			const killedAt = Date.now();
			const gone = await pollUntil(() => (kids.every(pid => !isAlive(pid)) ? true : undefined), withinMs, context);
			// Seen gone only after the bound: the checker was stalled past it, and cannot say when they went.
			if (gone && Date.now() - killedAt > withinMs) {
				tooBusyToJudge(context, {
					message: `The machine was too busy to judge the ${withinMs / 1000} s bound: the checker could look only ${Date.now() - killedAt} ms after the primary was killed, and by then its children were gone`,
					expected: `a look at the children at least every 20 ms for ${withinMs / 1000} s`,
					actual: `children ${list(kids)} gone when the checker looked`,
				});
			}
			if (gone) {
				context.note(`all ${kids.length} children gone ${Date.now() - killedAt} ms after the primary was killed`);
				return;
			}
			const left = kids.filter(pid => isAlive(pid));
			context.fail({
				message: `${left.length} of ${kids.length} children were still running ${withinMs / 1000} s after their primary was killed: orphans`,
				expected: `every child exits on its own once its IPC channel closes, within ${withinMs / 1000} s, even while ${options.holding}`,
				actual: `still running: ${left.map(pid => `${pid} (parent now ${readProc(pid)?.ppid ?? '?'})`).join(', ')}`,
				hint: options.hint,
				repro: `kill -9 <primary pid>; sleep ${withinMs / 1000}; ps -o pid,ppid,cmd -p ${kids.join(',')}`,
			});
		},
	};
}

/**
A deadline tested with work in flight that outlasts it: while `step` runs (the
sigterm step), an idle keep-alive connection (one request answered) and a
request whose headers never end stay open. A shutdown that waits for its
connections to finish (server.close() alone, a child told to drain with no
deadline) never ends. The step runs even if the connections could not be set
up in time (a busy machine): it then judges what it can, and says so.
*/
export function withIdleAndHalfSent(step: Step): Step {
	return {
		...step,
		title: `${step.title}, with an idle keep-alive connection and a half-sent request open`,
		// Setting them up may take up to 10 s on a busy machine, before the step's own deadline starts to matter.
		timeoutMs: step.timeoutMs + 12_000,
		async run(context) {
			context.waitingFor('an idle keep-alive connection and a half-sent request, open before SIGTERM');
			const held = await holdIdleAndHalfSent(context.host, context.port);
			try {
				await step.run(context);
				if (!held.ready) context.note('the idle keep-alive connection and the half-sent request were not both held by your program within 10 s: judged without them');
			} finally {
				held.close();
			}
		},
	};
}

export type ClusterWorker = {pid: number; uniqueId: number};

/**
The primary's children that are cluster workers: forked with an IPC channel
(NODE_CHANNEL_FD) and given NODE_UNIQUE_ID by cluster.fork(). Node deletes
NODE_UNIQUE_ID from the worker's process.env at start-up, but the environment
the kernel handed to exec keeps it. In the order of their ids.
*/
export function clusterWorkers(primaryPid: number): ClusterWorker[] {
	const found: ClusterWorker[] = [];
	for (const pid of ipcChildren(primaryPid)) {
		const id = environ(pid)?.NODE_UNIQUE_ID;
		if (id !== undefined && /^\d+$/.test(id)) found.push({pid, uniqueId: Number(id)});
	}
	return found.sort((a, b) => a.uniqueId - b.uniqueId);
}
