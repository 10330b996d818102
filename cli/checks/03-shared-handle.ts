import http from 'node:http';
import {childrenOf, descendantsOf, fdCount, holdersOf, isAlive, readProc, socketInodes, tcpRows, tcpRowsOnPort} from '../harness/procfs.js';
import {countByPid, workerPidFrom, type Answer} from '../harness/traffic.js';
import {sampleProcess} from '../harness/cpu-share.js';
import {stuckNote, describeFailures, exitOnDisconnectStep, ipcChildren, list, pollUntil, requireWorkerCount, requireWorkerPid, startsStep, sigtermStep, tooBusyToJudge, withIdleAndHalfSent} from './common.js';
import type {LabCheck, StepContext} from './step.js';
import {pollsSocket} from '../harness/accepting.js';
import {holdEnvironment, HOLD_VARIABLES, restartWithChildrenHeldUnlessWaiting} from '../harness/hold-at-start.js';
import {connectionQueue} from '../harness/open-connections.js';

/** Not the lesson's default (2), so a hard-coded count fails. */
const WORKERS = 3;
/** The restart's count: a program that hard-codes the first one fails. One child, because starting processes is what costs time on a busy machine. */
const MORE_WORKERS = 1;
/** How long a child (a replacement, or one of a restart) may take to hold and watch the socket: tsx start-up under load. */
const ACCEPTING_WITHIN_MS = 8000;
/** How long a probe waits for its answer: a hung connection costs this much. */
const PROBE_TIMEOUT_MS = 2000;
/** More time for an unanswered connection that a child holds (see probeBatch): a loaded machine's slowness, not a hang. */
const PROBE_GRACE_MS = 6000;
/**
The bound on a request where a correct program answers at once and the step
judges something else: a hang costs this much, and a busy checker (CPU hogs,
other checks in its process) never makes an answer that came look lost.
*/
const ANSWER_TIMEOUT_MS = 8000;
/** Allowed fd growth per process over the burst (a lazily opened log file, a DNS socket…). */
const FD_SLACK = 2;

/** listenInodes() for PORT, parsing only PORT's rows of /proc/net/tcp (see tcpRowsOnPort). */
function listenInodes(port: number): number[] {
	return [...new Set(tcpRowsOnPort(port).filter(row => row.state === 'LISTEN' && row.inode !== 0).map(row => row.inode))].sort((a, b) => a - b);
}

/**
`read`, but at most once every `everyMs`: reading /proc/net/tcp costs tens of
ms on a busy machine, too much to repeat in a 20 ms polling loop.
*/
function throttled<T>(read: () => T, everyMs = 250): () => T {
	let last: {at: number; value: T} | undefined;
	return () => {
		if (!last || Date.now() - last.at >= everyMs) last = {at: Date.now(), value: read()};
		return last.value;
	};
}

function children(context: StepContext): number[] {
	return context.memo.get('children') as number[];
}

/** The primary and everything below it: the only processes whose fd tables are scanned. */
function treePids(context: StepContext): number[] {
	return [context.primaryPid, ...descendantsOf(context.primaryPid).map(proc => proc.pid)];
}

/** One line per problem, at most a few examples each, so messages stay readable. */
function examples<T>(items: T[], show: (item: T) => string, max = 3): string {
	const shown = items.slice(0, max).map(show);
	if (items.length > max) shown.push(`… and ${items.length - max} more`);
	return shown.join('\n');
}

/** "4101: 20, 4102: 19" in the order of `pids`, zeros included. */
function perPid(pids: number[], counts: Map<number, number>): string {
	return pids.map(pid => `${pid}: ${counts.get(pid) ?? 0}`).join(', ');
}

/** One connection the checker opened, answered or not, and who held its server side. */
type Probe = {
	status: number;
	/** x-worker-pid, when numeric. */
	pid?: number;
	/** Why there was no answer. */
	error?: string;
	hung: boolean;
	/** Pids (of the learner's tree) holding the server side of this connection, read from /proc. */
	owners: number[];
};

/** One GET the checker sent on a fresh connection, still open: see openProbes. */
type OpenProbe = {clientPort?: number; status: number; pid?: number; error?: string; done: boolean; settled: Promise<void>};

/**
Open `size` fresh connections at once, one GET each, and keep them open until
close(): a connection that hangs can still be looked up in /proc. `owners()`
reads /proc/net/tcp once and the fd tables of the learner's processes once,
and says which of them holds the server side of each connection.
*/
function openProbes(context: StepContext, size: number): {pending: OpenProbe[]; within: (items: OpenProbe[], ms: number) => Promise<void>; owners: () => number[][]; close: () => void} {
	const agents: http.Agent[] = [];
	const requests: http.ClientRequest[] = [];
	const pending: OpenProbe[] = [];
	for (let index = 0; index < size; index++) {
		const agent = new http.Agent({keepAlive: true, maxSockets: 1});
		agents.push(agent);
		let settle!: () => void;
		const item: OpenProbe = {status: 0, done: false, settled: new Promise<void>(resolve => (settle = resolve))};
		pending.push(item);
		const request = http.get({host: context.host, port: context.port, path: '/', agent}, response => {
			response.resume();
			response.on('end', () => {
				item.status = response.statusCode ?? 0;
				item.pid = workerPidFrom(response.headers['x-worker-pid']);
				item.done = true;
				settle();
			});
		});
		requests.push(request);
		request.on('socket', socket => socket.on('connect', () => (item.clientPort = socket.localPort)));
		request.on('error', error => {
			if (item.done) return;
			item.error = (error as NodeJS.ErrnoException).code ?? error.message;
			item.done = true;
			settle();
		});
	}
	const within = async (items: OpenProbe[], ms: number) => {
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([Promise.all(items.map(item => item.settled)), new Promise(resolve => (timer = setTimeout(resolve, ms)))]);
		clearTimeout(timer);
	};
	const owners = () => {
		const rows = tcpRowsOnPort(context.port).filter(row => row.state !== 'LISTEN' && row.inode !== 0);
		const fds = treePids(context).map(pid => ({pid, inodes: socketInodes(pid)}));
		return pending.map(item => {
			const inodes = rows.filter(row => row.remotePort === item.clientPort).map(row => row.inode);
			return fds.filter(({inodes: held}) => inodes.some(inode => held.has(inode))).map(({pid}) => pid);
		});
	};
	const close = () => {
		for (const request of requests) request.destroy();
		for (const agent of agents) agent.destroy();
	};
	return {pending, within, owners, close};
}

/**
openProbes, judged: wait until every connection has answered or `timeoutMs`
has passed, look them up in /proc once (one read per batch rather than per
connection matters: on a busy machine /proc/net/tcp has thousands of
TIME_WAIT rows and one read can take 100 ms or more), then close them.

A connection still unanswered then, and not held by the primary (a child
holds it, or it still waits in the listen queue), gets up to `graceMs` more
before it counts as hung: on a loaded machine a correct child can take
seconds to answer, while a connection the primary accepted with no handler
never will, so that mistake is still judged at `timeoutMs`.
*/
async function probeBatch(context: StepContext, size: number, timeoutMs: number, graceMs = PROBE_GRACE_MS): Promise<Probe[]> {
	const {pending, within, owners, close} = openProbes(context, size);
	await within(pending, timeoutMs);
	const owned = owners();
	const late = pending.filter((item, index) => !item.done && !owned[index]!.includes(context.primaryPid));
	if (late.length > 0 && graceMs > 0) await within(late, graceMs);
	const probes = pending.map((item, index) => {
		const hung = !item.done;
		const waited = late.includes(item) ? timeoutMs + graceMs : timeoutMs;
		return {status: item.status, pid: item.pid, error: hung ? `no answer within ${waited} ms` : item.error, hung, owners: owned[index]!};
	});
	close();
	return probes;
}

/** Batches of probeBatch until `count` connections, stopping early once `stopAfterHangs` have hung. */
async function probeMany(context: StepContext, options: {count: number; batch: number; stopAfterHangs: number}): Promise<Probe[]> {
	const probes: Probe[] = [];
	while (probes.length < options.count && probes.filter(probe => probe.hung).length < options.stopAfterHangs && !context.signal.aborted) {
		probes.push(...(await probeBatch(context, Math.min(options.batch, options.count - probes.length), PROBE_TIMEOUT_MS)));
	}
	return probes;
}

/** "127.0.0.1:41234 (pid 4102)" for every TCP socket the given pids listen on, other than port. */
function otherListeners(pids: number[], port: number): string[] {
	const found: string[] = [];
	const listening = tcpRows().filter(row => row.state === 'LISTEN' && row.localPort !== port && row.inode !== 0);
	for (const pid of pids) {
		const inodes = socketInodes(pid);
		for (const row of listening) if (inodes.has(row.inode)) found.push(`${row.localAddress}:${row.localPort} (pid ${pid})`);
	}
	return found;
}

/**
Read the fd counts of pids (and `extra`, e.g. the number of connections in
CLOSE_WAIT) every 20 ms until nothing has changed for `quietMs`, or `done` says
the counts are where they should be, or the deadline passes: settling by
bounded polling rather than by a fixed sleep.
*/
async function settledFdCounts(
	pids: number[],
	options: {done?: (counts: Map<number, number>) => boolean; quietMs: number; deadlineMs: number; extra?: () => number},
	context: StepContext,
): Promise<Map<number, number>> {
	const {done = () => false, quietMs, deadlineMs, extra = () => 0} = options;
	const read = () => new Map(pids.map(pid => [pid, fdCount(pid) ?? 0]));
	const signature = (counts: Map<number, number>) => `${[...counts.values()].join(',')}/${extra()}`;
	let last = read();
	let lastSignature = signature(last);
	let changedAt = Date.now();
	const settled = await pollUntil(
		() => {
			const now = read();
			const nowSignature = signature(now);
			if (nowSignature !== lastSignature) changedAt = Date.now();
			last = now;
			lastSignature = nowSignature;
			return done(now) || Date.now() - changedAt >= quietMs ? now : undefined;
		},
		deadlineMs,
		context,
	);
	return settled ?? last;
}

/**
Every one of `kids` accepts on the one listening socket of PORT: the socket is
in its fd table and its event loop watches it for connections (epoll, as in
primary-serves-nothing). Deterministic where counting answers is not: the
kernel may give a child few connections, but one that watches the socket takes
its share of the races. Waits, bounded, for children that are still starting.
*/
async function requireEveryChildAccepts(context: StepContext, kids: number[], when: string, hint: string): Promise<void> {
	context.waitingFor(`children ${list(kids)} to accept on the listening socket of port ${context.port}`);
	const inodesNow = throttled(() => listenInodes(context.port));
	const accepting = (pid: number) => {
		const inodes = inodesNow();
		return inodes.length === 1 && socketInodes(pid).has(inodes[0]!) && pollsSocket(pid, inodes[0]!) !== undefined;
	};
	await pollUntil(() => (kids.every(accepting) ? true : undefined), ACCEPTING_WITHIN_MS, context);
	const idle = kids.filter(pid => !accepting(pid));
	if (idle.length === 0) return;
	const inodes = listenInodes(context.port);
	context.fail({
		message: `${when}, ${idle.length} of your ${kids.length} children do not accept connections on the listening socket`,
		expected: `every child (${list(kids)}) holds the one listening socket of port ${context.port} and its event loop watches it, within ${ACCEPTING_WITHIN_MS / 1000} s`,
		actual: [
			inodes.length === 1 ? `listening socket: inode ${inodes[0]}` : `${inodes.length} listening sockets on port ${context.port}`,
			...idle.map(pid => `child ${pid}: ${inodes.length === 1 && socketInodes(pid).has(inodes[0]!) ? 'holds the socket but does not watch it (no listen() on it)' : 'does not hold the socket'}`),
		].join('\n'),
		hint,
		repro: `ss -tlnp 'sport = :${context.port}'   # users: lists every process holding the socket`,
	});
}

/** How long a restarted program's children are held at their start, at most: a primary that waits for them is let go as soon as it is seen waiting. */
const EARLY_HOLD_MS = 10_000;
/** How long a primary must sleep with nothing to do, its children held and nothing listening, to count as waiting for them. */
const WAITING_QUIET_MS = 400;
/** Connections opened while the children are held: each must be answered once they start. */
const EARLY_COUNT = 8;
/** More time for them once the child has answered a burst after them: it accepted them first. */
const EARLY_GRACE_MS = 5000;

type EarlyConnections = {heldAtListen: number[]; stillHeld: boolean; probes: ReturnType<typeof openProbes>};

/**
Requests racing start-up, made certain (the "server sent before the child is
ready" pitfall). The restart's children are held at their start, before any
of their code runs, so none can say it is ready. A primary that waits for
'ready' has nothing to do then: it is let go, and nothing is early (undefined).
A primary that listens at once listens while they are held: EARLY_COUNT
connections are opened then, and wait in the socket's queue until the children
go on. A child that is sent the server before its 'message' listener exists
accepts them with nobody to answer them.
*/
async function sendWhileChildrenHeld(context: StepContext): Promise<EarlyConnections | undefined> {
	context.waitingFor(`your program to listen after a restart with WORKERS=${MORE_WORKERS}, its child held at its start (a primary that waits for 'ready' is let go once it is seen waiting)`);
	const {hold, waited} = await restartWithChildrenHeldUnlessWaiting(
		context.env.NCL_HOLD_FILE!,
		{maxMs: EARLY_HOLD_MS, children: MORE_WORKERS, quietMs: WAITING_QUIET_MS, primaryPid: () => context.primaryPid, listening: () => listenInodes(context.port).length > 0},
		() => context.restart({WORKERS: String(MORE_WORKERS)}),
	);
	try {
		if (waited) return undefined;
		// A primary that listens at once may do so before its child has reached the hold (a fork takes a
		// while to become a Node process): wait, bounded, until every child it forked has been held.
		await pollUntil(() => {
			const kids = ipcChildren(context.primaryPid);
			const registered = hold.registered();
			return kids.length > 0 && kids.every(pid => registered.includes(pid)) ? true : undefined;
		}, ACCEPTING_WITHIN_MS, context);
		const heldAtListen = hold.held();
		if (heldAtListen.length === 0) return undefined;
		context.waitingFor(`${EARLY_COUNT} connections to reach the queue of port ${context.port} while child ${list(heldAtListen)} is held`);
		const probes = openProbes(context, EARLY_COUNT);
		// A handshake, not a sleep: each connection is in /proc (queued, or accepted) before the child goes on.
		await pollUntil(() => (probes.pending.every(item => item.done || (item.clientPort !== undefined && connectionQueue(context.port, item.clientPort) !== undefined)) ? true : undefined), 5000, context);
		return {heldAtListen, stillHeld: hold.held().length > 0, probes};
	} finally {
		hold.release();
	}
}

/** The connections of sendWhileChildrenHeld, once the child has answered a burst: every one answered 200, else the child accepted before it was ready. */
async function requireEarlyAnswered(context: StepContext, early: EarlyConnections | undefined): Promise<void> {
	if (!early) return;
	const {probes, heldAtListen, stillHeld} = early;
	context.waitingFor(`answers to the ${EARLY_COUNT} connections opened while child ${list(heldAtListen)} was held`);
	await probes.within(probes.pending, EARLY_GRACE_MS);
	const owners = probes.owners();
	probes.close();
	const unanswered = probes.pending.map((item, index) => ({item, owners: owners[index]!})).filter(({item}) => !item.done || item.status !== 200);
	const byChild = unanswered.filter(({item, owners}) => !item.done && owners.some(pid => pid !== context.primaryPid));
	if (unanswered.length > 0) {
		context.fail({
			message:
				byChild.length > 0
					? `${byChild.length} of ${EARLY_COUNT} connections made while your child was still starting were accepted and never answered: it had the server before it was ready`
					: `${unanswered.length} of ${EARLY_COUNT} connections made while your child was still starting failed`,
			expected: `after a restart with WORKERS=${MORE_WORKERS}, every connection answered 200, also those made while the child is still starting (your primary listened while child ${list(heldAtListen)} was held at its start, before any of its code ran)`,
			actual: [
				describeFailures(unanswered.map(({item}) => ({path: '/', status: item.status, headers: {}, body: '', ms: 0, finishedAt: 0, error: item.done ? item.error : `no answer, ${EARLY_GRACE_MS / 1000} s after the child had answered newer connections`}))),
				byChild.length > 0 ? `held by: ${[...countBy(byChild.flatMap(({owners}) => owners))].map(([pid, n]) => `${pid === context.primaryPid ? 'primary' : 'child'} ${pid}: ${n}`).join(', ')}` : '',
			]
				.filter(Boolean)
				.join('\n'),
			hint: "The server a child receives is already listening: if it arrives before the child's 'message' listener exists (an await during start-up is enough), it accepts connections with nobody to answer them. Have each child add its listener and then process.send('ready'); fork every child, count their 'ready' messages, and only then listen and send.",
			repro: `${context.runItYourself} &  sleep 0.2; curl -s -m 5 -o /dev/null -w '%{http_code}\\n' ${context.baseUrl}/   # 000: hung`,
		});
	}
	// Listened while the child was held, and all answered, but the hold had run out before the connections were queued: nothing was early.
	if (!stillHeld) {
		tooBusyToJudge(context, {
			message: `The machine was too busy to judge connections racing start-up: your program listened while child ${list(heldAtListen)} was held at its start, but the ${EARLY_COUNT} connections reached the queue only after the ${EARLY_HOLD_MS / 1000} s hold was over`,
			expected: 'the connections queued while the child is still held',
			actual: `all ${EARLY_COUNT} answered 200; nothing was early by the time they were queued`,
		});
	}
}

export const sharedHandleCheck: LabCheck = {
	lab: '03-shared-handle',
	env: () => ({WORKERS: String(WORKERS), ...holdEnvironment('ncl-03-hold')}),
	kitVariables: HOLD_VARIABLES,
	variables: {WORKERS: [String(WORKERS), String(MORE_WORKERS)]},
	steps: [
		// The primary listens only once every child is ready: tsx in 1 + WORKERS processes, slow on a busy machine.
		startsStep(20_000),
		{
			id: 'answers',
			title: 'Answers GET / with 200 and x-worker-pid',
			timeoutMs: 30_000,
			async run(context) {
				// A connection that hangs is not judged here: the steps below say who
				// accepted it. This step wants one answer, trying a new connection each
				// time, so that a primary that steals some connections fails later,
				// with a message that names it.
				const ATTEMPTS = 15;
				const ATTEMPT_TIMEOUT_MS = 1500;
				const cpuBefore = sampleProcess(context.primaryPid);
				const hung: Answer[] = [];
				let answer: Answer | undefined;
				for (let attempt = 1; attempt <= ATTEMPTS && !context.signal.aborted; attempt++) {
					context.waitingFor(`an answer to GET / (attempt ${attempt} of ${ATTEMPTS}, each on a new connection)`);
					const got = await context.http.get('/', {timeoutMs: ATTEMPT_TIMEOUT_MS});
					if (got.status === 0 && (got.error ?? '').startsWith('no answer')) {
						hung.push(got);
						continue;
					}
					answer = got;
					break;
				}
				const repro = context.curl('/');
				if (!answer || answer.status === 0) {
					return context.fail({
						message: answer ? `GET / failed: ${answer.error}` : `GET / got no answer on any of ${ATTEMPTS} connections`,
						expected: '200 with an x-worker-pid header, from one of your children',
						actual: [answer ? answer.error : `${hung.length} × no answer within ${ATTEMPT_TIMEOUT_MS} ms`, stuckNote(context.primaryPid, cpuBefore)].filter(Boolean).join('\n'),
						hint: 'Something accepts connections but never answers. Does each child receive the server and call listen() on it? A server sent before listen() has finished arrives without a handle, and one sent before the child has a "message" listener starts accepting with nobody to answer.',
						repro,
					});
				}
				if (answer.status !== 200) {
					context.fail({
						message: `GET / answered ${answer.status}, not 200`,
						expected: '200 with an x-worker-pid header',
						actual: `status ${answer.status}, body ${JSON.stringify(answer.body.slice(0, 200))}`,
						repro,
					});
				}
				requireWorkerPid(context, answer, {who: 'the process that answered', repro});
				if (hung.length > 0) context.note(`${hung.length} connection(s) got no answer before this one; the next steps look at who accepted such connections`);
			},
		},
		{
			id: 'children',
			title: `Forks WORKERS (${WORKERS}) children with an IPC channel`,
			timeoutMs: 8000,
			async run(context) {
				// Children may still be starting (each loads the TypeScript loader); wait, bounded.
				const settled = await pollUntil(() => {
					const pids = ipcChildren(context.primaryPid);
					return pids.length >= WORKERS ? pids : undefined;
				}, 5000, context);
				const pids = settled ?? ipcChildren(context.primaryPid);
				const repro = `${context.runItYourself} &  sleep 2; ps -o pid,ppid,args --forest -C node`;
				if (pids.length === 0) {
					context.fail({
						message: 'Your primary has no child processes with an IPC channel',
						expected: `${WORKERS} children started with child_process.fork() (they have NODE_CHANNEL_FD in /proc/<pid>/environ)`,
						actual: (() => {
							const plain = childrenOf(context.primaryPid).filter(child => child.comm !== 'esbuild');
							return plain.length > 0 ? `child processes without an IPC channel: ${list(plain.map(child => child.pid))} (started with spawn or exec rather than fork?)` : 'no child processes at all: whoever answers GET /, it is not a child of your primary';
						})(),
						hint: 'fork() worker.ts WORKERS times from main.ts, and send each child the listening server: child.send("server", server).',
						repro,
					});
				}
				requireWorkerCount(context, pids, WORKERS, {repro});
				context.memo.set('children', pids);
			},
		},
		{
			id: 'one-listen-socket',
			title: 'One listening socket on PORT, held by every child',
			timeoutMs: 8000,
			async run(context) {
				const kids = children(context);
				const tree = [context.primaryPid, ...kids];
				context.waitingFor(`every child to hold the listening socket of port ${context.port}`);
				// A child that has just started may not have received the socket yet.
				const inodesNow = throttled(() => listenInodes(context.port));
				await pollUntil(() => {
					const inodes = inodesNow();
					return inodes.length === 1 && kids.every(pid => socketInodes(pid).has(inodes[0]!)) ? true : undefined;
				}, 5000, context);
				const inodes = listenInodes(context.port);
				const repro = `ss -tlnp 'sport = :${context.port}'   # one LISTEN line; users: lists every process holding it`;
				if (inodes.length === 0) {
					context.fail({
						message: `Nothing listens on port ${context.port} any more`,
						expected: `one listening socket on port ${context.port}`,
						actual: 'no LISTEN socket on that port in /proc/net/tcp',
						hint: 'Did every holder of the socket close it? The children must keep the server they were sent.',
						repro,
					});
				}
				if (inodes.length > 1) {
					context.fail({
						message: `There are ${inodes.length} separate listening sockets on port ${context.port}, not one shared socket`,
						expected: `one listening socket (one inode) that the primary opened and sent to every child`,
						actual: inodes.map(inode => `socket inode ${inode} held by ${list(holdersOf(inode, tree))}`).join('\n'),
						hint: 'Each process opened its own socket (reusePort, or listen() in every child). In this lab the primary listens once and sends that server to each child with child.send("server", server); the children listen on what they receive.',
						repro,
					});
				}
				const inode = inodes[0]!;
				const holders = holdersOf(inode, tree);
				const missing = kids.filter(pid => !holders.includes(pid));
				if (missing.length > 0) {
					const elsewhere = otherListeners(kids, context.port);
					const onlyPrimary = holders.length === 1 && holders[0] === context.primaryPid;
					context.fail({
						message: onlyPrimary
							? `Only your primary holds the listening socket of port ${context.port}: it is not shared with the children`
							: `The listening socket of port ${context.port} is not shared with every child: ${missing.length} of ${kids.length} do not hold it`,
						expected: `the socket (inode ${inode}) in the fd table of every child: ${list(kids)}`,
						actual: [
							`held by: ${list(holders)}${holders.includes(context.primaryPid) ? ` (${context.primaryPid} is your primary)` : ''}`,
							`not held by: ${list(missing)}`,
							elsewhere.length > 0 ? `your children listen on their own ports instead: ${elsewhere.join(', ')}` : '',
						]
							.filter(Boolean)
							.join('\n'),
						hint: elsewhere.length > 0
							? 'Children with their own ports behind a primary that forwards requests is a reverse proxy, not a shared socket. Send the listening server itself: child.send("server", server), and in the child server.listen(handle).'
							: 'Send the server to every child once it is listening (inside the listen callback), and have each child listen on the handle it receives. (A primary that accepts every connection and passes it on, as the cluster module does by default or as lab 04 does on purpose, also keeps the socket to itself.)',
						repro,
					});
				}
				context.memo.set('inode', inode);
			},
		},
		{
			id: 'primary-serves-nothing',
			title: "The primary accepts no connections: every one is a child's",
			timeoutMs: 45_000,
			async run(context) {
				const COUNT = 40;
				const primary = context.primaryPid;
				const kids = children(context);
				context.waitingFor(`${COUNT} fresh connections, 8 at a time, each looked up in /proc`);
				const probes = await probeMany(context, {count: COUNT, batch: 8, stopAfterHangs: 5});
				const hung = probes.filter(probe => probe.hung);
				const byPrimary = probes.filter(probe => probe.owners.includes(primary));
				const repro = `for i in $(seq 20); do curl -s -m 2 -o /dev/null -w '%{http_code}\\n' ${context.baseUrl}/; done | sort | uniq -c   # 000 = no answer`;
				const ownerCounts = countByOwner(probes);
				const owned = `accepted by: primary ${primary}: ${ownerCounts.get(primary) ?? 0}; children ${perPid(kids, ownerCounts)}`;
				const inode = context.memo.get('inode') as number;
				const polling = pollsSocket(primary, inode);
				if (byPrimary.length > 0 || polling) {
					const silent = byPrimary.filter(probe => probe.hung).length;
					context.fail({
						message:
							silent > 0 || byPrimary.length === 0
								? `${silent > 0 ? `${silent} of ${probes.length} connections hung: ` : ''}your primary still accepts connections on the shared socket, and nobody answers them`
								: `${byPrimary.length} of ${probes.length} connections were accepted by your primary (pid ${primary}), not by a child`,
						expected: 'every connection accepted and answered by a child; the primary stops accepting once the children have the socket',
						actual: [
							`${byPrimary.length} of ${probes.length} sampled connections were held by your primary (pid ${primary}); ${silent} of them got no answer within ${PROBE_TIMEOUT_MS} ms`,
							owned,
							polling
								? `your primary's event loop still watches the listening socket (fd ${polling.fd}, inode ${inode}) for connections: see /proc/${primary}/fdinfo/${polling.epollFd}, so it takes some of them${byPrimary.length === 0 ? ' (none in this sample, by chance)' : ''}`
								: '',
						]
							.filter(Boolean)
							.join('\n'),
						hint:
							silent > 0 || byPrimary.length === 0
								? "A primary that keeps its copy of the listening socket open accepts connections too: its event loop is idle, so it wins some of them, and with no handler they hang. Close the primary's copy once every child has its own (server.close() after the send callbacks), or send a socket that is bound but not listening (see the lesson)."
								: 'The primary must not serve on the shared socket, even correctly: close its copy once the children have theirs.',
						repro,
					});
				}
				if (hung.length > 0) {
					const nobody = hung.filter(probe => probe.owners.length === 0).length;
					context.fail({
						message: `${hung.length} of ${probes.length} connections got no answer within ${(PROBE_TIMEOUT_MS + PROBE_GRACE_MS) / 1000} s`,
						expected: 'every connection answered by a child',
						actual: [
							`held by a child but never answered: ${hung.length - nobody}`,
							nobody > 0 ? `not accepted by any process (still waiting in the listen queue): ${nobody}` : '',
							owned,
						]
							.filter(Boolean)
							.join('\n'),
						hint: 'Every process that holds the listening socket must accept on it with a working HTTP server: a net.Server with no handler accepts connections and never answers them.',
						repro,
					});
				}
				const broken = probes.filter(probe => probe.status !== 200);
				if (broken.length > 0) {
					context.fail({
						message: `${broken.length} of ${probes.length} connections failed`,
						expected: 'every connection answered 200 by a child',
						actual: `${describeProbes(broken)}\n${owned}`,
						repro,
					});
				}
				context.note(`${probes.length} connections ${owned}`);
			},
		},
		{
			id: 'spread',
			title: 'Fresh connections reach more than one child',
			timeoutMs: 35_000,
			async run(context) {
				const COUNT = 150;
				const kids = children(context);
				context.waitingFor(`answers to ${COUNT} requests, each on a new connection, 8 at a time`);
				// Bounded in time as well: on a very busy machine the verdict is taken on
				// the answers that came (a child that never accepts answers none of them).
				const answers = await context.http.burst({count: COUNT, concurrency: 8, timeoutMs: ANSWER_TIMEOUT_MS, deadlineMs: 15_000, path: () => '/'});
				const failed = answers.filter(answer => answer.status !== 200);
				if (failed.length > 0) {
					context.fail({
						message: `${failed.length} of ${answers.length} requests failed`,
						expected: 'status 200 for every request',
						actual: describeFailures(failed),
						repro: context.curl('/'),
					});
				}
				const tally = countByPid(answers);
				const answering = kids.filter(pid => tally.has(pid));
				const strangers = [...tally.keys()].filter(pid => !kids.includes(pid));
				if (answering.length < 2) {
					context.fail({
						message: answering.length === 1 ? `Only one child (pid ${answering[0]}) answered ${answers.length} fresh connections: the others never accept` : `None of your children answered: x-worker-pid never names one of them`,
						expected: 'at least 2 of your children answer (the kernel spreads new connections among the processes that accept on the socket; it need not be even)',
						actual: [`answers per child: ${perPid(kids, tally)}`, strangers.length > 0 ? `other x-worker-pid values: ${strangers.join(', ')}` : ''].filter(Boolean).join('\n'),
						hint: 'Every child must call listen() on the handle it receives, as soon as it receives it. A child that only holds the socket never accepts from it.',
						repro: `npx node-cluster-lab load ${context.baseUrl}/ --requests 300`,
					});
				}
				context.memo.set('tally', tally);
				context.note(`${answers.length} fresh connections: ${perPid(kids, tally)}`);
			},
		},
		{
			id: 'honest-pids',
			title: 'x-worker-pid names the process that really holds the connection',
			timeoutMs: 35_000,
			async run(context) {
				const COUNT = 24;
				context.waitingFor(`${COUNT} fresh connections, 8 at a time, each looked up in /proc`);
				const probes = await probeMany(context, {count: COUNT, batch: 8, stopAfterHangs: 3});
				const failed = probes.filter(probe => probe.status !== 200);
				if (failed.length > 0) {
					context.fail({message: `${failed.length} of ${probes.length} requests failed`, expected: 'status 200', actual: describeProbes(failed), repro: context.curl('/')});
				}
				const seen = probes.filter(probe => probe.owners.length > 0);
				if (seen.length < COUNT / 2) {
					context.fail({
						message: `The server closed ${COUNT - seen.length} of ${COUNT} connections before the checker could see who held them`,
						expected: 'connections stay open until the client closes them (HTTP keep-alive, the default in node:http)',
						actual: `owner found for ${seen.length} of ${COUNT}`,
						hint: 'Do not send "connection: close" or destroy the socket after answering: the checker looks each connection up in /proc after its answer.',
						repro: context.curl('/'),
					});
				}
				const lies = seen.filter(probe => probe.owners.length !== 1 || probe.owners[0] !== probe.pid);
				if (lies.length > 0) {
					context.fail({
						message: `${lies.length} of ${seen.length} answers name a pid in x-worker-pid that did not serve the connection`,
						expected: 'x-worker-pid is the pid of the process holding the connection (read from /proc/net/tcp and /proc/<pid>/fd)',
						actual: examples(lies, probe => `x-worker-pid: ${probe.pid ?? 'none'}, but the connection was held by ${list(probe.owners)}`),
						hint: 'Each child answers with its own process.pid. Do not write a pid you were told about, computed, or relayed from another process.',
						repro: `curl -sv ${context.baseUrl}/ 2>&1 | grep -iE 'local port|x-worker-pid'   # then: ss -tnp 'sport = :${context.port}'`,
					});
				}
				context.note(`${seen.length} connections: x-worker-pid matched /proc every time`);
			},
		},
		{
			id: 'no-fd-growth',
			title: 'No file descriptors leak over 100 requests',
			timeoutMs: 40_000,
			async run(context) {
				const COUNT = 100;
				const pids = [context.primaryPid, ...ipcChildren(context.primaryPid)];
				const name = (pid: number) => (pid === context.primaryPid ? `primary ${pid}` : `child ${pid}`);
				context.waitingFor('the fd counts of your processes to settle');
				const before = await settledFdCounts(pids, {quietMs: 100, deadlineMs: 3000}, context);
				// Connections left half-closed before the burst (a start-up that accepted too early, judged
				// deterministically by one-worker) are not this step's: only the burst's own are judged here.
				const rowKey = (row: {remotePort: number; inode: number}) => `${row.remotePort}/${row.inode}`;
				const closeWaitBefore = new Set(tcpRowsOnPort(context.port).filter(row => row.state === 'CLOSE_WAIT').map(rowKey));
				const newCloseWait = () => tcpRowsOnPort(context.port).filter(row => row.state === 'CLOSE_WAIT' && !closeWaitBefore.has(rowKey(row)));
				context.waitingFor(`answers to ${COUNT} requests, each on a new connection`);
				// Bounded in time too: on a loaded machine the counts are judged on what was sent.
				const answers = await context.http.burst({count: COUNT, concurrency: 8, timeoutMs: ANSWER_TIMEOUT_MS, deadlineMs: 15_000, path: () => '/'});
				const failed = answers.filter(answer => answer.status !== 200);
				if (failed.length > 0) {
					context.fail({message: `${failed.length} of ${answers.length} requests failed`, expected: 'status 200', actual: describeFailures(failed), repro: context.curl('/')});
				}
				// Closing is asynchronous on both sides: poll until the counts are back, or
				// until neither they nor the number of half-closed connections has moved
				// for half a second (a busy machine may take that long to close a socket).
				context.waitingFor('the fd counts to settle after the burst');
				const closeWait = throttled(() => newCloseWait().length);
				const back = (counts: Map<number, number>) => pids.every(pid => counts.get(pid)! - before.get(pid)! <= FD_SLACK) && closeWait() === 0;
				const after = await settledFdCounts(pids, {done: back, quietMs: 500, deadlineMs: 5000, extra: closeWait}, context);
				const grown = pids.filter(pid => after.get(pid)! - before.get(pid)! > FD_SLACK && isAlive(pid));
				const stuck = newCloseWait();
				const stuckBy = new Map<number, number>();
				for (const row of stuck) for (const pid of holdersOf(row.inode, pids)) stuckBy.set(pid, (stuckBy.get(pid) ?? 0) + 1);
				const stuckLine = stuck.length > 0 ? `${stuck.length} connection(s) on port ${context.port} in CLOSE_WAIT${stuckBy.size > 0 ? `, held by ${[...stuckBy].map(([pid, count]) => `${name(pid)}: ${count}`).join(', ')}` : ''}` : '';
				const table = pids.map(pid => `${name(pid)}: ${before.get(pid)} → ${after.get(pid)} fds`).join('\n');
				const repro = `ls /proc/<pid>/fd | wc -l   # before and after: npx node-cluster-lab load ${context.baseUrl}/ --requests 100\nss -tanp state close-wait 'sport = :${context.port}'`;
				if (grown.length > 0) {
					const worst = grown.reduce((a, b) => (after.get(b)! - before.get(b)! > after.get(a)! - before.get(a)! ? b : a));
					context.fail({
						message: `File descriptors leak: ${name(worst)} went from ${before.get(worst)} to ${after.get(worst)} fds over ${answers.length} requests`,
						expected: `each process ends with at most ${FD_SLACK} more fds than it started with, once the connections are closed`,
						actual: [table, stuckLine].filter(Boolean).join('\n'),
						hint: stuck.length > 0
							? 'Something keeps connections open after answering. Let node:http own the socket (res.end()), or end and destroy the sockets you handle yourself.'
							: 'Something opened for each request is never closed: a file or log stream, a socket, a handle received over IPC. ls -l /proc/<pid>/fd shows what they are.',
						repro,
					});
				}
				if (stuck.length > 0) {
					context.fail({
						message: `${stuck.length} connection(s) on port ${context.port} are stuck in CLOSE_WAIT: the client closed them, your program never did`,
						expected: 'no connection in CLOSE_WAIT once the burst is over',
						actual: [stuckLine, table].join('\n'),
						hint: 'A connection that no code reads is never closed. Is a second server accepting on the socket with no handler, or are there sockets you take over yourself (a "connection" listener, a socket received over IPC)? End and destroy every one you take.',
						repro,
					});
				}
				context.note(table.replace(/\n/g, '; '));
			},
		},
		{
			id: 'child-killed',
			title: 'The other children keep serving when one is SIGKILLed',
			timeoutMs: 35_000,
			async run(context) {
				const LOAD_MS = 3000;
				const KILL_AT_MS = 1000;
				const kids = ipcChildren(context.primaryPid);
				const tally = (context.memo.get('tally') as Map<number, number> | undefined) ?? new Map<number, number>();
				// The child that took the most connections: its death matters most.
				const victim = [...kids].sort((a, b) => (tally.get(b) ?? 0) - (tally.get(a) ?? 0))[0]!;
				const survivors = kids.filter(pid => pid !== victim);
				type Sent = {answer: Answer; afterKill: boolean};
				const sent: Sent[] = [];
				let killed = false;
				const started = Date.now();
				context.waitingFor(`${LOAD_MS / 1000} s of requests on new connections, 2 at a time, while child ${victim} is SIGKILLed`);
				// At least this many requests are sent after the kill, however slow the
				// machine, so that "after the kill" is never judged on nothing.
				const AFTER_KILL = 6;
				const sentAfterKill = () => sent.filter(item => item.afterKill).length;
				const lane = async () => {
					// Bounded in time (15 s at most) and in count.
					for (let i = 0; i < 5000 && (Date.now() - started < LOAD_MS || sentAfterKill() < AFTER_KILL) && Date.now() - started < 15_000 && !context.signal.aborted; i++) {
						const afterKill = killed;
						const answer = await context.http.get('/', {timeoutMs: ANSWER_TIMEOUT_MS});
						sent.push({answer, afterKill});
					}
				};
				const killer = (async () => {
					await new Promise(resolve => setTimeout(resolve, KILL_AT_MS));
					process.kill(victim, 'SIGKILL');
					killed = true;
				})();
				await Promise.all([lane(), lane(), killer]);
				const before = sent.filter(item => !item.afterKill).map(item => item.answer);
				const after = sent.filter(item => item.afterKill).map(item => item.answer);
				const lostInFlight = before.filter(answer => answer.status !== 200);
				const failedAfter = after.filter(answer => answer.status !== 200);
				// A primary that is taking the tree down may still be on its way out: give it
				// a moment, so the message names what happened, not what was half done.
				if (failedAfter.length > 0) await pollUntil(() => (isAlive(context.primaryPid) ? undefined : true), 3000, context);
				const primaryAlive = isAlive(context.primaryPid);
				const deadSurvivors = survivors.filter(pid => !isAlive(pid));
				const afterTally = countByPid(after.filter(answer => answer.status === 200));
				const repro = `npx node-cluster-lab load ${context.baseUrl}/ --requests 20000 --connections 2 &  sleep 1; kill -9 <one child pid>; wait`;
				if (!primaryAlive) {
					context.fail({
						message: `Your primary exited when child ${victim} was killed, and took the other children with it`,
						expected: `the primary and children ${list(survivors)} keep running`,
						actual: [`${failedAfter.length} of ${after.length} requests sent after the kill failed (${describeFailures(failedAfter) || 'none'})`, deadSurvivors.length > 0 ? `children gone as well: ${list(deadSurvivors)}` : ''].filter(Boolean).join('\n'),
						hint: 'In child.on("exit"), log the death and carry on: the other children still hold the socket. Do not exit the primary, and give every child an "error" listener.',
						repro,
					});
				}
				if (after.length === 0) {
					context.fail({
						message: `No request completed after child ${victim} was killed`,
						expected: 'requests keep being answered by the other children',
						actual: `${before.length} requests before the kill, none answered after it within 15 s`,
						repro,
					});
				}
				if (failedAfter.length > 0) {
					context.fail({
						message: `${failedAfter.length} of ${after.length} requests sent after child ${victim} was killed failed: the other children did not keep serving`,
						expected: `children ${list(survivors)} answer every request sent after the kill`,
						actual: [describeFailures(failedAfter), deadSurvivors.length > 0 ? `children gone as well: ${list(deadSurvivors)}` : `children still alive: ${list(survivors.filter(isAlive))}`].join('\n'),
						hint: 'The other children share the same socket and need nothing from the dead one. Do not stop or kill the others when one dies.',
						repro,
					});
				}
				const strangers = [...afterTally.keys()].filter(pid => pid === victim);
				if (strangers.length > 0) {
					context.fail({
						message: `Answers after the kill still name the dead child ${victim} in x-worker-pid`,
						expected: `x-worker-pid from the living children: ${list(survivors)}`,
						actual: `answers per pid after the kill: ${[...afterTally].map(([pid, count]) => `${pid}: ${count}`).join(', ')}`,
						repro,
					});
				}
				// Whole again: every live child (a replacement too, if the program forks
				// one) accepts on the socket, and requests on new connections are all
				// answered by them.
				const live = ipcChildren(context.primaryPid);
				await requireEveryChildAccepts(
					context,
					live,
					`After child ${victim} was killed`,
					'A replacement child needs the listening socket too: with option 1 the primary has closed its copy and has nothing to send, so either fork no replacement (it is optional here) or keep a socket to send (option 2 in the lesson).',
				);
				const whole = await context.http.burst({count: 3 * live.length, concurrency: 3, timeoutMs: ANSWER_TIMEOUT_MS, path: () => '/'});
				const broken = whole.filter(answer => answer.status !== 200 || answer.pid === undefined || !live.includes(answer.pid));
				if (broken.length > 0) {
					context.fail({
						message: `After child ${victim} was killed, ${broken.length} of ${whole.length} requests were not answered 200 by a live child`,
						expected: `every request answered 200 by one of ${list(live)}`,
						actual: [describeFailures(broken.filter(answer => answer.status !== 200)), `answers by pid: ${[...countByPid(whole)].map(([pid, n]) => `${pid}: ${n}`).join(', ')}`].filter(Boolean).join('\n'),
						hint: 'Every process that holds the listening socket must answer what it accepts.',
						repro,
					});
				}
				context.memo.set('children', live);
				context.note(`killed ${victim} after ${before.length} requests; ${lostInFlight.length} in flight on it failed (${describeFailures(lostInFlight) || 'none'}); ${after.length} after the kill all answered: ${[...afterTally].map(([pid, count]) => `${pid}: ${count}`).join(', ')}`);
			},
		},
		// With connections open that never finish on their own: a shutdown that waits for them has no deadline.
		withIdleAndHalfSent(
			sigtermStep({
				primaryHint: 'Handle SIGTERM in the primary: kill the children (child.kill()), then exit, with a timer that ends everything after 2 s whatever happens. Do not wait for the children to close their servers gracefully: an idle keep-alive connection or a half-sent request can keep server.close() waiting for ever.',
				orphanHint: 'A forked child keeps running when its parent dies, and a child holding a listening socket keeps serving on it. Make children exit on process.on("disconnect"), and kill them from the primary on SIGTERM.',
			}),
		),
		{
			id: 'one-worker',
			title: `Restarted with WORKERS=${MORE_WORKERS}: exactly that many children, each accepting on the one socket, none before it is ready`,
			// The hold (at most EARLY_HOLD_MS), the restart (up to 20 s under load), then a child that loads.
			timeoutMs: 75_000,
			async run(context) {
				const early = await sendWhileChildrenHeld(context);
				try {
					const pids = (await pollUntil(() => {
						const found = ipcChildren(context.primaryPid);
						return found.length >= MORE_WORKERS ? found : undefined;
					}, ACCEPTING_WITHIN_MS, context)) ?? ipcChildren(context.primaryPid);
					requireWorkerCount(context, pids, MORE_WORKERS);
					await requireEveryChildAccepts(context, pids, `With WORKERS=${MORE_WORKERS}`, 'Send the listening server to every child you forked, however many WORKERS asked for, and have each listen on it.');
					const count = 20;
					context.waitingFor(`answers to ${count} requests on new connections, 8 at a time`);
					const answers = await context.http.burst({count, concurrency: 8, timeoutMs: ANSWER_TIMEOUT_MS, path: () => '/'});
					await requireEarlyAnswered(context, early);
					const broken = answers.filter(answer => answer.status !== 200 || answer.pid === undefined || !pids.includes(answer.pid));
					if (broken.length > 0) {
						context.fail({
							message: `With WORKERS=${MORE_WORKERS}, ${broken.length} of ${count} requests were not answered 200 by one of your children`,
							expected: `every request answered 200 by one of ${list(pids)}`,
							actual: [describeFailures(broken.filter(answer => answer.status !== 200)), `answers by pid: ${[...countByPid(answers)].map(([pid, n]) => `${pid}: ${n}`).join(', ')}`].filter(Boolean).join('\n'),
							repro: context.curl('/'),
						});
					}
					context.memo.set('children', pids);
					context.note(`${early ? `${early.probes.pending.length} connections queued while child ${list(early.heldAtListen)} was held at its start, all answered; ` : 'your primary listened only once its child was ready; '}spread over ${count} fresh connections: ${perPid(pids, countByPid(answers))}`);
				} finally {
					// Also when this step fails before judging them: the early connections are the checker's to close.
					early?.probes.close();
				}
			},
		},
		exitOnDisconnectStep({
			holding: 'it holds the listening socket (a listening server keeps its event loop alive)',
			hint: 'In worker.ts: process.on("disconnect", () => process.exit(0)). A child holding a listening socket does not die with its parent: it keeps serving on PORT as an orphan.',
		}),
	],
};

/** How many times each pid occurs. */
function countBy(pids: number[]): Map<number, number> {
	const counts = new Map<number, number>();
	for (const pid of pids) counts.set(pid, (counts.get(pid) ?? 0) + 1);
	return counts;
}

/** Owners counted per pid, for notes: which process really accepted each connection. */
function countByOwner(probes: Probe[]): Map<number, number> {
	return countBy(probes.flatMap(probe => probe.owners));
}

/** "12 × no answer within 2000 ms, 3 × status 503" for probes. */
function describeProbes(probes: Probe[]): string {
	return describeFailures(probes.map(probe => ({path: '/', status: probe.status, headers: {}, body: '', ms: 0, finishedAt: 0, error: probe.error})));
}
