import {randomBytes} from 'node:crypto';
import {readFileSync} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import {setTimeout as delay} from 'node:timers/promises';
import {holdEnvironment, HOLD_VARIABLES, restartWithChildrenHeld, type Hold} from '../harness/hold-at-start.js';
import {rowsTouching} from '../harness/upstream-connections.js';
import {descendantsOf, fdCount, holdersOf, isAlive, listenInodes, readProc, socketInodes, tcpRows} from '../harness/procfs.js';
import {countByPid, workerPidFrom, type Answer} from '../harness/traffic.js';
import {writeAtOnce, writtenWhileFrozen} from '../harness/write-at-once.js';
import {describeFailures, ipcChildren, list, pollUntil, requireWholeAgain, requireWorkerCount, requireWorkerPid, startsStep, sigtermStep, withIdleAndHalfSent} from './common.js';
import type {Failure} from './events.js';
import type {LabCheck, Step, StepContext} from './step.js';

/** Not the lesson's default (2), so a hard-coded count fails; the ip-hash run uses the second value. */
const WORKERS = 3;
const HASH_WORKERS = 4;
/** How long a request waits for the primary to hand its connection to a child before it is written anyway. */
const HANDOVER_MAX_MS = 1500;
/** A primary that keeps its copy (keepOpen) never lets go; once a child holds the socket this long, write anyway. */
const CO_HOLD_GRACE_MS = 20;
/** Not the lesson's default (127.0.9.), so a hard-coded prefix fails: the full priority run uses the first, a short one the second. */
const PRIORITY_PREFIX = '127.0.7.';
const SECOND_PREFIX = '127.0.12.';
/** How long a request may wait for children that are still starting (tsx compiles worker.ts; seconds on a busy machine). */
const STARTUP_ALLOWANCE_MS = 15_000;
/**
How long the children of a restarted program are held at their start (at most; the checker lets
them go once its early connections are accepted). A primary that waits for its children before it
listens is restarted this much later; the others not at all.
*/
const EARLY_HOLD_MS = 6000;
/** How long the primary may take to accept the early connections, once they are all connected. */
const ACCEPT_WAIT_MS = 2000;
/** The supplementary group a root-run program starts with (see supplementaryGroups below). */
const ROOT_GROUP = 0;

function children(context: StepContext): number[] {
	return context.memo.get('children') as number[];
}

/** "pid 4101 (a child)" or "pid 4100 (your primary)". */
function who(context: StepContext, pid: number): string {
	return pid === context.primaryPid ? `pid ${pid} (your primary)` : children(context).includes(pid) ? `pid ${pid} (a child)` : `pid ${pid}`;
}

function describeError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException).code ?? '';
	if (code.startsWith('HPE_')) return `an answer that is not HTTP (${(error as Error).message})`;
	if (code === 'ECONNREFUSED') return 'connection refused (nothing listening)';
	if (code === 'ECONNRESET') return 'connection reset by the server';
	if (code === 'ECONNABORTED' || (error as Error).message === 'socket hang up') return 'the server closed the connection without answering';
	return (error as Error).message || String(error);
}

/** One request as the early steps see it: the answer, and who held the connection when the request was written. */
type Exchange = {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: string;
	/** The first bytes that came back, for messages about answers that are not HTTP. */
	raw: string;
	pid?: number;
	/** Pids holding the server side of the connection when the request was written (with `verify`: when the answer came). */
	holders: number[];
	/** The primary had let go of the connection by then. */
	released: boolean;
	error?: string;
};

/** Socket inodes in each candidate's fd table right now. */
function socketsOf(candidates: number[]): Map<number, Set<number>> {
	return new Map(candidates.map(pid => [pid, socketInodes(pid)]));
}

/**
Sockets that are in some fd table now and were in none of them before: inode ->
pids holding it. In none of them, not just not in that one: a socket already on
its way from the primary to a child was in the primary's table all along (the
primary closes its copy only once the child has acknowledged it).
*/
function newSockets(before: Map<number, Set<number>>, now: Map<number, Set<number>>): Map<number, number[]> {
	const old = new Set([...before.values()].flatMap(inodes => [...inodes]));
	const found = new Map<number, number[]>();
	for (const [pid, inodes] of now) {
		for (const inode of inodes) {
			if (old.has(inode)) continue;
			found.set(inode, [...(found.get(inode) ?? []), pid]);
		}
	}
	return found;
}

/**
Wait until the primary has handed the new connection on. Done when a child
holds it and the primary no longer does; or when a child has held it for a
moment (a primary that keeps its copy on purpose never lets go); or after maxMs
(a primary that serves the connection itself never hands it on).

Which socket is ours? With `clientPort`, the one /proc/net/tcp lists for that
port: certain, but each read of /proc/net/tcp costs a millisecond or more per
thousand TIME_WAIT rows on the machine. Without it, the socket that is in no fd
table of `before` (see newSockets): cheap, and right as long as requests go one
at a time and nothing else connects.
*/
async function waitForHandover(context: StepContext, before: Map<number, Set<number>>, maxMs: number, clientPort?: number, gone: () => boolean = () => false): Promise<{holders: number[]; released: boolean}> {
	const {primaryPid, port} = context;
	const candidates = [...before.keys()];
	const stopAt = Date.now() + maxMs;
	let childSince: number | undefined;
	let inode = 0;
	for (;;) {
		let holders: number[] = [];
		if (clientPort !== undefined) {
			if (inode === 0) inode = tcpRows().find(row => row.localPort === port && row.remotePort === clientPort && row.inode !== 0)?.inode ?? 0;
			if (inode !== 0) holders = holdersOf(inode, candidates);
		} else {
			const now = socketsOf(candidates);
			const newHolders = newSockets(before, now);
			const handed = [...newHolders].find(([, pids]) => pids.some(pid => pid !== primaryPid));
			const inPrimary = [...newHolders].find(([, pids]) => pids.includes(primaryPid));
			if (handed) holders = now.get(primaryPid)?.has(handed[0]) ? [...new Set([primaryPid, ...handed[1]])].sort((a, b) => a - b) : handed[1];
			else if (inPrimary) holders = inPrimary[1];
		}
		if (holders.some(pid => pid !== primaryPid)) {
			if (!holders.includes(primaryPid)) return {holders, released: true};
			childSince ??= Date.now();
			if (Date.now() - childSince >= CO_HOLD_GRACE_MS) return {holders, released: false};
		}
		if (Date.now() >= stopAt || context.signal.aborted || gone()) return {holders, released: false};
		await delay(1);
	}
}

/**
A GET on a fresh connection that is written only once the primary has handed
the connection to a child. Every step before write-at-once uses it, so that a
primary that reads too early (no pauseOnConnect) fails in one place, with a
message that says so, and not at random in the steps that test other things.
With `precise`, the connection is told apart from others by its port (see
waitForHandover). With `verify`, the request asks for keep-alive, and once the answer's headers
are in, while the connection is certainly still open, its holders are read
again: whoever holds the server side then is whoever answered (the moment of
writing is not enough: a slow primary may hand the connection on after we
wrote). They are the holders of the socket that is new since the request began
or, with `confirm`, the holders of the inode that /proc/net/tcp lists for the
client's port (the owners.js recipe). The latter is the unforgeable one, but
reading /proc/net/tcp costs a millisecond or more per thousand TIME_WAIT rows
on the machine, so honest-pids confirms only some samples that way.
*/
async function exchange(
	context: StepContext,
	path: string,
	candidates: number[],
	options: {
		verify?: boolean;
		confirm?: boolean;
		precise?: boolean;
		timeoutMs?: number;
		handoverMs?: number;
		localAddress?: string;
		/** Stop waiting for the hand-over before handoverMs (then write anyway), e.g. once a sibling request was handed over. */
		enoughWaiting?: () => boolean;
		/** Called when a child holds the connection and the primary let go. */
		onHandover?: () => void;
		/** Called once the connection is made (with its client port) or could not be (undefined). */
		onConnected?: (clientPort: number | undefined) => void;
	} = {},
): Promise<Exchange> {
	const {host, port} = context;
	const {verify = false, confirm = false, precise = false, timeoutMs = 5000, handoverMs = HANDOVER_MAX_MS, localAddress} = options;
	const failed = (error: string): Exchange => ({status: 0, headers: {}, body: '', raw: '', holders: [], released: false, error});
	const before = socketsOf(candidates);
	const socket = net.connect({host, port, ...(localAddress ? {localAddress} : {})});
	socket.on('error', () => {}); // reported by the request below
	const connectError = await new Promise<string | undefined>(resolve => {
		const timer = setTimeout(() => resolve(`no connection within ${timeoutMs} ms`), timeoutMs);
		socket.once('connect', () => {
			clearTimeout(timer);
			resolve(undefined);
		});
		socket.once('error', error => {
			clearTimeout(timer);
			resolve(describeError(error));
		});
	});
	options.onConnected?.(connectError === undefined ? socket.localPort : undefined);
	if (connectError !== undefined) {
		socket.destroy();
		return failed(connectError);
	}
	const clientPort = socket.localPort;
	// The server may close the connection before anyone wrote a byte (a primary that drops it).
	let closed = false;
	socket.once('end', () => (closed = true));
	socket.once('close', () => (closed = true));
	let {holders, released} = await waitForHandover(context, before, handoverMs, precise ? clientPort : undefined, () => closed || (options.enoughWaiting?.() ?? false));
	if (released) options.onHandover?.();
	if (closed && !released) {
		socket.destroy();
		return {...failed('the server closed the connection without answering'), holders};
	}
	let raw = '';
	return new Promise<Exchange>(resolve => {
		let settled = false;
		const finish = (result: Omit<Exchange, 'holders' | 'released' | 'raw'>) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			socket.destroy();
			resolve({...result, raw: raw.slice(0, 300), holders, released});
		};
		const request = http.request({host, port, path, headers: {connection: verify ? 'keep-alive' : 'close'}, createConnection: () => socket}, response => {
			if (verify) {
				if (confirm) {
					const row = tcpRows().find(row => row.localPort === port && row.remotePort === clientPort && row.inode !== 0);
					holders = row ? holdersOf(row.inode, candidates) : [];
				} else {
					holders = [...new Set([...newSockets(before, socketsOf(candidates)).values()].flat())].sort((a, b) => a - b);
				}
				released = holders.length > 0 && !holders.includes(context.primaryPid);
			}
			let body = '';
			response.setEncoding('utf8');
			response.on('data', chunk => {
				body += chunk;
			});
			response.on('error', error => finish({status: 0, headers: {}, body, error: describeError(error)}));
			response.on('end', () => {
				const pid = workerPidFrom(response.headers['x-worker-pid']);
				finish({status: response.statusCode ?? 0, headers: response.headers, body, pid});
			});
		});
		request.on('error', error => finish({status: 0, headers: {}, body: '', error: describeError(error)}));
		// After http.request(), so that its parser is listening before anything flows: bytes
		// the server wrote early (a child that answers without reading) reach both.
		socket.on('data', (chunk: Buffer) => {
			if (raw.length < 300) raw += chunk.toString('latin1');
		});
		const timer = setTimeout(() => {
			finish({status: 0, headers: {}, body: '', error: `no answer within ${timeoutMs} ms`});
			request.destroy();
		}, timeoutMs);
		request.end();
	});
}

/** Run `count` tasks, `concurrency` at a time; stop starting new ones when `stop()` says so or after `deadlineMs`. */
async function lanes<T>(count: number, concurrency: number, deadlineMs: number, task: (index: number) => Promise<T>, stop: () => boolean = () => false): Promise<T[]> {
	const results: T[] = [];
	const stopAt = Date.now() + deadlineMs;
	let next = 0;
	const lane = async () => {
		while (next < count && Date.now() < stopAt && !stop()) {
			const index = next++;
			results[index] = await task(index);
		}
	};
	await Promise.all(Array.from({length: Math.min(concurrency, count)}, lane));
	return results.filter(result => result !== undefined);
}

/** Open a connection and reset it (RST) the moment it is established. */
function openAndReset(host: string, port: number, localAddress?: string): Promise<void> {
	return new Promise(resolve => {
		const socket = net.connect({host, port, ...(localAddress ? {localAddress} : {})});
		const timer = setTimeout(() => {
			socket.destroy();
			resolve();
		}, 3000);
		socket.on('connect', () => {
			socket.resetAndDestroy();
			clearTimeout(timer);
			resolve();
		});
		socket.on('error', () => {
			clearTimeout(timer);
			resolve();
		});
	});
}

/** Uid/Gid (real, effective) and supplementary groups from /proc/<pid>/status. */
function credentials(pid: number): {uid: number[]; gid: number[]; groups: number[]} | undefined {
	let text: string;
	try {
		text = readFileSync(`/proc/${pid}/status`, 'utf8');
	} catch {
		return undefined;
	}
	const numbers = (name: string) => (new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
	return {uid: numbers('Uid'), gid: numbers('Gid'), groups: numbers('Groups')};
}

/** After a restart: wait (bounded) for WORKERS IPC children of the new primary and remember them. */
async function freshChildren(context: StepContext): Promise<number[]> {
	const workers = Number(context.env.WORKERS);
	context.waitingFor(`${workers} IPC children of the restarted primary ${context.primaryPid}`);
	const pids = (await pollUntil(() => {
		const found = ipcChildren(context.primaryPid);
		return found.length >= workers ? found : undefined;
	}, 10_000, context)) ?? ipcChildren(context.primaryPid);
	if (pids.length !== workers) {
		context.fail({
			message: `After a restart with ${Object.entries(context.env).filter(([key]) => key === 'STRATEGY' || key === 'PRIORITY_PREFIX' || key === 'WORKERS').map(([key, value]) => `${key}=${value}`).join(' ')}, your primary has ${pids.length} IPC children instead of ${workers}`,
			expected: `${workers} children whatever the STRATEGY: as many as process.env.WORKERS says`,
			hint: 'Read the count from process.env.WORKERS (a string: convert it with Number()) instead of hard-coding it.',
			actual: `children: ${list(pids)}`,
			repro: `${context.runItYourself} &  sleep 2; ps -o pid,ppid,args --forest -C node`,
		});
	}
	// The pids of the first run are stale now: every later step uses these.
	context.memo.set('children', pids);
	return pids;
}

/** "4101: 5, 4102: 7" in the order of `pids`. */
function perChild(pids: number[], tally: Map<number, number>): string {
	return pids.map(pid => `${pid}: ${tally.get(pid) ?? 0}`).join(', ');
}

/** Clients for the ip-hash step: distinct third octets, so even a /24-based hash (as nginx's) can tell them apart. */
const HASH_CLIENTS = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 42, 77, 120, 201].map((third, index) => `127.0.${third}.${10 + index * 7}`);
/**
Clients for a priority run with this prefix (e.g. 127.0.7.): four inside it, and
six outside it, among them two that start with the prefix without its dot
(127.0.70.9, 127.0.79.9) and one in the lesson's default prefix 127.0.9.
*/
function priorityClients(prefix: string): {priority: string[]; normal: string[]} {
	const base = prefix.slice(0, -1); // "127.0.7"
	const third = Number(base.split('.')[2]);
	const normal = ['127.0.0.1', '127.0.1.9', `127.0.${third + 1}.9`, `${base}0.9`, `${base}9.9`, prefix === '127.0.9.' ? '127.0.8.9' : '127.0.9.2'];
	return {priority: [2, 3, 77, 200].map(last => `${prefix}${last}`), normal};
}

/**
Who the robustness checks play. The first run (round-robin) uses one client
address; the runs under another STRATEGY send from many, so that every path of
the program's pick() (each hash bucket, the special child and the others) gets
connections, and a mistake in one of them shows.
*/
type Crowd = {
	/** Completes a message: '' for the first run, ' under STRATEGY=ip-hash' for the others. */
	under: string;
	/** Source addresses, used in turn. */
	clients: readonly string[];
};

const ROUND_ROBIN_CROWD: Crowd = {under: '', clients: ['127.0.0.1']};

/** The primary's descendants that hold a listening socket on PORT (none, in a correct program). */
function listenersInChildren(context: StepContext): number[] {
	const descendants = descendantsOf(context.primaryPid).map(proc => proc.pid);
	return [...new Set(listenInodes(context.port).flatMap(inode => holdersOf(inode, descendants)))];
}

function addressOf(crowd: Crowd, index: number): string {
	return crowd.clients[index % crowd.clients.length]!;
}

/** honest-pids: each sampled connection is held by exactly the child named in x-worker-pid. Returns who served each address. */
async function requireHonestPids(context: StepContext, crowd: Crowd, samples: number): Promise<Map<string, number>> {
	const served = new Map<string, number>();
	const ENOUGH_LIES = 3;
	const kids = children(context);
	const candidates = [context.primaryPid, ...kids];
	const lies: string[] = [];
	const failed: Exchange[] = [];
	let coHeld = 0;
	let sampled = 0;
	let unjudged = 0;
	let lost = 0;
	// A request is written once a child holds its connection, or after handoverMs anyway. On a busy
	// machine a hand-over can take longer than that: a request written before it and never answered
	// may have been read by a primary without pauseOnConnect, which is write-at-once's verdict, not
	// this step's. Such a sample is taken again, waiting twice as long for the hand-over (bounded).
	let handoverMs = HANDOVER_MAX_MS;
	let retaken = 0;
	// On a busy machine a sample can take a second: after 12 s, 12 samples are enough
	// (a primary that answers every fourth connection itself lies 3 times in 12).
	const enoughAt = Date.now() + 12_000;
	for (let index = 0; index < samples && lies.length < ENOUGH_LIES && (index < 12 || Date.now() < enoughAt); index++) {
		sampled++;
		context.waitingFor(`sample ${index + 1} of ${samples}${crowd.under}: a GET / and who holds its connection in /proc`);
		// Every 10th sample also looked up the slow, certain way.
		const answer = await exchange(context, '/', candidates, {verify: true, confirm: index % 10 === 0, localAddress: addressOf(crowd, index), timeoutMs: 10_000, handoverMs});
		if (answer.status === 0 && !answer.released && !answer.holders.some(pid => pid !== context.primaryPid) && retaken < 6 && Date.now() < enoughAt) {
			retaken++;
			handoverMs = Math.min(8000, handoverMs * 2);
			sampled--;
			index--;
			continue;
		}
		// Never answered even once a child held it: the primary may still have been reading its copy
		// (no pauseOnConnect), which is write-at-once's verdict too. Not judged here; reset, refused
		// and error statuses are.
		if (answer.status === 0 && answer.error?.startsWith('no answer')) {
			lost++;
			continue;
		}
		if (answer.status !== 200) {
			failed.push(answer);
			continue;
		}
		const owners = answer.holders.filter(pid => pid !== context.primaryPid);
		if (answer.pid !== undefined) served.set(addressOf(crowd, index), answer.pid);
		// Nobody seen holding it (it closed before /proc was read, on a busy machine): no verdict either way.
		if (answer.holders.length === 0) {
			unjudged++;
			continue;
		}
		if (answer.holders.includes(context.primaryPid) && owners.length > 0) coHeld++;
		if (answer.pid === undefined || !kids.includes(answer.pid) || owners.length !== 1 || owners[0] !== answer.pid) {
			lies.push(`from ${addressOf(crowd, index)}: x-worker-pid: ${answer.pid ?? 'none'}, but the connection was held by ${answer.holders.map(pid => who(context, pid)).join(' and ') || 'nobody we could see'}`);
		}
	}
	if (failed.length > 0) {
		context.fail({
			message: `${failed.length} of ${sampled} requests to GET /${crowd.under} failed`,
			expected: 'status 200 every time',
			actual: failed.map(answer => answer.error ?? `status ${answer.status}`).slice(0, 3).join('\n'),
			repro: context.curl('/'),
		});
	}
	if (lies.length > 0) {
		context.fail({
			message: `${lies.length} of ${sampled} answers${crowd.under} named a child that did not hold the connection: x-worker-pid does not tell who served it`,
			expected: `the server side of each connection is held by exactly one child (${list(kids)}), the one named in x-worker-pid`,
			actual: `${lies.join('\n')}${sampled < samples ? `\n(stopped after ${sampled} of ${samples} samples)` : ''}`,
			hint: 'Every connection goes to a child, whatever the STRATEGY; the primary never answers one itself, and the child writes its own process.pid.',
			repro: `exec 3<>/dev/tcp/${context.host}/${context.port}; printf 'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' >&3; sleep 0.5; ss -tnp 'sport = :${context.port}'; timeout 1 cat <&3 | grep -i x-worker-pid; exec 3<&-`,
		});
	}
	if (sampled - lost < 3) {
		context.fail({
			message: `Only ${sampled - lost} of ${sampled} requests to GET /${crowd.under} were answered: too few to tell who serves`,
			expected: 'answers to GET /, each on a new connection',
			actual: `${lost} requests got no answer within 10 s`,
			hint: 'Create the server with pauseOnConnect: true, hand each connection to a child, and answer from the child.',
			repro: context.curl('/'),
		});
	}
	if (coHeld > 0 || unjudged > 0 || retaken > 0 || lost > 0) {
		context.note(
			[
				coHeld > 0 ? `your primary also still held ${coHeld} of ${sampled} connections after handing them over (see fd-flat)` : '',
				unjudged > 0 ? `${unjudged} of ${sampled} connections had closed before their holder could be read: not judged` : '',
				retaken > 0 ? `${retaken} samples written before a slow hand-over got no answer and were taken again (write-at-once judges lost requests)` : '',
				lost > 0 ? `${lost} requests written after the hand-over got no answer: not judged here (write-at-once judges lost requests)` : '',
			]
				.filter(Boolean)
				.join('; '),
		);
	}
	return served;
}

/** write-at-once: requests written in the 'connect' callback all get 200 (pauseOnConnect). Returns a note. */
async function requireNoneLost(context: StepContext, crowd: Crowd, count: number): Promise<string> {
	const STOP_AFTER = 10;
	// Lost is forever; slow (a loaded machine, children busy) is not. 20 s tells them apart: at a load
	// average of 20-30, with CPU hogs, a program that reads nothing early left 17 of 72 unanswered for 8 s.
	const TIMEOUT_MS = 20_000;
	let hung = 0;
	// Deterministic first: with the primary and its children frozen (SIGSTOP), 20 clients
	// connect and write their request; the primary alone goes on and accepts 20 connections
	// whose bytes are already waiting, which a primary that reads on accept takes before a
	// paused child can.
	context.waitingFor(`20 raw requests${crowd.under}, written while your primary is paused (SIGSTOP)`);
	const FROZEN = 20;
	const frozen = await writtenWhileFrozen({acceptor: context.primaryPid, host: context.host, port: context.port, count: FROZEN, timeoutMs: TIMEOUT_MS, localAddress: index => addressOf(crowd, index)});
	if (frozen.readByAcceptor > 0) {
		context.fail({
			message: `${frozen.readByAcceptor} of ${FROZEN} requests written while your program was paused${crowd.under} never got an answer: your primary read their bytes before handing the socket over`,
			expected: 'the primary hands each accepted socket over unread; the child reads the request',
			actual: `with every child paused (SIGSTOP), your primary ${context.primaryPid} accepted the connections and emptied ${frozen.readByAcceptor} of their receive queues (/proc/net/tcp rx_queue 0) itself: those bytes can never reach a child`,
			hint: 'Create the server with net.createServer({pauseOnConnect: true}), one server for every STRATEGY. Without it, the primary starts reading as soon as it accepts; whatever it reads before send() finishes is dropped, and the child waits for a request that never comes.',
			repro: `node -e "const s=require('net').connect(${context.port},'${context.host}',()=>s.write('GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'));s.pipe(process.stdout)"   # repeat it: some hang`,
		});
	}
	const first = frozen.results;
	hung = first.filter(result => result.hung).length;
	context.waitingFor(`${count} raw requests${crowd.under}, 20 at a time, each written in the socket's connect callback`);
	const rest = await lanes(count, 20, 25_000, async index => {
		const result = await writeAtOnce(context.host, context.port, TIMEOUT_MS, addressOf(crowd, index));
		if (result.hung) hung++;
		return result;
	}, () => hung >= STOP_AFTER);
	const results = [...first, ...rest];
	const lost = results.filter(result => result.hung);
	if (lost.length > 0) {
		context.fail({
			message: `${lost.length} of ${results.length} requests written the instant their connection opened${crowd.under} never got an answer: your primary read their bytes before handing the socket over`,
			expected: `an answer to each of ${count + FROZEN} requests, within ${TIMEOUT_MS / 1000} s each`,
			actual: `${results.length - lost.length} answered, ${lost.length} got nothing within ${TIMEOUT_MS / 1000} s${lost.length >= STOP_AFTER ? ` (stopped after ${STOP_AFTER} of those)` : ''}`,
			hint: 'Create the server with net.createServer({pauseOnConnect: true}), one server for every STRATEGY. Without it, the primary starts reading as soon as it accepts; whatever it reads before send() finishes is dropped, and the child waits for a request that never comes.',
			repro: `node -e "const s=require('net').connect(${context.port},'${context.host}',()=>s.write('GET / HTTP/1.1\\\\r\\\\nHost: x\\\\r\\\\nConnection: close\\\\r\\\\n\\\\r\\\\n'));s.pipe(process.stdout)"   # repeat it: some hang`,
		});
	}
	const bad = results.filter(result => result.status !== 200);
	if (bad.length > 0) {
		const reasons = new Map<string, number>();
		for (const result of bad) reasons.set(result.error ?? `status ${result.status}`, (reasons.get(result.error ?? `status ${result.status}`) ?? 0) + 1);
		context.fail({
			message: `${bad.length} of ${results.length} requests written the instant their connection opened${crowd.under} did not get 200`,
			expected: '200 for every GET /',
			actual: [...reasons].map(([reason, n]) => `${n} × ${reason}`).join(', '),
			repro: context.curl('/'),
		});
	}
	const tally = new Map<number, number>();
	for (const result of results) if (result.pid !== undefined) tally.set(result.pid, (tally.get(result.pid) ?? 0) + 1);
	return `${results.length} of ${count + FROZEN} written at once answered 200${results.length < count + FROZEN ? ' (the rest were not sent within 25 s)' : ''}; per child: ${perChild(children(context), tally)}`;
}

/** fd-flat: the primary's open files after `count` fresh connections, 10 at a time, are at most 2 more than before. Returns a note. */
async function requireFdsFlat(context: StepContext, crowd: Crowd, count: number): Promise<string> {
	const pid = context.primaryPid;
	// Let the previous connections close before taking the baseline.
	await delay(200);
	const before = fdCount(pid) ?? 0;
	const socketsBefore = socketInodes(pid).size;
	context.waitingFor(`answers to ${count} requests on fresh connections${crowd.under}, 10 at a time`);
	// 15 s per request: this step counts files, and a request that waits behind a busy machine (or a stalled
	// checker) is slow, not lost; write-at-once and honest-pids judge answers.
	const answers = await lanes(count, 10, 45_000, index => context.http.get('/', {localAddress: addressOf(crowd, index), timeoutMs: 15_000}));
	const failed = answers.filter(answer => answer.status !== 200);
	if (failed.length > 0 || answers.length < count) {
		context.fail({
			message: `${failed.length + count - answers.length} of ${count} requests${crowd.under} failed`,
			expected: 'status 200',
			actual: describeFailures(failed) || `only ${answers.length} requests were sent within 45 s`,
			repro: context.curl('/'),
		});
	}
	context.waitingFor(`the primary's fd count to settle back to ${before} (+2)`);
	const settled = await pollUntil(() => ((fdCount(pid) ?? 0) <= before + 2 ? true : undefined), 3000, context);
	const after = fdCount(pid) ?? 0;
	if (!settled) {
		const socketsAfter = socketInodes(pid).size;
		context.fail({
			message: `Your primary holds ${after - before} more open files after ${count} connections${crowd.under} (${before} before, ${after} after): it keeps a copy of the sockets it hands over`,
			expected: `at most ${before + 2} open files in the primary`,
			actual: `${after} open files, ${socketsAfter} of them sockets (${socketsBefore} before)`,
			hint: "With child.send('socket', socket, {keepOpen: true}) both processes hold the socket, and the primary's copy stays open until it closes it itself. Leave keepOpen out on every path of your pick (Node then closes the primary's copy once the child has it), or call socket.destroy() in the send() callback.",
			repro: `ls /proc/<primary pid>/fd | wc -l; for i in $(seq 100); do curl -s -o /dev/null 'http://${context.host}:${context.port}/'; done; ls /proc/<primary pid>/fd | wc -l`,
		});
	}
	return `primary: ${before} open files before, ${after} after ${count} connections`;
}

/**
closed-socket, first half: freeze the primary (SIGSTOP), open `resets`
connections and reset each, let it go (SIGCONT): it then accepts connections
that are already dead. The primary and every child must still be the same live
processes. The caller then proves the service whole again, in its STRATEGY's terms.
*/
async function requireResetsSurvived(context: StepContext, crowd: Crowd, resets: number): Promise<void> {
	const kids = ipcChildren(context.primaryPid);
	// An idle primary accepts a connection within microseconds, long before a
	// client can reset it. Freeze it for a moment (as a GC pause or a burst of
	// load would) so that the resets arrive first.
	context.waitingFor(`${resets} connections${crowd.under}, opened and reset while your primary is paused (SIGSTOP)`);
	process.kill(context.primaryPid, 'SIGSTOP');
	try {
		await pollUntil(() => (readProc(context.primaryPid)?.state === 'T' ? true : undefined), 1000, context);
		await Promise.all(Array.from({length: resets}, (_, index) => openAndReset(context.host, context.port, addressOf(crowd, index))));
	} finally {
		process.kill(context.primaryPid, 'SIGCONT');
	}
	// A handshake instead of a sleep: the primary takes connections in order, so once
	// later requests are answered (or refused) it has dealt with the reset ones.
	context.waitingFor(`answers to ${crowd.clients.length > 3 ? 6 : 3} requests after the resets`);
	await lanes(crowd.clients.length > 3 ? 6 : 3, 3, 10_000, index => context.http.get('/', {localAddress: addressOf(crowd, index), timeoutMs: 5000}));
	await delay(200);
	const repro = `kill -STOP <primary pid>; node -e "for(let i=0;i<${resets};i++){const s=require('net').connect(${context.port},'${context.host}',()=>s.resetAndDestroy())}"; kill -CONT <primary pid>`;
	if (context.process.exitInfo !== undefined || !isAlive(context.primaryPid)) {
		const exit = context.process.exitInfo;
		context.fail({
			message: `Your primary died after ${resets} connections were opened and reset at once${crowd.under}`,
			expected: 'a primary that shrugs off connections the client has already reset',
			actual: exit ? `it ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`}` : 'it is gone',
			hint: 'A connection the client reset before your primary accepted it has no address any more: socket.remoteAddress is undefined. Check it before you use it, on every STRATEGY\'s path, and drop such a socket with socket.destroy(). The error your program printed is below.',
			repro,
		});
	}
	const dead = kids.filter(pid => !isAlive(pid));
	if (dead.length > 0) {
		context.fail({
			message: `${dead.length} of your children died after ${resets} connections were opened and reset at once${crowd.under}`,
			expected: 'every child still alive: a reset connection is an error on that one socket, not a reason to crash',
			actual: `dead: ${list(dead)}; children now: ${list(ipcChildren(context.primaryPid))}`,
			hint: "In the child, check the socket before using it (process.on('message', (msg, socket) => { if (!socket) return; ... })): it may arrive undefined, and a reset one has no remoteAddress. Never let an error on one socket throw.",
			repro,
		});
	}
}

/** The robustness checks' clients under STRATEGY=priority: normal and priority addresses in turn, so both paths of pick() get connections. */
function priorityCrowd(prefix: string): Crowd {
	const {priority, normal} = priorityClients(prefix);
	return {under: ` under STRATEGY=priority (PRIORITY_PREFIX=${prefix})`, clients: normal.flatMap((address, index) => [address, priority[index % priority.length]!])};
}

/** `perClient` requests from each address: the first alone, the rest at once (one address, several connections at the same moment). */
async function fromEach(context: StepContext, addresses: readonly string[], perClient: number, timeoutMs = 20_000): Promise<Array<{address: string; answers: Answer[]}>> {
	return Promise.all(
		addresses.map(async address => {
			const first = await context.http.get('/', {localAddress: address, timeoutMs});
			const rest = await Promise.all(Array.from({length: perClient - 1}, () => context.http.get('/', {localAddress: address, timeoutMs})));
			return {address, answers: [first, ...rest]};
		}),
	);
}

/**
priority, for one PRIORITY_PREFIX (the program was restarted with it): every
connection from inside the prefix reaches one and the same child, and no
connection from outside it ever does.
*/
async function requirePriority(context: StepContext, prefix: string, perClient: number, specialBefore?: number): Promise<string> {
	const kids = children(context);
	const {priority: priorityClients_, normal: normalClients} = priorityClients(prefix);
	context.waitingFor(`${perClient} requests from each of ${priorityClients_.length} priority and ${normalClients.length} normal clients (PRIORITY_PREFIX=${prefix})`);
	// Every priority connection goes to one child at the same moment: on a busy machine its answers are slow, not lost (20 s each).
	const [priority, normal] = await Promise.all([fromEach(context, priorityClients_, perClient), fromEach(context, normalClients, perClient)]);
	const all = [...priority, ...normal].flatMap(({answers}) => answers);
	const failed = all.filter(answer => answer.status !== 200);
	if (failed.length > 0) {
		context.fail({
			message: `${failed.length} of ${all.length} requests failed with STRATEGY=priority PRIORITY_PREFIX=${prefix}`,
			expected: 'status 200',
			actual: describeFailures(failed),
			repro: `${context.runItYourself}   # then: curl --interface ${priorityClients_[0]} -si 'http://${context.host}:${context.port}/'`,
		});
	}
	const priorityPids = countByPid(priority.flatMap(({answers}) => answers));
	const special = [...priorityPids.keys()][0]!;
	if (priorityPids.size !== 1 || !kids.includes(special)) {
		context.fail({
			message: `With PRIORITY_PREFIX=${prefix}, clients from ${prefix}* were served by ${priorityPids.size} different processes instead of one special child`,
			expected: `every connection from ${priorityClients_.join(', ')} goes to the same child`,
			actual: `answers per pid: ${[...priorityPids].map(([pid, count]) => `${pid}: ${count}`).join(', ')}`,
			hint: `Compare socket.remoteAddress with process.env.PRIORITY_PREFIX (startsWith; read the variable, do not hard-code the lesson's default) and send every match to the one child you set aside as special. (If you listen on '::' instead of HOST, addresses come as '::ffff:127.0.9.2'.)`,
			repro: `for i in 1 2 3; do curl -s -o /dev/null -D - --interface ${priorityClients_[0]} 'http://${context.host}:${context.port}/' | grep -i x-worker-pid; done`,
		});
	}
	const intruders = normal.filter(({answers}) => answers.some(answer => answer.pid === special));
	if (intruders.length > 0) {
		context.fail({
			message: `With PRIORITY_PREFIX=${prefix}, clients outside ${prefix}* reached the special child ${special}: it is meant for priority clients only`,
			expected: `connections from ${normalClients.join(', ')} go to the other children, never to ${special}`,
			actual: intruders
				.slice(0, 3)
				.map(({address, answers}) => `${address} -> ${answers.map(answer => answer.pid).join(', ')}`)
				.join('\n'),
			hint: `Round-robin the other clients over the normal children only: leave the special one out of that list. And match the whole prefix, dot included: ${normalClients[3]} starts with "${prefix.slice(0, -1)}" but not with "${prefix}".`,
			repro: `for i in 1 2 3 4; do curl -s -o /dev/null -D - --interface ${normalClients[1]} 'http://${context.host}:${context.port}/' | grep -i x-worker-pid; done`,
		});
	}
	const normalTally = countByPid(normal.flatMap(({answers}) => answers));
	const idle = kids.filter(pid => pid !== special && !normalTally.has(pid));
	if ((specialBefore !== undefined && special !== specialBefore) || idle.length > 0) {
		context.fail({
			message: `After connections were reset at once under STRATEGY=priority, ${idle.length > 0 ? `${idle.length === 1 ? 'child' : 'children'} ${list(idle)} answered none of ${normal.length * perClient} normal connections` : `the priority clients moved from child ${specialBefore} to ${special}`}: the service is not whole again`,
			expected: `the special child ${specialBefore ?? special} for ${prefix}*, every other child answering its turn of the rest`,
			actual: `special: ${special}; normal connections per child: ${perChild(kids.filter(pid => pid !== special), normalTally)}`,
			hint: 'A reset connection is one socket to drop (socket.destroy()), not a child to give up on: keep every child in its place.',
			repro: `for i in 1 2 3 4; do curl -s -o /dev/null -D - --interface ${normalClients[1]} 'http://${context.host}:${context.port}/' | grep -i x-worker-pid; done`,
		});
	}
	return `PRIORITY_PREFIX=${prefix}: special child ${special} served ${priorityPids.get(special)} priority connections; the others: ${perChild(kids.filter(pid => pid !== special), normalTally)}`;
}

/** The restart of a step with requests racing start-up (see restartWithChildrenHeld). */
function restartHeld(context: StepContext, env: Record<string, string>): Promise<Hold> {
	return restartWithChildrenHeld(context.env.NCL_HOLD_FILE!, EARLY_HOLD_MS, () => context.restart(env));
}

/** True when the primary has taken each of these connections from its listen queue (or closed it). */
function acceptedAll(port: number, clientPorts: readonly number[]): boolean {
	const rows = rowsTouching(port);
	// In the listen queue, a connection's server side is ESTABLISHED and no process holds it (inode 0).
	return clientPorts.every(clientPort => !rows.some(row => row.localPort === port && row.remotePort === clientPort && row.state === 'ESTABLISHED' && row.inode === 0));
}

/**
Connections opened from several addresses the moment the restarted program
listens. With `hold` (see restartHeld) they come while the children are held
at their start: once the primary has accepted all of them, the children are let
go. Every one must be answered: a connection can wait for a child. A primary
that listens only once its children are ready listens after the hold expired;
then nothing is early, and that is right too. Returns a note.
*/
async function requireEarlyAnswered(context: StepContext, hold: Hold, clients: readonly string[] = HASH_CLIENTS): Promise<string> {
	const EARLY = 8;
	context.waitingFor(`${EARLY} requests sent the moment your restarted program listened`);
	const kids = ipcChildren(context.primaryPid);
	const started = Date.now();
	const clientPorts: number[] = [];
	let connects = 0;
	let allConnected!: () => void;
	const connected = new Promise<void>(resolve => (allConnected = resolve));
	// Connected at once, written once a child holds the connection (see exchange), so that
	// a missing pauseOnConnect does not show here but in the robustness step.
	// Once one connection has reached a child, the children are up: the others wait no longer than usual.
	let firstHandover: number | undefined;
	const pending = Promise.all(
		clients.slice(0, EARLY).map(localAddress =>
			exchange(context, '/', [context.primaryPid, ...kids], {
				precise: true,
				localAddress,
				handoverMs: STARTUP_ALLOWANCE_MS,
				timeoutMs: STARTUP_ALLOWANCE_MS,
				onHandover: () => (firstHandover ??= Date.now()),
				enoughWaiting: () => firstHandover !== undefined && Date.now() - firstHandover > HANDOVER_MAX_MS,
				onConnected: clientPort => {
					if (clientPort !== undefined) clientPorts.push(clientPort);
					if (++connects === EARLY) allConnected();
				},
			}),
		),
	);
	let trap: string;
	try {
		context.waitingFor(`your primary to accept ${EARLY} connections while its children are held at their start`);
		await Promise.race([connected, delay(EARLY_HOLD_MS, undefined, {signal: context.signal}).catch(() => undefined)]);
		await pollUntil(() => (acceptedAll(context.port, clientPorts) ? true : undefined), ACCEPT_WAIT_MS, context);
		const held = hold.held();
		trap = held.length > 0 ? `, accepted while children ${list(held)} were held at their start` : ' (no child was still held by then: nothing was early)';
	} finally {
		hold.release();
	}
	const answers = await pending;
	const failed = answers.filter(answer => answer.status !== 200);
	if (failed.length > 0) {
		const reasons = [...new Set(failed.map(answer => answer.error ?? `status ${answer.status}`))];
		context.fail(droppedEarly(context, `${failed.length} of ${EARLY} connections opened the moment your program listened got no answer`, `all ${EARLY} answered 200 within ${STARTUP_ALLOWANCE_MS / 1000} s`, `${reasons.join('; ')} (${kids.length} IPC children when they connected${trap})`));
	}
	return `${EARLY} connections opened at start-up${trap}, answered within ${Date.now() - started} ms`;
}

/** The failure for connections dropped because no child was ready yet. */
function droppedEarly(context: StepContext, what: string, expected: string, actual: string): Failure {
	return {
		message: `${what}: connections that arrive before the children are ready are dropped`,
		expected: `${expected} (a connection can wait for a child that is still starting)`,
		actual,
		hint: "A socket sent to a child that is still loading waits in the IPC channel until the child reads it: send it anyway. If you wait for a 'ready' message, queue the sockets that come meanwhile and send them once a child is ready, instead of destroying them; or listen only once the children are ready.",
		repro: `${context.runItYourself} & for i in $(seq 50); do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 10 'http://${context.host}:${context.port}/' && break; sleep 0.02; done`,
	};
}

export const dispatchCheck: LabCheck = {
	lab: '04-dispatch',
	// STRATEGY is left out on purpose: the first run checks that round-robin is the default.
	env: () => ({WORKERS: String(WORKERS), ...holdEnvironment('ncl-04-hold')}),
	kitVariables: HOLD_VARIABLES,
	variables: {
		WORKERS: [String(WORKERS), String(HASH_WORKERS)],
		STRATEGY: ['round-robin', 'ip-hash', 'priority'],
		PRIORITY_PREFIX: [PRIORITY_PREFIX, SECOND_PREFIX],
	},
	// Root started from a shell often has no supplementary groups at all, which would
	// hide a child that never calls setgroups([]): run as root, the program starts in group 0.
	supplementaryGroups: [ROOT_GROUP],
	steps: [
		startsStep(),
		{
			id: 'answers',
			title: 'Answers GET / with 200 and x-worker-pid',
			timeoutMs: 25_000,
			async run(context) {
				// The children may still be starting. Until one has taken the socket, the
				// request is not written (see exchange), so give the first one time.
				context.waitingFor('your primary to fork its children');
				const kids = (await pollUntil(() => {
					const pids = ipcChildren(context.primaryPid);
					return pids.length > 0 ? pids : undefined;
				}, 3000, context)) ?? [];
				context.waitingFor('an answer to GET /');
				// 10 s: on a busy machine tsx may take seconds to compile a child's worker.ts.
				// One request: afford the certain way of finding its connection.
				const answer = await exchange(context, '/', [context.primaryPid, ...kids], {precise: true, handoverMs: kids.length > 0 ? 8000 : HANDOVER_MAX_MS, timeoutMs: 10_000});
				const repro = context.curl('/');
				if (answer.error?.startsWith('an answer that is not HTTP')) {
					context.fail({
						message: 'GET / got an answer that is not HTTP: something wrote straight to the socket',
						expected: 'an HTTP/1.1 response: status line, headers (x-worker-pid among them), body',
						actual: `the first bytes that came back: ${JSON.stringify(answer.raw.slice(0, 120))}`,
						hint: "In the child, give the socket to an http.Server that never listens: server.emit('connection', socket). It parses the request and writes a proper response; socket.end('text') does neither.",
						repro,
					});
				}
				if (answer.status === 0 && !answer.released && /closed the connection|reset/.test(answer.error ?? '')) {
					// Closed by the primary without a hand-over. Because no child was ready yet? Then a
					// request once they are will be answered: ask again for a while to tell.
					context.waitingFor('a second GET / once your children have had time to start');
					let later = false;
					for (const stopAt = Date.now() + 10_000; !later && Date.now() < stopAt && !context.signal.aborted; await delay(250)) later = (await context.http.get('/', {timeoutMs: 5000})).status === 200;
					// Whether this one request came before the children were ready is the machine's timing;
					// ip-hash-robust opens 8 connections the instant a restart listens, every time, and judges it.
					if (later) return context.note('the first GET / was closed without an answer while the children were starting, and a later one was answered: judged at ip-hash-robust');
				}
				if (answer.status === 0 && listenersInChildren(context).length > 0) {
					// A child holding a listening socket of its own accepts connections itself, and one
					// that got it before its 'message' listener existed never answers them: that is
					// listen-only-in-primary's verdict, two steps on, not a hang with this step's hint.
					context.note(`GET / got no answer, and ${list(listenersInChildren(context))} hold a listening socket on the port: judged at listen-only-in-primary`);
					return;
				}
				if (answer.status === 0) {
					context.fail({
						message: 'GET / got no answer',
						expected: '200 from one of your children',
						actual: answer.error,
						hint: answer.released
							? "The primary handed the connection to a child, and the child never answered. Does the child pass the socket to its http.Server with server.emit('connection', socket)?"
							: "Does the primary send each socket to a child with child.send('socket', socket)? Does the child listen with process.on('message', (msg, socket) => ...)?",
						repro,
					});
				}
				if (answer.status !== 200) {
					context.fail({
						message: `GET / answered ${answer.status} instead of 200`,
						expected: '200',
						actual: `status ${answer.status}, body ${JSON.stringify(answer.body.slice(0, 200))}`,
						repro,
					});
				}
				requireWorkerPid(context, answer, {who: 'the child that answered', repro});
			},
		},
		{
			id: 'children',
			title: `Forks exactly WORKERS (${WORKERS}) children with an IPC channel`,
			timeoutMs: 6000,
			async run(context) {
				const found = await pollUntil(() => {
					const pids = ipcChildren(context.primaryPid);
					return pids.length >= WORKERS ? pids : undefined;
				}, 3000, context);
				const pids = found ?? ipcChildren(context.primaryPid);
				if (pids.length === 0) {
					context.fail({
						message: 'Your primary has no child processes with an IPC channel',
						expected: `${WORKERS} children started with child_process.fork() (NODE_CHANNEL_FD in /proc/<pid>/environ)`,
						actual: 'no forked children: one process answers everything, whatever x-worker-pid says',
						hint: 'fork() worker.ts WORKERS times. Sockets can only be handed to a process at the other end of an IPC channel.',
						repro: `${context.runItYourself} &  sleep 2; ps -o pid,ppid,args --forest -C node`,
					});
				}
				requireWorkerCount(context, pids, WORKERS);
				context.memo.set('children', pids);
			},
		},
		{
			id: 'listen-only-in-primary',
			title: 'Only the primary holds the listening socket',
			timeoutMs: 10_000,
			async run(context) {
				const members = [context.primaryPid, ...descendantsOf(context.primaryPid).map(proc => proc.pid)];
				const inodes = listenInodes(context.port);
				const holders = new Map(inodes.map(inode => [inode, holdersOf(inode, members)]));
				const table = inodes.map(inode => `socket:[${inode}] held by ${holders.get(inode)!.map(pid => who(context, pid)).join(', ') || 'nobody of yours'}`).join('\n');
				const repro = `ls -l /proc/<pid>/fd | grep socket   # for each of ${list(members)}; compare with: ss -ltnep 'sport = :${context.port}'`;
				const others = [...new Set([...holders.values()].flat().filter(pid => pid !== context.primaryPid))];
				if (others.length > 0) {
					context.fail({
						message: `A listening socket on port ${context.port} is held by ${others.map(pid => who(context, pid)).join(', ')}, not only by the primary: those processes accept connections themselves`,
						expected: 'one listening socket, in the primary only; children get accepted connections, never the listener',
						actual: table,
						hint: "Don't send the server (or its handle) to the children, and don't let them listen: the primary accepts every connection and sends each socket with child.send('socket', socket).",
						repro,
					});
				}
				if (inodes.length !== 1 || !holders.get(inodes[0]!)!.includes(context.primaryPid)) {
					context.fail({
						message: `Your primary does not hold the one listening socket on port ${context.port}`,
						expected: 'exactly one listening socket, held by the primary',
						actual: table || 'no listening socket found',
						hint: 'Listen once, in the primary: net.createServer({pauseOnConnect: true}, ...).listen(PORT, HOST).',
						repro,
					});
				}
				context.note(`socket:[${inodes[0]}] held by the primary ${context.primaryPid} only`);
			},
		},
		{
			id: 'honest-pids',
			title: 'Each connection is held by the child named in x-worker-pid',
			timeoutMs: 60_000,
			async run(context) {
				await requireHonestPids(context, ROUND_ROBIN_CROWD, 20);
			},
		},
		{
			id: 'round-robin',
			title: 'Round-robin: 90 connections, each child within ±1 of 30',
			timeoutMs: 90_000,
			async run(context) {
				const COUNT = 90;
				const kids = children(context);
				const candidates = [context.primaryPid, ...kids];
				const answers: Exchange[] = [];
				// As in honest-pids: a request written before a slow hand-over and never answered may have been
				// read by a primary without pauseOnConnect (write-at-once's verdict). It is not counted; the
				// connection went to some child in turn all the same, so each such loss widens the tolerance by one.
				let handoverMs = HANDOVER_MAX_MS;
				let retaken = 0;
				// One at a time: the order the primary sees is the order we send.
				for (let index = 0; index < COUNT; index++) {
					context.waitingFor(`connection ${index + 1} of ${COUNT}, one at a time`);
					const answer = await exchange(context, '/', candidates, {timeoutMs: 10_000, handoverMs});
					if (answer.status === 0 && !answer.released && !answer.holders.some(pid => pid !== context.primaryPid) && retaken < 3) {
						retaken++;
						handoverMs = Math.min(8000, handoverMs * 2);
						index--;
						continue;
					}
					answers.push(answer);
				}
				const failed = answers.filter(answer => answer.status !== 200);
				if (failed.length > 0) {
					context.fail({
						message: `${failed.length} of ${COUNT} requests failed`,
						expected: 'status 200',
						actual: failed.map(answer => answer.error ?? `status ${answer.status}`).slice(0, 3).join('\n'),
						repro: context.curl('/'),
					});
				}
				const tally = new Map<number, number>();
				for (const answer of answers) if (answer.pid !== undefined) tally.set(answer.pid, (tally.get(answer.pid) ?? 0) + 1);
				const fair = COUNT / WORKERS;
				const off = kids.filter(pid => Math.abs((tally.get(pid) ?? 0) - fair) > 1 + retaken);
				if (off.length > 0) {
					const idle = kids.filter(pid => !tally.has(pid));
					context.fail({
						message: `${COUNT} connections sent one at a time were split ${kids.map(pid => tally.get(pid) ?? 0).join(' / ')} over your ${WORKERS} children${idle.length > 0 ? `: ${idle.length} of them got none` : ''}, not in turn`,
						expected: `${fair} each (±1): connection n goes to child n mod ${WORKERS}`,
						actual: `connections per child: ${perChild(kids, tally)}`,
						hint: 'Keep one counter in the primary and take children[counter++ % children.length]. (Beware `turn = turn++ % n`: it assigns the old value back, so turn never moves.)',
						repro: `for i in $(seq 9); do curl -s -o /dev/null -D - 'http://${context.host}:${context.port}/' | grep -i x-worker-pid; done`,
					});
				}
				context.note(`connections per child: ${perChild(kids, tally)}${retaken > 0 ? ` (${retaken} written before a slow hand-over got no answer and were taken again; write-at-once judges lost requests)` : ''}`);
			},
		},
		{
			id: 'write-at-once',
			title: '200 requests written the instant the connection opens: none lost',
			timeoutMs: 75_000,
			async run(context) {
				context.note(await requireNoneLost(context, ROUND_ROBIN_CROWD, 200));
			},
		},
		{
			id: 'big-post',
			title: 'POST /echo with a 1 MiB body of random bytes comes back byte for byte',
			timeoutMs: 40_000,
			async run(context) {
				const SIZE = 1024 * 1024;
				// Random bytes, not text: an echo that decodes the body (as UTF-8, say) and
				// encodes it again changes them.
				const body = randomBytes(SIZE);
				context.waitingFor('the echo of a 1 MiB POST /echo');
				// 30 s: 1 MiB through the primary's hand-over and a child on a busy machine took over 10 s.
				const answer = await context.http.get('/echo', {method: 'POST', body, bytes: true, timeoutMs: 30_000});
				const repro = `head -c ${SIZE} /dev/urandom > big.bin; curl -s --data-binary @big.bin -H 'content-type: application/octet-stream' 'http://${context.host}:${context.port}/echo' | cmp - big.bin && echo same`;
				if (answer.status !== 200) {
					context.fail({
						message: answer.status === 0 ? `POST /echo with a 1 MiB body got no answer (${answer.error})` : `POST /echo with a 1 MiB body answered ${answer.status}`,
						expected: '200 with the same 1048576 bytes',
						actual: answer.error ?? `status ${answer.status}, body ${JSON.stringify(answer.body.slice(0, 120))}`,
						hint: "Collect every 'data' chunk of the request and answer on 'end'.",
						repro,
					});
				}
				const echoed = answer.bytes ?? Buffer.alloc(0);
				if (!echoed.equals(body)) {
					let at = 0;
					while (at < Math.min(body.length, echoed.length) && body[at] === echoed[at]) at++;
					// U+FFFD (EF BF BD in UTF-8) is what a decoder puts where the bytes are not valid text.
					const decoded = echoed.includes(Buffer.from([0xef, 0xbf, 0xbd]));
					context.fail({
						message: `POST /echo echoed ${echoed.length} bytes of a ${SIZE}-byte body${echoed.length === SIZE ? ', but not the same bytes' : ''}${decoded ? ': the body was decoded as text on the way' : ''}`,
						expected: `the same ${SIZE} bytes back (random bytes, not text)`,
						actual: `${echoed.length} bytes, identical up to byte ${at}${decoded ? ', with U+FFFD replacement characters in them' : ''}`,
						hint: decoded
							? "Keep the body as Buffers from end to end: no req.setEncoding(), no chunk.toString() or string concatenation. Answer with Buffer.concat(chunks)."
							: "A big body arrives in many 'data' events (64 KiB or less each). Push every chunk into an array and answer with Buffer.concat(chunks) once 'end' fires.",
						repro,
					});
				}
				context.note(`1 MiB of random bytes echoed in ${answer.ms} ms by child ${answer.pid}`);
			},
		},
		{
			id: 'fd-flat',
			title: "The primary's open files stay flat over 400 connections",
			timeoutMs: 60_000,
			async run(context) {
				context.note(await requireFdsFlat(context, ROUND_ROBIN_CROWD, 400));
			},
		},
		{
			id: 'closed-socket',
			title: 'Connections reset at once break nothing: every child still gets its share',
			timeoutMs: 60_000,
			async run(context) {
				const RESETS = 50;
				await requireResetsSurvived(context, ROUND_ROBIN_CROWD, RESETS);
				const kids = ipcChildren(context.primaryPid);
				await requireWholeAgain(context, {
					pids: kids,
					fault: `${RESETS} connections were reset at once`,
					count: 10 * kids.length,
					concurrency: 3,
					timeoutMs: 15_000,
					hint: 'A reset connection is one socket to drop (socket.destroy()), not a child to give up on: keep every child in the rotation.',
				});
			},
		},
		{
			id: 'ip-hash-robust',
			title: `Restarted with STRATEGY=ip-hash WORKERS=${HASH_WORKERS}: early connections, honest pids, nothing lost, no leaked files, resets survived`,
			// A restart, and children that may take seconds to start on a busy machine.
			timeoutMs: 180_000,
			async run(context) {
				context.memo.set('previous', children(context));
				const hold = await restartHeld(context, {STRATEGY: 'ip-hash', WORKERS: String(HASH_WORKERS)});
				const crowd: Crowd = {under: ' under STRATEGY=ip-hash', clients: HASH_CLIENTS};
				const early = await requireEarlyAnswered(context, hold);
				await freshChildren(context);
				context.memo.set('before-resets', await requireHonestPids(context, crowd, 8));
				const lost = await requireNoneLost(context, crowd, 120);
				const files = await requireFdsFlat(context, crowd, 200);
				await requireResetsSurvived(context, crowd, 30);
				context.note(`${early}; ${lost}; ${files}`);
			},
		},
		{
			id: 'ip-hash',
			title: 'STRATEGY=ip-hash: each client address sticks to one child, the same as before the resets',
			timeoutMs: 40_000,
			async run(context) {
				const previous = (context.memo.get('previous') as number[] | undefined) ?? [];
				const beforeResets = (context.memo.get('before-resets') as Map<string, number> | undefined) ?? new Map<string, number>();
				const kids = children(context);
				const PER_CLIENT = 5;
				context.waitingFor(`${PER_CLIENT} requests from each of ${HASH_CLIENTS.length} client addresses (one, then ${PER_CLIENT - 1} at once)`);
				const byClient = await fromEach(context, HASH_CLIENTS, PER_CLIENT);
				const failed = byClient.flatMap(({answers}) => answers.filter(answer => answer.status !== 200));
				if (failed.length > 0) {
					context.fail({
						message: `${failed.length} of ${HASH_CLIENTS.length * PER_CLIENT} requests failed with STRATEGY=ip-hash`,
						expected: 'status 200',
						actual: describeFailures(failed),
						repro: `${context.runItYourself}   # then: curl --interface 127.0.3.4 -si 'http://${context.host}:${context.port}/'`,
					});
				}
				const strangers = [...new Set(byClient.flatMap(({answers}) => answers.map(answer => answer.pid)).filter(pid => pid === undefined || !kids.includes(pid)))];
				if (strangers.length > 0) {
					context.fail({
						message: 'With STRATEGY=ip-hash some answers name a pid that is not one of your children',
						expected: `x-worker-pid is one of ${list(kids)}`,
						actual: `x-worker-pid values: ${strangers.map(String).join(', ')}${strangers.some(pid => pid !== undefined && previous.includes(pid)) ? ' (children of the previous run)' : ''}`,
					});
				}
				const unstable = byClient.filter(({address, answers}) => new Set([...answers.map(answer => answer.pid), ...(beforeResets.has(address) ? [beforeResets.get(address)] : [])]).size > 1);
				if (unstable.length > 0) {
					context.fail({
						message: `With STRATEGY=ip-hash, ${unstable.length} of ${HASH_CLIENTS.length} clients were served by different children from one connection to the next: the choice does not follow the client's address`,
						expected: `all connections from one address go to the same child: ${PER_CLIENT} now (${PER_CLIENT - 1} of them at the same moment), and the one before the resets`,
						actual: unstable
							.slice(0, 3)
							.map(({address, answers}) => `${address} -> ${beforeResets.has(address) ? `${beforeResets.get(address)} before the resets, then ` : ''}${answers.map(answer => answer.pid).join(', ')}`)
							.join('\n'),
						hint: 'Hash socket.remoteAddress only. The remote port changes with every connection, so anything that includes it (or a counter, or Math.random) moves the client around. And a reset connection is one socket to drop, not a reason to change the table.',
						repro: `for i in 1 2 3; do curl -s -o /dev/null -D - --interface 127.0.3.4 'http://${context.host}:${context.port}/' | grep -i x-worker-pid; done`,
					});
				}
				const spread = new Map<number, number>();
				for (const {answers} of byClient) spread.set(answers[0]!.pid!, (spread.get(answers[0]!.pid!) ?? 0) + 1);
				if (spread.size < 2) {
					context.fail({
						message: `With STRATEGY=ip-hash all ${HASH_CLIENTS.length} client addresses went to one child`,
						expected: 'different addresses spread over at least 2 of your children',
						actual: `clients per child: ${perChild(kids, spread)} (addresses ${HASH_CLIENTS.slice(0, 3).join(', ')}, …)`,
						hint: 'Use every part of the address in the hash (e.g. FNV-1a over the string, or the sum of all four numbers), then take it modulo the number of children.',
					});
				}
				const stale = previous.filter(pid => isAlive(pid));
				context.note(`children after the restart: ${list(kids)} (the first run's ${list(previous)} ${stale.length > 0 ? `still alive: ${list(stale)}` : 'are gone'}); ${HASH_CLIENTS.length} clients per child: ${perChild(kids, spread)}`);
			},
		},
		{
			id: 'priority-robust',
			title: `Restarted with STRATEGY=priority PRIORITY_PREFIX=${PRIORITY_PREFIX}: early connections, honest pids, nothing lost, no leaked files, resets survived`,
			timeoutMs: 180_000,
			async run(context) {
				const hold = await restartHeld(context, {STRATEGY: 'priority', PRIORITY_PREFIX});
				const crowd = priorityCrowd(PRIORITY_PREFIX);
				const early = await requireEarlyAnswered(context, hold, crowd.clients);
				await freshChildren(context);
				context.memo.set('before-resets', await requireHonestPids(context, crowd, 8));
				const lost = await requireNoneLost(context, crowd, 120);
				const files = await requireFdsFlat(context, crowd, 200);
				await requireResetsSurvived(context, crowd, 30);
				context.note(`${early}; ${lost}; ${files}`);
			},
		},
		{
			id: 'priority',
			title: 'STRATEGY=priority: PRIORITY_PREFIX* always reaches the special child, nobody else does',
			// A restart for the second PRIORITY_PREFIX, with children that may take seconds to start.
			timeoutMs: 90_000,
			async run(context) {
				// The run the resets hit: the same special child as before them, and every child still at work.
				const {priority} = priorityClients(PRIORITY_PREFIX);
				const beforeResets = (context.memo.get('before-resets') as Map<string, number> | undefined) ?? new Map<string, number>();
				const specialBefore = priority.map(address => beforeResets.get(address)).find(pid => pid !== undefined);
				const first = await requirePriority(context, PRIORITY_PREFIX, 4, specialBefore);
				// The other prefix, on a fresh run: a prefix read from the environment, not the lesson's.
				await context.restart({STRATEGY: 'priority', PRIORITY_PREFIX: SECOND_PREFIX});
				await freshChildren(context);
				const second = await requirePriority(context, SECOND_PREFIX, 2);
				context.note(`${first}; ${second}`);
			},
		},
		{
			id: 'drops-privileges',
			title: 'Children started by a root primary do not run as root',
			timeoutMs: 5000,
			async run(context) {
				if (process.getuid?.() !== 0) {
					context.note('not run: the checker is not root, so neither is your program (run the checker as root to try it)');
					return;
				}
				const kids = ipcChildren(context.primaryPid);
				// The kit started the program with supplementary group 0 (supplementaryGroups): if that
				// did not take, a child that never calls setgroups([]) cannot be told apart.
				const arranged = credentials(context.primaryPid)?.groups.includes(ROOT_GROUP) ?? false;
				const rows = kids.map(pid => ({pid, creds: credentials(pid)}));
				const table = rows.map(({pid, creds}) => (creds ? `child ${pid}: uid ${creds.uid.slice(0, 2).join('/')}, gid ${creds.gid.slice(0, 2).join('/')}, groups [${creds.groups.join(' ')}]` : `child ${pid}: gone`)).join('\n');
				const asRoot = rows.filter(({creds}) => creds && (creds.uid[0] === 0 || creds.uid[1] === 0));
				const repro = `grep -E 'Uid|Gid|Groups' /proc/<child pid>/status   # real, effective, saved, fs`;
				if (asRoot.length > 0) {
					context.fail({
						message: `${asRoot.length} of your children still run as root (uid 0): a bug in request handling would hand root to whoever exploits it`,
						expected: 'real and effective uid of every child not 0 (e.g. 65534, nobody)',
						actual: table,
						hint: "First thing in worker.ts, when process.getuid() === 0: process.setgroups([]), process.setgid('nogroup') (or 'nobody'), then process.setuid('nobody'). In that order: once the uid is no longer 0, setgid() is refused.",
						repro,
					});
				}
				const rootGroup = rows.filter(({creds}) => creds && (creds.gid[0] === 0 || creds.gid[1] === 0 || creds.groups.includes(0)));
				if (rootGroup.length > 0) {
					context.fail({
						message: `${rootGroup.length} of your children gave up the root user but kept the root group (gid 0${rootGroup.some(({creds}) => creds!.groups.includes(0)) ? ' among their supplementary groups' : ''}): they can still read and write whatever group root may`,
						expected: `no 0 among the real and effective gid and the supplementary groups (your primary started with groups [${credentials(context.primaryPid)?.groups.join(' ') ?? '?'}])`,
						actual: table,
						hint: "setuid() changes only the user, setgid() only the primary group. Call process.setgroups([]) first, then process.setgid('nogroup'), then process.setuid('nobody').",
						repro,
					});
				}
				context.note(`${table.replace(/\n/g, '; ')}${arranged ? '' : `; supplementary groups not judged: your primary did not start with group ${ROOT_GROUP} (the kit could not set it here)`}`);
			},
		},
		withIdleAndHalfSent(
			sigtermStep({
				primaryHint:
					'Handle SIGTERM in the primary: stop accepting, kill the children, exit, with a timer that ends everything after 2 s whatever happens. Do not wait for server.close() to call back, nor for the children to drain their connections: an idle keep-alive connection or a request half sent can stay open for ever.',
				orphanHint: 'A forked child keeps running when its parent dies if anything (a timer, a connection) keeps it busy. Make children exit on process.on("disconnect"), and kill them from the primary on SIGTERM.',
			}),
		),
	],
};
