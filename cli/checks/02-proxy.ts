import {createHash, randomBytes} from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import {setTimeout as delay} from 'node:timers/promises';
import {HOP_BY_HOP, hopProbeHeaders, leakedHopHeaders} from '../harness/hop-by-hop.js';
import {mib, peakRss, rssBytes} from '../harness/memory.js';
import {descendantsOf, holdersOf, isAlive, listenInodes} from '../harness/procfs.js';
import {armHold, holdEnvironment, HOLD_VARIABLES} from '../harness/hold-at-start.js';
import {countByPid, type Answer} from '../harness/traffic.js';
import {newConnections, upstreamConnections} from '../harness/upstream-connections.js';
import {describeFailures, list, pollUntil, requireWholeAgain, sigtermStep, startsStep, tooBusyToJudge} from './common.js';
import type {LabCheck, Step, StepContext} from './step.js';

/** Not the lesson's default (2): the first run uses the first, the ip-hash run the second. */
const WORKERS = 3;
const HASH_WORKERS = 4;
/** The ip-hash run's variables. */
const HASH_ENV = {STRATEGY: 'ip-hash', WORKERS: String(HASH_WORKERS)};
/** The Contract's figures. */
const UPSTREAM_TIMEOUT_MS = 1000;
const RETRY_AFTER_MS = 500;
/**
A backend that answers this long after it has the request is in time: 600 ms
short of the timeout, room for a proxy starved of the CPU on a busy machine.
*/
const IN_TIME_MS = 400;
/**
How long a killed backend's replacement is held at its start (hold-at-start.cjs):
the dead port then refuses connections for at least this long, more than
RETRY_AFTER_MS, so a proxy that keeps sending to it fails requests for all to see,
and one that ejects it must also try it again after RETRY_AFTER_MS (still dead).
No longer than that: readmission comes at a retry, RETRY_AFTER_MS apart, and
every period the port stays dead costs the step a period. (The replacement
still starts tsx after the hold, so the port is dead for longer than this.)
*/
const HOLD_MS = 700;
const MAX_SOCKETS = 8;
/** The streaming bodies, and how much the proxy's memory may grow while one passes. */
const BODY_BYTES = 16 * 1024 * 1024;
/**
A proxy that streams still passes what the kernel's socket buffers take before
back-pressure stops it (up to 4 MiB per socket here, and Node's 64 KiB read
buffers stay resident until the garbage collector runs): 1 to 14.5 MiB
measured on a busy machine. One that holds the body holds all 16 MiB, and
about 30 MiB was measured. The flow checks of the same step catch a buffering
proxy whatever the memory says.
*/
const RSS_ALLOWANCE = BODY_BYTES;
/** Clients for the ip-hash run: distinct third octets, as in lab 04. */
const HASH_CLIENTS = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 42, 77, 120, 201].map((third, index) => `127.0.${third}.${10 + index * 7}`);

type Backend = {index: number; port: number; pid: number};

function backends(context: StepContext): Backend[] {
	return context.memo.get('backends') as Backend[];
}

/** "pid 4101 (backend on 3002)" */
function who(context: StepContext, pid: number | undefined): string {
	if (pid === undefined) return 'no pid';
	if (pid === context.primaryPid) return `pid ${pid} (your proxy)`;
	const backend = backends(context)?.find(entry => entry.pid === pid);
	return backend ? `pid ${pid} (backend on ${backend.port})` : `pid ${pid}`;
}

function describeError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException).code ?? '';
	if (code === 'ECONNREFUSED') return 'connection refused (nothing listening)';
	if (code === 'ECONNRESET') return 'connection reset by the server';
	if ((error as Error).message === 'socket hang up') return 'the server closed the connection without answering';
	return (error as Error).message || String(error);
}

type Reply = {status: number; headers: http.IncomingHttpHeaders; body: Buffer; ms: number; error?: string; pid?: number};

/**
One request with node:http on a fresh connection, headers exactly as given
(undici would add or refuse some): for the header steps, the streaming step
and requests straight to a backend.
*/
function call(
	host: string,
	port: number,
	options: {path: string; method?: string; headers?: http.OutgoingHttpHeaders; body?: Buffer; localAddress?: string; timeoutMs?: number; signal?: AbortSignal; onBody?: (chunk: Buffer) => void; hold?: () => Promise<void>},
): Promise<Reply> {
	const {path, method = 'GET', headers = {}, body, localAddress, timeoutMs = 5000} = options;
	const started = Date.now();
	return new Promise(resolve => {
		let settled = false;
		const chunks: Buffer[] = [];
		const finish = (reply: Omit<Reply, 'ms'>) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			request.destroy();
			resolve({...reply, ms: Date.now() - started});
		};
		// With `hold`, nothing is read from the connection until hold() resolves: a slow
		// client, whose receive window stays small (the kernel grows it only as the reader reads).
		let socket: net.Socket | undefined;
		if (options.hold) {
			socket = net.connect({host, port, ...(localAddress ? {localAddress} : {})});
			socket.pause();
			void options.hold().then(() => socket!.resume());
		}
		const request = http.request({host, port, path, method, headers, ...(socket ? {createConnection: () => socket} : {agent: false}), ...(localAddress ? {localAddress} : {})}, response => {
			response.on('data', (chunk: Buffer) => (options.onBody ? options.onBody(chunk) : chunks.push(chunk)));
			response.on('error', error => finish({status: 0, headers: {}, body: Buffer.alloc(0), error: describeError(error)}));
			response.on('end', () => {
				const pid = response.headers['x-worker-pid'];
				finish({status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), pid: typeof pid === 'string' && /^\d+$/.test(pid) ? Number(pid) : undefined});
			});
		});
		const timer = setTimeout(() => finish({status: 0, headers: {}, body: Buffer.alloc(0), error: `no answer within ${timeoutMs} ms`}), timeoutMs);
		request.on('error', error => finish({status: 0, headers: {}, body: Buffer.alloc(0), error: describeError(error)}));
		options.signal?.addEventListener('abort', () => finish({status: 0, headers: {}, body: Buffer.alloc(0), error: 'aborted by the checker'}), {once: true});
		request.end(body);
	});
}

type Stats = {pid: number; port: number; accepted: number; open: number; peakOpen: number; slowWaiting: number; uploading: number; uploadBytes: number; held: number};

/**
How long a backend's GET /stats may take. Nothing judges its speed: at 3 s, three
backends all missed it once beside CPU hogs (load 13) and the step failed for a
reason not its own.
*/
const STATS_MS = 6000;

/** GET /stats straight from the backend on `port` (not through the proxy); undefined if it does not answer. */
async function statsOf(context: StepContext, port: number, reset = false): Promise<Stats | undefined> {
	const reply = await call(context.host, port, {path: reset ? '/stats?reset=1' : '/stats', timeoutMs: STATS_MS});
	if (reply.status !== 200) return undefined;
	try {
		return JSON.parse(reply.body.toString('utf8')) as Stats;
	} catch {
		return undefined;
	}
}

async function allStats(context: StepContext, reset = false): Promise<Stats[]> {
	const found = await Promise.all(backends(context).map(backend => statsOf(context, backend.port, reset)));
	const missing = backends(context).filter((_, index) => found[index] === undefined);
	if (missing.length > 0) {
		context.fail({
			message: `Backend${missing.length > 1 ? 's' : ''} on port ${list(missing.map(backend => backend.port))} did not answer GET /stats directly`,
			expected: 'every backend started from backend.ts, unchanged, answering on its own port',
			actual: `no JSON from ${list(missing.map(backend => `${context.host}:${backend.port}`))}`,
			hint: 'The checker counts connections with the GET /stats route of backend.ts: start the backends from that file, as it is.',
			repro: `curl -s http://${context.host}:${missing[0]!.port}/stats`,
		});
	}
	return found as Stats[];
}

/** The 1 MiB block GET /download repeats (xorshift32, seed 2463534242), as backend.ts builds it. */
function downloadBlock(): Buffer {
	const block = Buffer.alloc(1024 * 1024);
	let x = 2463534242;
	for (let i = 0; i < block.length; i++) {
		x ^= x << 13;
		x >>>= 0;
		x ^= x >>> 17;
		x ^= x << 5;
		x >>>= 0;
		block[i] = x & 0xff;
	}
	return block;
}

/**
The backend processes: for each of PORT+1 … PORT+WORKERS, the one process that
holds its LISTEN socket, a descendant of the proxy, every one a different
process; the proxy holds PORT and no backend's socket, and no backend holds PORT.
*/
async function requireBackends(context: StepContext): Promise<Backend[]> {
	const workers = Number(context.env.WORKERS);
	const ports = Array.from({length: workers}, (_, index) => context.port + 1 + index);
	context.waitingFor(`listening sockets on ports ${list(ports)}`);
	await pollUntil(() => (ports.every(port => listenInodes(port).length > 0) ? true : undefined), 10_000, context);
	const tree = [context.primaryPid, ...descendantsOf(context.primaryPid).map(proc => proc.pid)];
	const repro = `${context.runItYourself} &  sleep 3; ss -ltnp | grep -E ':(${[context.port, ...ports].join('|')})\\b'`;
	const found: Backend[] = [];
	const problems: string[] = [];
	for (const [index, port] of ports.entries()) {
		const inodes = listenInodes(port);
		const holders = [...new Set(inodes.flatMap(inode => holdersOf(inode, tree)))];
		if (inodes.length === 0) problems.push(`port ${port}: nothing listens`);
		else if (holders.length === 0) problems.push(`port ${port}: a process outside your program's tree listens`);
		else if (holders.length > 1) problems.push(`port ${port}: held by ${holders.length} processes (${list(holders)})`);
		else if (holders[0] === context.primaryPid) problems.push(`port ${port}: held by your proxy process itself (${holders[0]})`);
		else found.push({index, port, pid: holders[0]!});
	}
	const extra = Array.from({length: 3}, (_, offset) => context.port + 1 + workers + offset).filter(port => listenInodes(port).some(inode => holdersOf(inode, tree).length > 0));
	if (problems.length > 0 || extra.length > 0) {
		context.fail({
			message: problems.some(problem => problem.includes('proxy process itself'))
				? 'Your backends run inside the proxy process: each must be a process of its own'
				: extra.length > 0
					? `WORKERS=${workers}, but your program listens on ${extra.map(port => `PORT+${port - context.port}`).join(', ')} as well: more backends than WORKERS`
					: `WORKERS=${workers}: the backends do not each listen on a port of their own (PORT+1 … PORT+${workers})`,
			expected: `${workers} backend processes, backend i listening on ${context.host}:PORT+1+i (${list(ports)}), each a different child of your main.ts`,
			actual: [...problems, ...extra.map(port => `port ${port}: something of yours listens there too`)].join('\n'),
			hint: "Fork one backend.ts per backend, with its port as argument: fork(BACKEND_FILE, [String(PORT + 1 + i)]). Read WORKERS from process.env (a string: Number() it); don't start the backends' servers in main.ts.",
			repro,
		});
	}
	const pids = found.map(backend => backend.pid);
	if (new Set(pids).size !== pids.length) {
		context.fail({
			message: 'Several backend ports are held by one process: each backend must be a process of its own',
			expected: `${workers} different processes`,
			actual: found.map(backend => `port ${backend.port}: pid ${backend.pid}`).join('\n'),
			hint: 'Fork one child per backend; one child must not open several ports.',
			repro,
		});
	}
	const proxyInodes = listenInodes(context.port);
	const proxyHolders = [...new Set(proxyInodes.flatMap(inode => holdersOf(inode, tree)))];
	if (proxyHolders.length !== 1 || proxyHolders[0] !== context.primaryPid) {
		context.fail({
			message: `PORT ${context.port} is held by ${proxyHolders.length === 0 ? 'no process of yours' : list(proxyHolders.map(pid => who({...context, memo: new Map([['backends', found]])}, pid)))}: only the proxy may hold it`,
			expected: `the listening socket on PORT held by your proxy (pid ${context.primaryPid}) and by no backend`,
			actual: `holders of ${context.host}:${context.port}: ${list(proxyHolders)}`,
			hint: 'The proxy (main.ts) listens on PORT; the backends listen on their own ports only. Do not share the proxy\'s server with them (no cluster, no send(server)).',
			repro,
		});
	}
	context.memo.set('backends', found);
	return found;
}

/** "4101: 30, 4102: 29" in backend order. */
function perBackend(list_: Backend[], tally: Map<number, number>): string {
	return list_.map(backend => `${backend.pid} (port ${backend.port}): ${tally.get(backend.pid) ?? 0}`).join(', ');
}

/** The backend that answers now on `port`: a live process holding its LISTEN socket. */
function listenerOn(port: number, tree: number[]): number | undefined {
	const holders = [...new Set(listenInodes(port).flatMap(inode => holdersOf(inode, tree)))];
	return holders.length === 1 && isAlive(holders[0]!) ? holders[0] : undefined;
}

type Sent = Answer & {startedAt: number; from: string};

/**
SIGKILL one backend under a steady load of GET / (3 lanes, fresh connections,
from `clients` in turn), then prove: the failures were only the requests in
flight or sent before the proxy could know; once a failure was seen, none
followed; the backend came back on its port (your main.ts starts it again) and
got requests again within RETRY_AFTER_MS of listening (plus slack); afterwards
`whole` proves full health. Returns the backends as they are now.
*/
async function requireKillSurvived(context: StepContext, options: {victim: Backend; clients: readonly string[]; under: string}): Promise<{backends: Backend[]; note: string}> {
	const {victim, clients, under} = options;
	const LANES = 8;
	// Kept-alive connections to the dead backend can fail under a request before the
	// proxy has seen them close (measured: up to 3 with 8 lanes); none may fail later.
	const RACE_ALLOWANCE = LANES;
	const sent: Sent[] = [];
	let stop = false;
	let sequence = 0;
	// Bounded by time, with a count bound that cannot end the load first: on an idle machine 8 lanes
	// make about 2000 requests a second, and a cap of 6000 once ran dry before the replacement listened,
	// so no request was left to readmit it with.
	const hardStop = Date.now() + 20_000;
	const MAX_REQUESTS = 60_000;
	// Each lane sends at most one request every LANE_PERIOD_MS (800 a second in all): steady, and not so
	// many that the checker takes the CPU the replacement backend needs to start.
	const LANE_PERIOD_MS = 10;
	const lane = async () => {
		while (!stop && Date.now() < hardStop && sequence < MAX_REQUESTS) {
			const from = clients[sequence++ % clients.length]!;
			const startedAt = Date.now();
			const answer = await context.http.get('/', {localAddress: from, timeoutMs: 8000, fresh: false});
			sent.push({...answer, startedAt, from});
			const rest = startedAt + LANE_PERIOD_MS - Date.now();
			if (rest > 0 && !stop) await delay(rest);
		}
	};
	context.waitingFor(`a steady load of GET /${under} before a backend is killed`);
	const lanes = Promise.all(Array.from({length: LANES}, lane));
	try {
		await pollUntil(() => (sent.length >= 30 ? true : undefined), 5000, context);
		const tree = () => [context.primaryPid, ...descendantsOf(context.primaryPid).map(proc => proc.pid)];
		// The replacement waits at its start for HOLD_MS (hold-at-start.cjs): the port stays dead that
		// long however fast the machine restarts it, so a proxy that keeps sending to it is seen doing so.
		const hold = armHold(context.env.NCL_HOLD_FILE!);
		let held: number | undefined;
		/** Until when the port was surely dead: its replacement held at its start until then. */
		let deadUntil: number | undefined;
		// Connections to the victim's port that exist now are the old backend's; a new one after
		// the kill can only reach its replacement (a refused connect leaves no row).
		const connectionsBefore = upstreamConnections([context.host], victim.port);
		const killedAt = Date.now();
		try {
			try {
				process.kill(victim.pid, 'SIGKILL');
			} catch {
				// Already gone: the rest of the step says what that means.
			}
			context.waitingFor(`your main.ts to start a new backend for port ${victim.port} after pid ${victim.pid} was killed${under}`);
			held = await pollUntil(() => hold.held()[0] ?? (listenerOn(victim.port, tree()) !== undefined ? -1 : undefined), 10_000, context);
			if (held !== undefined && held > 0) {
				context.waitingFor(`${HOLD_MS} ms of load while the new backend ${held} is held at its start${under}`);
				await delay(HOLD_MS, undefined, {signal: context.signal}).catch(() => undefined);
				deadUntil = Date.now();
			}
		} finally {
			hold.release();
		}
		context.waitingFor(`a new backend listening on port ${victim.port} after pid ${victim.pid} was killed${under}`);
		const back = await pollUntil(() => {
			const pid = listenerOn(victim.port, tree());
			return pid !== undefined && pid !== victim.pid ? pid : undefined;
		}, 10_000, context);
		if (back === undefined) {
			stop = true;
			await lanes;
			context.fail({
				message: `After backend ${victim.pid} (port ${victim.port}) was killed, no backend listened on port ${victim.port} again within 10 s${under}`,
				expected: `your main.ts starts a new backend on the same port, ${victim.port}, when one dies`,
				actual: `nothing of yours listens on ${victim.port}${isAlive(context.primaryPid) ? '' : '; your proxy is gone as well'}`,
				hint: "In main.ts, on the child's 'exit' event (unless you are shutting down), fork backend.ts again with the same port.",
				repro: `${context.runItYourself} &  sleep 3; kill -9 <pid of the backend on ${victim.port}>; sleep 2; ss -ltnp | grep ${victim.port}`,
			});
		}
		const backAt = Date.now();
		context.waitingFor(`requests reaching the new backend ${back} on port ${victim.port}${under}`);
		// Readmitted: the proxy sent it a request. An answer says so; so does a connection the proxy
		// opened to it, whose answer may be slow to come from a backend just started on a busy machine.
		const readmitted = await pollUntil(() => {
			const answer = sent.find(answer => answer.pid === back && answer.status === 200);
			if (answer) return {at: answer.finishedAt, what: 'got a request'};
			return newConnections(connectionsBefore, upstreamConnections([context.host], victim.port)).total > 0 ? {at: Date.now(), what: 'got a connection from your proxy'} : undefined;
		}, RETRY_AFTER_MS + 4000, context);
		if (readmitted !== undefined) {
			// A connect refused just before the new backend listened can reach the proxy's event loop
			// just after it had already sent the backend a request: a right proxy then keeps it out for
			// RETRY_AFTER_MS more (seen once on Node 24 in CI, where the full-health burst that follows
			// found it skipped). Any such refusal was sent before `backAt`, so a request that reaches
			// the backend and started RETRY_AFTER_MS after `backAt` proves none is left to come.
			context.waitingFor(`a request reaching the new backend ${back} that started ${RETRY_AFTER_MS} ms after it listened${under}`);
			await pollUntil(() => (sent.some(answer => answer.pid === back && answer.status === 200 && answer.startedAt >= backAt + RETRY_AFTER_MS) ? true : undefined), RETRY_AFTER_MS + 4000, context);
		}
		stop = true;
		await lanes;
		const failed = sent.filter(answer => answer.status !== 200);
		const afterKill = failed.filter(answer => answer.startedAt >= killedAt);
		const firstSeen = afterKill.length > 0 ? Math.min(...afterKill.map(answer => answer.finishedAt)) : Infinity;
		const late = afterKill.filter(answer => answer.startedAt > firstSeen + 20);
		const inFlight = failed.length - afterKill.length;
		const repro = `${context.runItYourself} &  sleep 3; (for i in $(seq 300); do ${context.curl('/')} -o /dev/null -w '%{http_code}\\n'; done | sort | uniq -c) & sleep 0.5; kill -9 <pid of the backend on ${victim.port}>`;
		if (late.length > 0 || afterKill.length > RACE_ALLOWANCE) {
			context.fail({
				message: `After backend ${victim.pid} (port ${victim.port}) was killed, ${afterKill.length} requests sent later failed${under}: requests kept going to the dead backend`,
				expected: `at most the requests in flight on it (${inFlight} here) and ${RACE_ALLOWANCE} or fewer sent before your proxy could know; a refused one goes to another backend, and none fails once the first failure came back`,
				actual: `${describeFailures(afterKill)}; ${late.length} of them sent more than 20 ms after the first failure came back`,
				hint: `When a connection to a backend is refused (ECONNREFUSED), note the time: send it nothing for ${RETRY_AFTER_MS} ms, and send that request (it has no body: nothing reached the backend) to the next backend.`,
				repro,
			});
		}
		// The verdict above needs requests sent while the port was dead, after the first failure came back:
		// a proxy that keeps the dead backend fails some of them. A checker stalled through the dead time
		// sends none, and a proxy that never ejects then passed (beside CPU hogs): not a pass, a "could not judge".
		if (deadUntil !== undefined) {
			const from = Number.isFinite(firstSeen) ? firstSeen + 20 : killedAt;
			const probing = sent.filter(answer => answer.startedAt > from && answer.startedAt < deadUntil!).length;
			const need = Math.max(2 * backends(context).length, clients.length);
			if (probing < need) {
				tooBusyToJudge(context, {
					message: `The machine was too busy to judge${under}: only ${probing} requests were sent while port ${victim.port} was dead${Number.isFinite(firstSeen) ? ' and the first failure had come back' : ''}, too few to see where your proxy sends them`,
					expected: `at least ${need} requests in that time (the load sends about 800 a second)`,
					actual: `${sent.length} requests in ${Date.now() - killedAt} ms since the kill; the port was dead for ${deadUntil - killedAt} ms at least`,
				});
			}
		}
		if (readmitted === undefined) {
			context.fail({
				message: `Backend ${back}, started again on port ${victim.port}, got no request within ${(RETRY_AFTER_MS + 4000) / 1000} s of listening${under}: it was never readmitted`,
				expected: `requests reach it again at most ${RETRY_AFTER_MS} ms after it listens (plus time for the next request to come)`,
				actual: `answers since it listened, by pid: ${[...countByPid(sent.filter(answer => answer.startedAt >= backAt))].map(([pid, n]) => `${pid}: ${n}`).join(', ') || 'none'}; your proxy opened no connection to port ${victim.port}`,
				hint: `Keep a dead backend out for ${RETRY_AFTER_MS} ms only (a time, not a flag that stays set), then try it again: it may have come back.`,
				repro,
			});
		}
		const now = backends(context).map(backend => (backend.port === victim.port ? {...backend, pid: back} : backend));
		context.memo.set('backends', now);
		const heldNote = held !== undefined && held > 0 ? `its replacement was held ${HOLD_MS} ms at its start, then ` : '';
		return {backends: now, note: `killed ${victim.pid}: ${failed.length} of ${sent.length} requests failed (${inFlight} in flight, ${afterKill.length} before the proxy knew); ${heldNote}pid ${back} listened ${backAt - killedAt} ms after the kill and ${readmitted!.what} ${Math.max(0, readmitted!.at - backAt)} ms after that`};
	} finally {
		stop = true;
		await lanes;
	}
}

/** Expected vs received X-Forwarded-* and Host for one request through the proxy. */
async function requireForwardedHeaders(context: StepContext): Promise<string> {
	const from = '127.0.0.7';
	const host = 'shop.example:8080';
	const cases = [
		{sent: {host, 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https'}, xff: `203.0.113.9, ${from}`},
		{sent: {host}, xff: from},
	];
	const notes: string[] = [];
	for (const [index, {sent, xff}] of cases.entries()) {
		const path = `/headers?case=${index}&q=a%20b`;
		context.waitingFor(`GET ${path} through the proxy from ${from}`);
		const reply = await call(context.host, context.port, {path, headers: sent, localAddress: from});
		const curl = `curl -s --interface ${from} -H 'Host: ${host}'${'x-forwarded-for' in sent ? ` -H 'X-Forwarded-For: 203.0.113.9' -H 'X-Forwarded-Proto: https'` : ''} 'http://${context.host}:${context.port}${path}'`;
		if (reply.status !== 200) {
			context.fail({
				message: `GET ${path} through the proxy answered ${reply.error ?? reply.status}`,
				expected: "200 with the backend's JSON",
				actual: reply.error ?? `status ${reply.status}: ${reply.body.toString('utf8').slice(0, 200)}`,
				repro: curl,
			});
		}
		let seen: {url: string; headers: Record<string, string>};
		try {
			seen = JSON.parse(reply.body.toString('utf8'));
		} catch {
			return context.fail({message: 'GET /headers through the proxy did not return the JSON backend.ts writes', expected: 'JSON from the backend', actual: reply.body.toString('utf8').slice(0, 200), repro: curl});
		}
		const wanted: Record<string, string> = {host, 'x-forwarded-for': xff, 'x-forwarded-proto': 'http', 'x-forwarded-host': host};
		const wrong = Object.entries(wanted).filter(([name, value]) => seen.headers[name] !== value);
		if (seen.url !== path) wrong.push(['the path', path]);
		if (wrong.length > 0) {
			const says = (name: string) => (name === 'the path' ? seen.url : seen.headers[name]);
			const first = wrong[0]![0];
			context.fail({
				message:
					first === 'x-forwarded-for'
						? `The backend got X-Forwarded-For: ${seen.headers['x-forwarded-for'] ?? '(none)'}${'x-forwarded-for' in sent ? ', but the client had sent 203.0.113.9: the proxy must append the client address to the list, not replace it' : ': the proxy must set it to the client address'}`
						: first === 'x-forwarded-proto'
							? `The backend got X-Forwarded-Proto: ${seen.headers['x-forwarded-proto'] ?? '(none)'}: the proxy must say how the client reached it (http), whatever the client claimed`
							: first === 'host'
								? `The backend got Host: ${seen.headers.host}: the proxy must pass the client's Host on unchanged`
								: `The backend got ${first}: ${says(first) ?? '(none)'}`,
				expected: wrong.map(([name, value]) => `${name}: ${value}`).join('\n'),
				actual: wrong.map(([name]) => `${name}: ${says(name) ?? '(missing)'}`).join('\n'),
				hint: "Copy the end-to-end headers (Host included), then set x-forwarded-for to the client's list plus req.socket.remoteAddress (', ' between), x-forwarded-proto to 'http', x-forwarded-host to req.headers.host. Pass req.url on as the path.",
				repro: curl,
			});
		}
		notes.push(`X-Forwarded-For: ${seen.headers['x-forwarded-for']}`);
	}
	return notes.join('; ');
}

async function requireHopByHopDropped(context: StepContext): Promise<string> {
	const probe = hopProbeHeaders('client');
	const path = '/headers?hop=1';
	context.waitingFor(`GET ${path} with hop-by-hop headers through the proxy`);
	const reply = await call(context.host, context.port, {path, headers: probe.send});
	const curl = `curl -si -H 'Connection: keep-alive, ${probe.named}' -H '${probe.named}: secret' -H 'Keep-Alive: timeout=9' -H 'TE: trailers' -H 'Upgrade: h2c' -H 'Proxy-Authorization: Basic eA==' 'http://${context.host}:${context.port}${path}'`;
	if (reply.status !== 200) {
		context.fail({message: `GET ${path} with hop-by-hop headers answered ${reply.error ?? reply.status}`, expected: '200', actual: reply.error ?? `status ${reply.status}`, repro: curl});
	}
	const seen = JSON.parse(reply.body.toString('utf8')) as {headers: Record<string, string>};
	const leakedIn = leakedHopHeaders(seen.headers, [probe.named], [probe.marker]);
	for (const name of ['te', 'upgrade']) if (seen.headers[name] !== undefined && !leakedIn.some(line => line.startsWith(`${name}:`))) leakedIn.push(`${name}: ${seen.headers[name]}`);
	if (leakedIn.length > 0 || seen.headers[probe.endToEnd] !== 'kept') {
		context.fail({
			message: leakedIn.length > 0 ? `The backend received ${leakedIn.length} hop-by-hop header${leakedIn.length > 1 ? 's' : ''} that the client meant for the proxy` : `The backend did not get the end-to-end header ${probe.endToEnd}: the proxy dropped too much`,
			expected: `none of ${HOP_BY_HOP.join(', ')} as the client sent them, nor ${probe.named} (named in the client's Connection header); ${probe.endToEnd}: kept`,
			actual: [...leakedIn, `${probe.endToEnd}: ${seen.headers[probe.endToEnd] ?? '(missing)'}`].join('\n'),
			hint: "Before forwarding, drop Connection, Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade, every Proxy-* header, and every header that the Connection header names (split its value at commas). Node's http.request then writes its own Connection header for its own connection.",
			repro: curl,
		});
	}
	const leakedOut = leakedHopHeaders(reply.headers, ['x-backend-hop'], ['max=77', 'h2c']);
	if (leakedOut.length > 0 || reply.headers['x-backend-end-to-end'] !== 'for the client') {
		context.fail({
			message: leakedOut.length > 0 ? `The client received ${leakedOut.length} hop-by-hop header${leakedOut.length > 1 ? 's' : ''} of the backend's answer` : 'The client did not get the end-to-end header x-backend-end-to-end of the answer',
			expected: "none of the backend's Connection, Keep-Alive, Upgrade, Proxy-Authenticate, nor x-backend-hop (named in its Connection header); x-backend-end-to-end: for the client",
			actual: [...leakedOut, `x-backend-end-to-end: ${reply.headers['x-backend-end-to-end'] ?? '(missing)'}`].join('\n'),
			hint: "The answer's headers need the same filter as the request's before res.writeHead(status, headers): GET /headers of backend.ts answers with Connection: keep-alive, x-backend-hop.",
			repro: `curl -si 'http://${context.host}:${context.port}${path}'`,
		});
	}
	return `request and answer: ${Object.keys(probe.send).length - 1} hop-by-hop headers dropped, end-to-end kept`;
}

/** GET / from each client in turn, `rounds` times: who answered each. */
async function servedBy(context: StepContext, clients: readonly string[], rounds: number): Promise<Map<string, Answer[]>> {
	const byClient = new Map<string, Answer[]>(clients.map(client => [client, []]));
	for (let round = 0; round < rounds; round++) {
		const answers = await Promise.all(clients.map(client => context.http.get('/', {localAddress: client, timeoutMs: 10_000})));
		answers.forEach((answer, index) => byClient.get(clients[index]!)!.push(answer));
	}
	return byClient;
}

function requireSticky(context: StepContext, byClient: Map<string, Answer[]>, when: string, expected?: Map<string, number>): Map<string, number> {
	const failed = [...byClient.values()].flat().filter(answer => answer.status !== 200);
	if (failed.length > 0) {
		context.fail({
			message: `${failed.length} requests failed with STRATEGY=ip-hash ${when}`,
			expected: 'status 200',
			actual: describeFailures(failed),
			repro: `${context.runItYourself}   # then: curl --interface 127.0.3.4 -si 'http://${context.host}:${context.port}/'`,
		});
	}
	const moving = [...byClient].filter(([client, answers]) => new Set([...answers.map(answer => answer.pid), ...(expected?.has(client) ? [expected.get(client)] : [])]).size > 1);
	if (moving.length > 0) {
		context.fail({
			message: `With STRATEGY=ip-hash, ${moving.length} of ${byClient.size} clients reached different backends ${when}: the choice does not follow the client's address`,
			expected: `every request from one address reaches the same backend${expected ? ' (the one of the same slot as before the fault)' : ''}`,
			actual: moving
				.slice(0, 3)
				.map(([client, answers]) => `${client} -> ${expected?.has(client) ? `${expected.get(client)} expected, got ` : ''}${answers.map(answer => answer.pid).join(', ')}`)
				.join('\n'),
			hint: "Hash req.socket.remoteAddress only (not the port, not a counter), modulo the number of backends. While that backend is down, take the next one after it, and go back once it is up again.",
			repro: `for i in 1 2 3; do curl -s -o /dev/null -D - --interface 127.0.3.4 'http://${context.host}:${context.port}/' | grep -i x-worker-pid; done`,
		});
	}
	return new Map([...byClient].map(([client, answers]) => [client, answers[0]!.pid!]));
}

/** Connections that stay open during SIGTERM: a slow request, an idle keep-alive connection, a request whose headers never end. */
function withSlowRequestInFlight(step: Step): Step {
	return {
		...step,
		title: `${step.title}, with a slow request in flight, an idle keep-alive connection and a half-sent request open`,
		async run(context) {
			const idle = net.connect({host: context.host, port: context.port});
			const half = net.connect({host: context.host, port: context.port});
			for (const socket of [idle, half]) socket.on('error', () => {});
			const abort = new AbortController();
			const slow = call(context.host, context.port, {path: '/slow?ms=10000', timeoutMs: 8000, signal: abort.signal});
			try {
				await new Promise<void>(resolve => {
					const timer = setTimeout(resolve, 3000);
					idle.once('data', () => {
						clearTimeout(timer);
						resolve();
					});
					idle.write(`GET / HTTP/1.1\r\nHost: ${context.host}:${context.port}\r\nConnection: keep-alive\r\n\r\n`);
				});
				half.write(`GET / HTTP/1.1\r\nHost: ${context.host}:${context.port}\r\n`);
				await delay(200);
				await step.run(context);
			} finally {
				idle.destroy();
				half.destroy();
				abort.abort();
				await slow;
			}
		},
	};
}

/** How long the flow checks wait for a half body to come through (a busy machine can starve the proxy for seconds). */
const FLOW_WAIT_MS = 10_000;

/**
Does the proxy pass a body on while it is still arriving? The checker sends
1 MiB of a 2 MiB upload and waits until the backends have received some of it
(their GET /stats), at most FLOW_WAIT_MS; only then does it send the rest. A
proxy that streams passes the first half on; one that collects the body first
never does.
*/
async function uploadFlows(context: StepContext): Promise<{passed: boolean; waitedMs: number; ok: boolean; error?: string}> {
	const part = randomBytes(1024 * 1024);
	const sum = (stats: Stats[]) => stats.reduce((total, entry) => total + (entry.uploadBytes ?? 0), 0);
	const before = sum(await allStats(context));
	let settle!: (value: {ok: boolean; error?: string}) => void;
	const answered = new Promise<{ok: boolean; error?: string}>(resolve => (settle = resolve));
	const timer = setTimeout(() => {
		request.destroy();
		settle({ok: false, error: `no answer within ${FLOW_WAIT_MS + 10_000} ms`});
	}, FLOW_WAIT_MS + 10_000);
	const request = http.request({host: context.host, port: context.port, path: '/upload', method: 'POST', agent: false, headers: {'content-type': 'application/octet-stream', 'content-length': part.length * 2}}, response => {
		const chunks: Buffer[] = [];
		response.on('data', chunk => chunks.push(chunk));
		response.on('end', () => {
			try {
				const {bytes} = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {bytes: number};
				settle({ok: response.statusCode === 200 && bytes === part.length * 2, error: response.statusCode === 200 ? undefined : `status ${response.statusCode}`});
			} catch {
				settle({ok: false, error: `status ${response.statusCode}, not the JSON of backend.ts`});
			}
		});
	});
	request.on('error', error => settle({ok: false, error: describeError(error)}));
	request.write(part);
	const started = Date.now();
	let passed = false;
	while (Date.now() - started < FLOW_WAIT_MS) {
		if (sum(await allStats(context)) > before) {
			passed = true;
			break;
		}
		await delay(50);
	}
	const waitedMs = Date.now() - started;
	request.end(part);
	const result = await answered;
	clearTimeout(timer);
	return {passed, waitedMs, ...result};
}

/**
The other way: backend.ts sends 1 MiB of a 2 MiB download and then waits for
GET /release. The first byte must reach the checker before it releases the
rest (it waits at most FLOW_WAIT_MS).
*/
async function downloadFlows(context: StepContext): Promise<{passed: boolean; waitedMs: number; ok: boolean; error?: string}> {
	let bytes = 0;
	let firstByte!: () => void;
	const first = new Promise<void>(resolve => (firstByte = resolve));
	const started = Date.now();
	const reply = call(context.host, context.port, {
		path: `/download?bytes=${2 * 1024 * 1024}&hold=1`,
		timeoutMs: FLOW_WAIT_MS + 10_000,
		onBody: chunk => {
			bytes += chunk.length;
			firstByte();
		},
	});
	const passed = await Promise.race([first.then(() => true), delay(FLOW_WAIT_MS).then(() => false), reply.then(() => bytes > 0)]);
	const waitedMs = Date.now() - started;
	await Promise.all(backends(context).map(backend => call(context.host, backend.port, {path: '/release', timeoutMs: 5000})));
	const done = await reply;
	return {passed, waitedMs, ok: done.status === 200 && bytes === 2 * 1024 * 1024, error: done.error ?? (done.status !== 200 ? `status ${done.status}` : undefined)};
}

/**
Clients that hang up mid-request: each sends half of an upload and stops (so
no timeout of the proxy's, which starts once a request is complete, can close
it instead); once the backends have all of them in progress, the clients hang
up, and the backends must see every one close.
*/
async function requireAbortPropagates(context: StepContext, localAddress?: string): Promise<string> {
	const COUNT = 6;
	const uploading = async () => (await allStats(context)).reduce((sum, stats) => sum + (stats.uploading ?? 0), 0);
	const before = await uploading();
	context.waitingFor(`${COUNT} half-sent uploads to reach the backends`);
	const sockets: http.ClientRequest[] = [];
	for (let index = 0; index < COUNT; index++) {
		const request = http.request({host: context.host, port: context.port, path: '/upload', method: 'POST', agent: false, headers: {'content-length': 1024 * 1024}, ...(localAddress ? {localAddress} : {})});
		request.on('error', () => {});
		request.write(Buffer.alloc(64 * 1024, 7));
		sockets.push(request);
	}
	let waiting = 0;
	const sentAt = Date.now();
	while (Date.now() - sentAt < FLOW_WAIT_MS) {
		waiting = (await uploading()) - before;
		if (waiting >= COUNT) break;
		await delay(50);
	}
	for (const request of sockets) request.destroy();
	const abortedAt = Date.now();
	if (waiting < COUNT) {
		context.fail({
			message: `Of ${COUNT} uploads sent through your proxy, only ${waiting} reached the backends within ${FLOW_WAIT_MS / 1000} s`,
			expected: `all ${COUNT} in progress in the backends (their GET /stats)`,
			actual: `uploads in progress in the backends: ${waiting}`,
			hint: 'Forward each request as soon as its headers are in, and pipe its body on as it comes.',
			repro: backends(context).map(backend => `curl -s http://${context.host}:${backend.port}/stats`).join('; '),
		});
	}
	let left = waiting;
	while (Date.now() - abortedAt < 3000) {
		left = (await uploading()) - before;
		if (left <= 0) break;
		await delay(50);
	}
	if (left > 0) {
		context.fail({
			message: `${COUNT} clients hung up in the middle of their uploads, but ${left} of those uploads were still open in the backends 3 s later`,
			expected: 'when the client goes away, the proxy destroys its upstream request, and the backend sees it close',
			actual: `uploads still in progress in the backends: ${left} (of ${waiting} before the clients hung up)`,
			hint: "res.on('close', () => { if (!res.writableFinished) upstream.destroy(); }): 'close' without a finished answer means the client left.",
			repro: `(head -c 65536 /dev/zero; sleep 1) | curl -s -T - -X POST -H 'content-length: 1048576' '${context.baseUrl}/upload'; ${backends(context).map(backend => `curl -s http://${context.host}:${backend.port}/stats`).join('; ')}`,
		});
	}
	return `${waiting} upstream requests closed ${Date.now() - abortedAt} ms or less after their clients hung up`;
}

export const proxyCheck: LabCheck = {
	lab: '02-proxy',
	env: () => ({WORKERS: String(WORKERS), ...holdEnvironment('ncl-02-hold')}),
	kitVariables: HOLD_VARIABLES,
	// The ip-hash copy starts during upstream-timeout, which waits 1 s on the proxy's timer (the one in time
	// has 600 ms to spare, kept for a busy machine): ip-hash then finds it running.
	restartAhead: {during: 'upstream-timeout', env: HASH_ENV},
	variables: {WORKERS: [String(WORKERS), String(HASH_WORKERS)], STRATEGY: ['round-robin', 'ip-hash']},
	steps: [
		startsStep(15_000),
		{
			id: 'backends',
			title: 'WORKERS backends, each its own process listening on its own port; only the proxy holds PORT',
			timeoutMs: 15_000,
			async run(context) {
				const found = await requireBackends(context);
				context.note(`proxy ${context.primaryPid} on ${context.port}; backends ${found.map(backend => `${backend.pid} on ${backend.port}`).join(', ')}`);
			},
		},
		{
			id: 'round-robin',
			title: '90 fresh connections, one at a time: each backend gets its third, ±1',
			timeoutMs: 30_000,
			async run(context) {
				const list_ = backends(context);
				const COUNT = 30 * list_.length;
				context.waitingFor(`${COUNT} GET / on fresh connections, one at a time`);
				const answers = await context.http.burst({count: COUNT, concurrency: 1, path: () => '/', timeoutMs: 10_000});
				const failed = answers.filter(answer => answer.status !== 200);
				if (failed.length > 0) {
					context.fail({message: `${failed.length} of ${COUNT} requests through the proxy failed`, expected: 'status 200 from a backend', actual: describeFailures(failed), hint: 'Is every backend reachable on its port? Is the request passed on and the answer piped back?', repro: context.curl('/')});
				}
				const pids = list_.map(backend => backend.pid);
				const strangers = answers.filter(answer => answer.pid === undefined || !pids.includes(answer.pid));
				if (strangers.length > 0) {
					context.fail({
						message: `${strangers.length} answers did not come from a backend: x-worker-pid names ${list(new Set(strangers.map(answer => who(context, answer.pid))))}`,
						expected: `x-worker-pid of a backend: ${list(pids)}`,
						actual: `x-worker-pid values: ${list(new Set(answers.map(answer => answer.pid ?? 'none')))}`,
						hint: "Pass the backend's answer on with its headers (x-worker-pid among them); the proxy itself writes no answer of its own to a request a backend could serve.",
						repro: context.curl('/'),
					});
				}
				const tally = countByPid(answers);
				const off = list_.filter(backend => Math.abs((tally.get(backend.pid) ?? 0) - 30) > 1);
				if (off.length > 0) {
					context.fail({
						message: `${COUNT} requests sent one at a time were split ${list_.map(backend => tally.get(backend.pid) ?? 0).join(' / ')} over your ${list_.length} backends, not in turn`,
						expected: '30 each (±1): request n goes to backend n mod WORKERS',
						actual: perBackend(list_, tally),
						hint: 'Keep one counter in the proxy and take backends[counter++ % backends.length]. (Beware `turn = turn++ % n`: it assigns the old value back.)',
						repro: `for i in $(seq 9); do curl -s -o /dev/null -D - 'http://${context.host}:${context.port}/' | grep -i x-worker-pid; done`,
					});
				}
				context.note(`requests per backend: ${perBackend(list_, tally)}`);
			},
		},
		{
			id: 'forwarded-headers',
			title: 'Host, path and query pass unchanged; X-Forwarded-For appends the client, X-Forwarded-Proto and -Host are set',
			timeoutMs: 15_000,
			async run(context) {
				context.note(await requireForwardedHeaders(context));
			},
		},
		{
			id: 'hop-by-hop',
			title: 'Hop-by-hop headers stop at the proxy, both ways',
			timeoutMs: 15_000,
			async run(context) {
				context.note(await requireHopByHopDropped(context));
			},
		},
		{
			id: 'upstream-timeout',
			title: `A backend that has not begun its answer ${UPSTREAM_TIMEOUT_MS / 1000} s after it has the request: 504, and the request is dropped`,
			timeoutMs: 25_000,
			async run(context) {
				// The two are independent, and sent together: the one in time is answered while the late one waits.
				context.waitingFor(`GET /slow?ms=${IN_TIME_MS} (in time) and GET /slow?ms=8000 (too late) through the proxy, side by side`);
				const [inTime, late] = await Promise.all([
					call(context.host, context.port, {path: `/slow?ms=${IN_TIME_MS}`, timeoutMs: 10_000}),
					call(context.host, context.port, {path: '/slow?ms=8000', timeoutMs: 10_000}),
				]);
				if (inTime.status !== 200) {
					context.fail({
						message: `A backend that answers after ${IN_TIME_MS} ms got ${inTime.error ?? inTime.status} from your proxy: it gives up too soon`,
						expected: `200: the proxy waits up to ${UPSTREAM_TIMEOUT_MS} ms for a backend's answer`,
						actual: `${inTime.error ?? `status ${inTime.status}`} after ${inTime.ms} ms`,
						hint: `${UPSTREAM_TIMEOUT_MS} ms: the Contract's figure, not less.`,
						repro: `time ${context.curl(`/slow?ms=${IN_TIME_MS}`)}`,
					});
				}
				const repro = `time ${context.curl('/slow?ms=8000')}`;
				// No upper bound but the backend's own 8 s: on a busy machine a timer fires late, never early.
				if (late.status !== 504 || late.ms < UPSTREAM_TIMEOUT_MS - 100) {
					context.fail({
						message: late.status === 504 ? `Your proxy answered 504 after ${late.ms} ms, not after ${UPSTREAM_TIMEOUT_MS} ms` : `A backend that takes 8 s got ${late.error ?? `status ${late.status}`} from your proxy after ${late.ms} ms`,
						expected: `504 Gateway Timeout about ${UPSTREAM_TIMEOUT_MS} ms after the request was sent`,
						actual: `${late.error ?? `status ${late.status}`} after ${late.ms} ms`,
						hint: late.status === 502 ? 'A timeout is not a broken backend: answer 504 when your own timer fired, 502 for the other upstream errors.' : `On the upstream request's 'finish' (the backend has the whole request), start a ${UPSTREAM_TIMEOUT_MS} ms timer that sets timedOut and destroys the request; clear it on 'response'. In the 'error' handler answer 504 when timedOut.`,
						repro,
					});
				}
				context.waitingFor('the backend to see the timed-out request closed');
				const stopAt = Date.now() + 3000;
				let waiting = 0;
				for (;;) {
					waiting = (await allStats(context)).reduce((sum, stats) => sum + stats.slowWaiting, 0);
					if (waiting === 0 || Date.now() >= stopAt) break;
					await delay(50);
				}
				if (waiting > 0) {
					context.fail({
						message: `After your proxy answered 504, the backend still had the request open: its connection was left behind`,
						expected: 'the upstream request destroyed when the proxy gives up on it (the backend sees it close)',
						actual: `${waiting} /slow request(s) still waiting in the backends 3 s after the 504`,
						hint: 'When your timer fires, upstream.destroy(): answering the client is not enough.',
						repro,
					});
				}
				context.note(`${IN_TIME_MS} ms: 200 after ${inTime.ms} ms; 8 s: 504 after ${late.ms} ms`);
			},
		},
		{
			id: 'upstream-reset',
			title: 'A backend that resets the connection: 502, and the proxy carries on',
			timeoutMs: 20_000,
			async run(context) {
				context.waitingFor('GET /reset through the proxy');
				const reply = await call(context.host, context.port, {path: '/reset', timeoutMs: 5000});
				if (reply.status !== 502) {
					context.fail({
						message: `A backend that reset the connection got ${reply.error ?? `status ${reply.status}`} from your proxy`,
						expected: '502 Bad Gateway',
						actual: `${reply.error ?? `status ${reply.status}`} after ${reply.ms} ms${isAlive(context.primaryPid) ? '' : '; your proxy process died'}`,
						hint: "Listen for 'error' on the upstream request (without a listener, an error kills the process), and answer 502 there.",
						repro: context.curl('/reset'),
					});
				}
				await requireWholeAgain(context, {pids: backends(context).map(backend => backend.pid), fault: 'a backend reset a connection', timeoutMs: 10_000, hint: 'One reset connection says nothing about the backend: keep sending it requests.'});
				context.note(`502 after ${reply.ms} ms`);
			},
		},
		{
			id: 'streaming',
			title: `Bodies stream both ways: 16 MiB up and down byte for byte, the proxy growing by less than ${mib(RSS_ALLOWANCE)}; a first half passes on before the second is sent`,
			timeoutMs: 60_000,
			async run(context) {
				const pid = context.primaryPid;
				const upload = randomBytes(BODY_BYTES);
				const expectedHash = createHash('sha256').update(upload).digest('hex');
				// The backend reads nothing for HOLD_MS: a proxy that streams
				// stops reading from the client meanwhile; one that buffers takes in all 16 MiB.
				const HOLD_MS = 800;
				context.waitingFor('a 16 MiB POST /upload through the proxy, to a backend that reads nothing for a while');
				const upBefore = rssBytes(pid) ?? 0;
				const upCall = call(context.host, context.port, {path: `/upload?hold=${HOLD_MS}`, method: 'POST', headers: {'content-type': 'application/octet-stream', 'content-length': BODY_BYTES}, body: upload, timeoutMs: 30_000});
				await delay(300);
				const upPeak = await peakRss(pid, HOLD_MS - 500);
				const up = await upCall;
				const upRepro = `head -c ${BODY_BYTES} /dev/urandom > big.bin; sha256sum big.bin; curl -s --data-binary @big.bin 'http://${context.host}:${context.port}/upload?hold=${HOLD_MS}'`;
				const memoryFailure = (what: 'upload' | 'download', grew: number, before: number, peak: {peakBytes: number; samples: number}, repro: string) =>
					context.fail({
						message: `While a 16 MiB ${what} waited for a slow ${what === 'upload' ? 'backend' : 'client'}, your proxy's memory grew by ${mib(grew)}: it holds the body instead of streaming it`,
						expected: `resident memory (VmRSS) of pid ${pid} growing by less than ${mib(RSS_ALLOWANCE)} while the ${what === 'upload' ? 'backend' : 'client'} does not read`,
						actual: `${mib(before)} before, ${mib(peak.peakBytes)} at the most during the pause (${peak.samples} samples)`,
						hint:
							what === 'upload'
								? "Pipe the client's request into the upstream request (req.pipe(upstream)): pipe() stops reading from the client while the backend does not take more. Collecting the body first, or write() without waiting for 'drain', holds it all."
								: "Pipe the backend's answer into the client's (answer.pipe(res)): pipe() stops reading from the backend while the client does not take more. Collecting the chunks until 'end', or write() without waiting for 'drain', holds them all.",
						repro: `${repro}   # and watch: grep VmRSS /proc/<proxy pid>/status`,
					});
				// A proxy that held the whole body fails for that first: on a busy machine holding it can also
				// break the upload (a pooled upstream connection closed while the body was collected: 502).
				if (up.status !== 200 && upPeak.peakBytes - upBefore >= RSS_ALLOWANCE) memoryFailure('upload', upPeak.peakBytes - upBefore, upBefore, upPeak, upRepro);
				let result: {bytes?: number; sha256?: string} = {};
				try {
					result = JSON.parse(up.body.toString('utf8'));
				} catch {
					// Reported below.
				}
				if (up.status !== 200 || result.bytes !== BODY_BYTES || result.sha256 !== expectedHash) {
					context.fail({
						message: up.status !== 200 ? `POST /upload with 16 MiB through the proxy answered ${up.error ?? up.status}` : `The backend received ${result.bytes ?? '?'} bytes of a ${BODY_BYTES}-byte upload${result.bytes === BODY_BYTES ? ', but not the same bytes' : ''}`,
						expected: `the backend gets the same ${BODY_BYTES} bytes (sha256 ${expectedHash.slice(0, 16)}…)`,
						actual: up.error ?? `${result.bytes ?? '?'} bytes, sha256 ${(result.sha256 ?? '?').slice(0, 16)}…`,
						hint: 'req.pipe(upstream): the request body is bytes; never setEncoding() or turn chunks into strings.',
						repro: upRepro,
					});
				}
				const block = downloadBlock();
				let received = 0;
				let firstDiff = -1;
				let downBefore = 0;
				let downPeak = {peakBytes: 0, samples: 0};
				context.waitingFor('a 16 MiB GET /download through the proxy, by a client that reads nothing for a while');
				downBefore = rssBytes(pid) ?? 0;
				const down = await call(context.host, context.port, {
					path: `/download?bytes=${BODY_BYTES}`,
					timeoutMs: 30_000,
					// This client reads nothing at first: a proxy that streams stops reading from
					// the backend meanwhile; one that buffers takes in all 16 MiB.
					hold: async () => {
						await delay(300);
						downPeak = await peakRss(pid, HOLD_MS - 500);
					},
					onBody: chunk => {
						if (firstDiff === -1) {
							for (let i = 0; i < chunk.length; i++) {
								if (chunk[i] !== block[(received + i) % block.length]) {
									firstDiff = received + i;
									break;
								}
							}
						}
						received += chunk.length;
					},
				});
				const downRepro = `curl -s 'http://${context.host}:${context.port}/download?bytes=${BODY_BYTES}' | cmp - <(curl -s 'http://${context.host}:${context.port + 1}/download?bytes=${BODY_BYTES}') && echo same`;
				if (down.status !== 200 || received !== BODY_BYTES || firstDiff !== -1) {
					context.fail({
						message: down.status !== 200 ? `GET /download of 16 MiB through the proxy answered ${down.error ?? down.status}` : `The client received ${received} bytes of a ${BODY_BYTES}-byte download${firstDiff !== -1 ? `, different from byte ${firstDiff} on` : ''}`,
						expected: `the backend's ${BODY_BYTES} bytes, unchanged`,
						actual: down.error ?? `${received} bytes${firstDiff !== -1 ? `, first difference at byte ${firstDiff}` : ''}`,
						hint: "answer.pipe(res): the body is bytes; never setEncoding() or string concatenation.",
						repro: downRepro,
					});
				}
				const growth = {upload: Math.max(0, upPeak.peakBytes - upBefore), download: Math.max(0, downPeak.peakBytes - downBefore)};
				for (const [what, grew, before, peak, repro] of [
					['upload', growth.upload, upBefore, upPeak, upRepro],
					['download', growth.download, downBefore, downPeak, downRepro],
				] as const) {
					if (grew >= RSS_ALLOWANCE) memoryFailure(what, grew, before, peak, repro);
				}
				context.waitingFor('the first half of a 2 MiB upload to reach a backend before the second half is sent');
				const upFlow = await uploadFlows(context);
				if (!upFlow.ok || !upFlow.passed) {
					context.fail({
						message: upFlow.ok ? `The first half of an upload had not reached any backend ${Math.round(upFlow.waitedMs / 1000)} s after it was sent: your proxy collects the request body before passing it on` : `An upload sent in two halves failed: ${upFlow.error ?? 'wrong byte count'}`,
						expected: 'the first half reaches the backend while the client is still holding the second',
						actual: upFlow.ok ? `no byte of it at the backends (their /stats) within ${FLOW_WAIT_MS / 1000} s; the whole body arrived once the client had sent all of it` : (upFlow.error ?? 'the backend counted a different number of bytes'),
						hint: "req.pipe(upstream) right away: each chunk goes on as it comes. Collecting chunks until 'end' makes every upload wait for its last byte and holds it all in memory.",
						repro: `(head -c 1048576 /dev/urandom; sleep 5; head -c 1048576 /dev/urandom) | curl -s -T - -X POST 'http://${context.host}:${context.port}/upload' & sleep 2; curl -s http://${context.host}:${context.port + 1}/stats`,
					});
				}
				context.waitingFor('the first half of a 2 MiB download, which the backend holds back the rest of, to reach the client');
				const downFlow = await downloadFlows(context);
				if (!downFlow.ok || !downFlow.passed) {
					context.fail({
						message: downFlow.ok ? `The first MiB of a download, sent by the backend at once, had not reached the client ${Math.round(downFlow.waitedMs / 1000)} s later, while the backend held back the rest: your proxy collects the answer before passing it on` : `A download sent in two halves failed: ${downFlow.error ?? 'wrong byte count'}`,
						expected: 'the first half reaches the client while the backend still holds the second',
						actual: downFlow.ok ? `no byte of it within ${FLOW_WAIT_MS / 1000} s; everything came once the checker released the second half (GET /release)` : (downFlow.error ?? 'a different number of bytes'),
						hint: "answer.pipe(res) as soon as the answer's headers are in. Collecting chunks until 'end' delays every answer to its last byte and holds it all in memory.",
						repro: `curl -s -o /dev/null -w '%{time_starttransfer} %{time_total}\\n' 'http://${context.host}:${context.port}/download?bytes=2097152&hold=1' & sleep 3; curl -s http://${context.host}:${context.port + 1}/release http://${context.host}:${context.port + 2}/release`,
					});
				}
				context.note(`memory grew by ${mib(growth.upload)} (upload) and ${mib(growth.download)} (download) of 16 MiB each while the other side did not read; a first half passed on before the second was sent: upload after ${upFlow.waitedMs} ms, download after ${downFlow.waitedMs} ms`);
			},
		},
		{
			id: 'client-abort',
			title: 'A client that goes away mid-request: the proxy drops the upstream request too',
			timeoutMs: 20_000,
			async run(context) {
				context.note(await requireAbortPropagates(context));
			},
		},
		{
			id: 'upstream-pool',
			title: `100 requests open few upstream connections (keep-alive), never more than ${MAX_SOCKETS} per backend`,
			timeoutMs: 40_000,
			async run(context) {
				const list_ = backends(context);
				const before = await allStats(context);
				// 100 requests without reuse open 100 connections, four times the bound of 24: more proves nothing more.
				const COUNT = 100;
				// Fewer at a time than MAX_SOCKETS: this half asks only whether connections are reused, and
				// an unbounded pool opens no more than a bounded one when no backend has more than 6 at once.
				const AT_ONCE = 6;
				context.waitingFor(`${COUNT} GET / through the proxy, ${AT_ONCE} at a time, each on a fresh client connection`);
				const answers = await context.http.burst({count: COUNT, concurrency: AT_ONCE, path: () => '/', timeoutMs: 10_000});
				const failed = answers.filter(answer => answer.status !== 200);
				if (failed.length > 0) context.fail({message: `${failed.length} of ${COUNT} requests failed`, expected: 'status 200', actual: describeFailures(failed), repro: context.curl('/')});
				const after = await allStats(context, true);
				// Each /stats request is one connection of its own.
				const opened = after.map((stats, index) => stats.accepted - before[index]!.accepted - 1);
				const total = opened.reduce((sum, n) => sum + n, 0);
				const bound = MAX_SOCKETS * list_.length;
				const statsRepro = list_.map(backend => `curl -s http://${context.host}:${backend.port}/stats`).join('; ');
				if (total > bound) {
					context.fail({
						message: `${COUNT} requests through your proxy opened ${total} new connections to the backends: ${total >= COUNT * 0.9 ? 'one per request, nothing is reused' : 'connections are not reused'}`,
						expected: `at most ${bound} (${MAX_SOCKETS} per backend), kept alive and reused from one request to the next`,
						actual: `new connections accepted per backend: ${list_.map((backend, index) => `${backend.port}: ${opened[index]}`).join(', ')}`,
						hint: `Send every upstream request through one shared agent: const agent = new http.Agent({ keepAlive: true, maxSockets: ${MAX_SOCKETS} }), and http.request({ ..., agent }). agent: false, or a new Agent per request, opens a connection each time.`,
						repro: `${statsRepro}   # before and after: accepted counts connections`,
					});
				}
				const SLOW = 15 * list_.length;
				context.waitingFor(`${SLOW} slow requests (300 ms each) at the same moment`);
				const slow = await Promise.all(Array.from({length: SLOW}, () => call(context.host, context.port, {path: '/slow?ms=300', timeoutMs: 10_000})));
				const slowFailed = slow.filter(reply => reply.status !== 200);
				if (slowFailed.length > 0) context.fail({message: `${slowFailed.length} of ${SLOW} slow requests sent at once failed`, expected: 'status 200, the extra ones waiting for a free connection', actual: list(new Set(slowFailed.map(reply => reply.error ?? `status ${reply.status}`))), repro: context.curl('/slow?ms=300')});
				const peak = await allStats(context);
				// The /stats connection of the reset was open at that moment, and counted.
				const peaks = peak.map(stats => stats.peakOpen - 1);
				const over = list_.filter((_, index) => peaks[index]! > MAX_SOCKETS);
				if (over.length > 0) {
					context.fail({
						message: `With ${SLOW} requests at once, your proxy held up to ${Math.max(...peaks)} connections open to one backend: the pool has no bound`,
						expected: `at most ${MAX_SOCKETS} connections to each backend at a time; the other requests wait for one to be free`,
						actual: `most connections open at once, per backend: ${list_.map((backend, index) => `${backend.port}: ${peaks[index]}`).join(', ')}`,
						hint: `Give the agent a bound: new http.Agent({ keepAlive: true, maxSockets: ${MAX_SOCKETS} }). maxSockets counts per host:port, so per backend.`,
						repro: `(for i in $(seq ${SLOW}); do curl -s -o /dev/null '${context.baseUrl}/slow?ms=300' & done; wait); ${statsRepro}`,
					});
				}
				context.note(`${COUNT} requests: ${total} new upstream connections (${opened.join(' + ')}); ${SLOW} slow requests at once: at most ${Math.max(...peaks)} open per backend`);
			},
		},
		{
			id: 'backend-killed',
			title: 'A backend killed under load: only requests in flight fail, it is skipped, and readmitted once it is back',
			timeoutMs: 40_000,
			async run(context) {
				const list_ = backends(context);
				const {backends: now, note} = await requireKillSurvived(context, {victim: list_[1]!, clients: ['127.0.0.1'], under: ''});
				await requireWholeAgain(context, {pids: now.map(backend => backend.pid), fault: `backend on ${list_[1]!.port} was killed and came back`, timeoutMs: 10_000, hint: 'Every backend, the new one included, must get its turn again.'});
				context.note(note);
			},
		},
		{
			id: 'ip-hash',
			title: `Restarted with STRATEGY=ip-hash WORKERS=${HASH_WORKERS}: each client address sticks to one backend`,
			timeoutMs: 60_000,
			async run(context) {
				await context.restart(HASH_ENV);
				await requireBackends(context);
				context.waitingFor(`3 rounds of GET / from ${HASH_CLIENTS.length} client addresses`);
				const first = requireSticky(context, await servedBy(context, HASH_CLIENTS, 3), '');
				const spread = new Set(first.values());
				if (spread.size < 2) {
					context.fail({
						message: `With STRATEGY=ip-hash all ${HASH_CLIENTS.length} client addresses went to one backend`,
						expected: 'different addresses spread over at least 2 backends',
						actual: `every client -> ${[...spread][0]}`,
						hint: 'Hash every character of the address (FNV-1a, say), then take it modulo the number of backends.',
					});
				}
				context.memo.set('sticky', first);
				context.note(`${HASH_CLIENTS.length} clients over ${spread.size} of ${HASH_WORKERS} backends`);
			},
		},
		{
			id: 'ip-hash-robust',
			title: 'STRATEGY=ip-hash: a killed backend, a reset and a client that hangs up; afterwards every client is back on its backend',
			timeoutMs: 60_000,
			async run(context) {
				const sticky = context.memo.get('sticky') as Map<string, number>;
				const list_ = backends(context);
				// The backend with the most clients: their requests must go elsewhere while it is down.
				const load = new Map<number, number>();
				for (const pid of sticky.values()) load.set(pid, (load.get(pid) ?? 0) + 1);
				const victim = [...list_].sort((a, b) => (load.get(b.pid) ?? 0) - (load.get(a.pid) ?? 0))[0]!;
				const {backends: now, note} = await requireKillSurvived(context, {victim, clients: HASH_CLIENTS, under: ' under STRATEGY=ip-hash'});
				const expected = new Map([...sticky].map(([client, pid]) => [client, pid === victim.pid ? now.find(backend => backend.port === victim.port)!.pid : pid]));
				context.waitingFor('GET / from every client after the backend came back');
				requireSticky(context, await servedBy(context, HASH_CLIENTS, 2), 'after the killed backend came back', expected);
				context.waitingFor('GET /reset under STRATEGY=ip-hash');
				const reset = await call(context.host, context.port, {path: '/reset', timeoutMs: 5000, localAddress: HASH_CLIENTS[0]});
				if (reset.status !== 502) {
					context.fail({message: `Under STRATEGY=ip-hash a backend that reset the connection got ${reset.error ?? `status ${reset.status}`} from your proxy`, expected: '502', actual: reset.error ?? `status ${reset.status}`, repro: `curl -si --interface ${HASH_CLIENTS[0]} '${context.baseUrl}/reset'`});
				}
				const abort = await requireAbortPropagates(context, HASH_CLIENTS[1]);
				requireSticky(context, await servedBy(context, HASH_CLIENTS, 1), 'after a reset and clients that hung up', expected);
				context.note(`${note}; ${abort}`);
			},
		},
		withSlowRequestInFlight(
			sigtermStep({
				primaryHint: 'On SIGTERM in main.ts: stop the server, close its connections (server.closeAllConnections()), kill the backends, exit, with a 2 s timer that ends everything whatever happens.',
				orphanHint: "Backends started with fork() keep running when main.ts dies if nothing stops them: kill them on SIGTERM, and have backend.ts exit on 'disconnect' (it does, unchanged).",
			}),
		),
	],
};
