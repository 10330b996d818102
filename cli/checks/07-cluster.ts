import http from 'node:http';
import {LoadLoop} from '../harness/load-loop.js';
import {sideBySideInWorkers} from '../harness/side-by-side.js';
import {descendantsOf, environ, holdersOf, isAlive, listenInodes, readProc} from '../harness/procfs.js';
import {countByPid, workerPidFrom, type Answer} from '../harness/traffic.js';
import {requireHonestPids} from './honest-pids.js';
import {clusterWorkers, describeFailures, ipcChildren, type ClusterWorker, jsonBody, list, pollUntil, requireWholeAgain, requireWorkerPid, startsStep, tooBusyToJudge} from './common.js';
import type {LabCheck, Step, StepContext} from './step.js';

/**
WORKERS for the first run (rr) and for the restart under none: neither is the
lesson's default (2), and a program that hard-codes the first fails the second.
*/
const WORKERS = 3;
const NONE_WORKERS = 4;
/**
Each request's bound where the step does not judge speed: tsx workers on the
kit's loaded 2-core machine (other labs' suites and CPU hogs beside it) took
more than 3 s to answer now and then, and a slow answer is not the mistake any
step is built for.
*/
const REQUEST_MS = 8000;
/** Workers of a restarted program load tsx before they listen: seconds each on a loaded machine. */
const WORKERS_WITHIN_MS = 10_000;
/** Each request's bound in the load loop around the SIGKILL: one that never ends (handed to the victim) counts as failed. */
const LOOP_REQUEST_MS = 4000;
/** Parallel lanes of the load loop around the SIGKILL: at most this many requests can be in flight on the victim. */
const LANES = 3;
/**
A replacement must be forked this soon after a SIGKILL. cluster.fork() from the
'exit' handler shows up in /proc within milliseconds (the research measured
30-73 ms from fork() to 'online' for plain node); 2 s leaves room for a loaded machine.
*/
const REPLACE_WITHIN_MS = 3000;
/**
And it must answer a request this soon after the kill. Workers load the tsx
loader first, which took 0.9 s on the kit's 2-core machine under load (against
0.18 s for plain node), and lab 05 saw replacements answer up to 2.5 s after a
crash. 5 s is twice that.
*/
const ANSWER_WITHIN_MS = 10_000;
/** The SIGTERM step's request that must finish: long enough to be cut by a kill, short enough to finish within 3 s. */
const SLOW_MS = 1000;
/** And the one that may be cut: longer than the 3 s limit, so a shutdown without a deadline outlives it. */
const LONG_MS = 6000;
/** The tree must be gone this soon after SIGTERM (the lab contract). */
const SIGTERM_MS = 3000;

type Policy = 'rr' | 'none';

/** The WORKERS of the run in force (the none restart asks for another count). */
function workerCount(context: StepContext): number {
	return Number(context.env.WORKERS);
}


function describeWorkers(workers: ClusterWorker[]): string {
	return workers.map(worker => `${worker.pid} (NODE_UNIQUE_ID=${worker.uniqueId})`).join(', ') || 'none';
}

/** Wait, bounded, until the primary has exactly WORKERS cluster workers; fail otherwise. */
async function settledWorkers(context: StepContext, deadlineMs: number): Promise<ClusterWorker[]> {
	const count = workerCount(context);
	context.waitingFor(`your primary to have ${count} cluster workers`);
	const workers = await pollUntil(() => {
		const found = clusterWorkers(context.primaryPid);
		return found.length === count ? found : undefined;
	}, deadlineMs, context);
	if (workers) return workers;
	const found = clusterWorkers(context.primaryPid);
	return context.fail({
		message: `WORKERS=${count} but your primary has ${found.length} cluster workers`,
		expected: `${count} workers started with cluster.fork() (NODE_UNIQUE_ID in /proc/<pid>/environ)`,
		actual: `workers: ${describeWorkers(found)}`,
		hint: 'Read the count from process.env.WORKERS (a string: convert it with Number()); fork that many at start-up, and one replacement for each worker that dies unexpectedly.',
		repro: `${context.runItYourself} &  sleep 2; ps -o pid,ppid,args --ppid <primary pid>`,
	});
}

/** The primary and everything below it. */
function treePids(context: StepContext): number[] {
	return [context.primaryPid, ...descendantsOf(context.primaryPid).map(proc => proc.pid)];
}

/** "4101: 20, 4102: 19" for these pids, zeros included. */
function perPid(pids: number[], counts: Map<number, number>): string {
	return pids.map(pid => `${pid}: ${counts.get(pid) ?? 0}`).join(', ');
}

type Stats = {total: number; workers: Map<number, number>; answeredBy?: number};
/** What was wrong with an answer to GET /stats, and which worker gave it (if one did). */
type StatsError = {error: string; answeredBy?: number};

/** GET /stats, parsed, or what was wrong with the answer. */
async function readStats(context: StepContext): Promise<Stats | StatsError> {
	// 504 is the worker saying the primary did not answer in time: on a busy machine, ask again (twice).
	let answer = await context.http.get('/stats', {timeoutMs: REQUEST_MS});
	for (let retry = 0; retry < 2 && answer.status === 504; retry++) answer = await context.http.get('/stats', {timeoutMs: REQUEST_MS});
	const wrong = (error: string): StatsError => ({error, answeredBy: answer.pid});
	if (answer.status !== 200) return wrong(answer.error ?? `status ${answer.status}${answer.pid === undefined ? '' : ` from worker ${answer.pid}`}, body ${JSON.stringify(answer.body.slice(0, 200))}`);
	const body = jsonBody(answer) as {total?: unknown; workers?: unknown} | undefined;
	if (typeof body !== 'object' || body === null) return wrong(`a body that is not JSON: ${JSON.stringify(answer.body.slice(0, 200))}`);
	if (typeof body.total !== 'number' || typeof body.workers !== 'object' || body.workers === null || Array.isArray(body.workers)) {
		return wrong(`JSON without a numeric "total" and a "workers" object: ${answer.body.slice(0, 200)}`);
	}
	const workers = new Map<number, number>();
	for (const [key, value] of Object.entries(body.workers as Record<string, unknown>)) {
		if (!/^\d+$/.test(key) || typeof value !== 'number') return wrong(`"workers" must map pids to numbers, got ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
		workers.set(Number(key), value);
	}
	return {total: body.total, workers, answeredBy: answer.pid};
}

function isStatsError(value: Stats | StatsError): value is StatsError {
	return 'error' in value;
}

type KeptAnswer = {status: number; pid?: number; reused: boolean; error?: string};

/**
`count` GET requests one after another on one keep-alive connection the
checker controls (Node's agent, one socket), reporting for each whether it
really travelled on the earlier connection.
*/
async function keepAliveRequests(context: StepContext, path: string, count: number): Promise<KeptAnswer[]> {
	const agent = new http.Agent({keepAlive: true, maxSockets: 1});
	const answers: KeptAnswer[] = [];
	try {
		for (let i = 0; i < count && !context.signal.aborted; i++) {
			answers.push(
				await new Promise<KeptAnswer>(resolve => {
					const request = http.get({host: context.host, port: context.port, path: `${path}${path.includes('?') ? '&' : '?'}kept=${i}`, agent}, response => {
						const pid = workerPidFrom(response.headers['x-worker-pid']);
						response.resume();
						response.on('end', () => {
							clearTimeout(timer);
							resolve({status: response.statusCode ?? 0, pid, reused: request.reusedSocket});
						});
					});
					const timer = setTimeout(() => request.destroy(new Error(`no answer within ${REQUEST_MS} ms`)), REQUEST_MS);
					request.on('error', error => {
						clearTimeout(timer);
						resolve({status: 0, reused: request.reusedSocket, error: (error as NodeJS.ErrnoException).code ?? error.message});
					});
				}),
			);
		}
	} finally {
		agent.destroy();
	}
	return answers;
}

type SlowRequest = {
	/** The worker that sent the head, once it has (the request is then in flight there). */
	head: Promise<{pid?: number; status: number} | {error: string}>;
	/** The whole answer, or why it failed. */
	done: Promise<{status: number; body: string} | {error: string}>;
	/** Whether the whole answer (or an error) has arrived yet. */
	settled: () => boolean;
	abort: () => void;
};

/** GET /slow?ms=N with Connection: close; the worker sends the head at once and the body after N ms. */
function slowRequest(context: StepContext, ms: number, timeoutMs: number): SlowRequest {
	let resolveHead!: (value: {pid?: number; status: number} | {error: string}) => void;
	const head = new Promise<{pid?: number; status: number} | {error: string}>(resolve => {
		resolveHead = resolve;
	});
	let request!: http.ClientRequest;
	let settled = false;
	const done = new Promise<{status: number; body: string} | {error: string}>(resolve => {
		const fail = (error: string) => {
			clearTimeout(timer);
			resolveHead({error});
			resolve({error});
		};
		request = http.get({host: context.host, port: context.port, path: `/slow?ms=${ms}`, agent: false, headers: {connection: 'close'}}, response => {
			resolveHead({status: response.statusCode ?? 0, pid: workerPidFrom(response.headers['x-worker-pid'])});
			let body = '';
			response.setEncoding('utf8');
			response.on('data', chunk => {
				body += chunk;
			});
			response.on('end', () => {
				clearTimeout(timer);
				resolve({status: response.statusCode ?? 0, body});
			});
			// The worker died or closed the connection before the body was complete.
			response.on('aborted', () => fail('the connection was closed before the answer was complete'));
			response.on('error', error => fail((error as NodeJS.ErrnoException).code ?? error.message));
		});
		request.on('error', error => fail((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? 'connection reset by the server' : ((error as NodeJS.ErrnoException).code ?? error.message)));
		const timer = setTimeout(() => {
			request.destroy();
			fail(`no complete answer within ${timeoutMs} ms`);
		}, timeoutMs);
	});
	void done.then(() => {
		settled = true;
	});
	return {head, done, settled: () => settled, abort: () => request.destroy()};
}

/** Which of the learner's processes hold the listening socket(s) of port, for messages. */
function listenHolders(context: StepContext): {inodes: number[]; holders: Map<number, number[]>} {
	const tree = treePids(context);
	const inodes = listenInodes(context.port);
	return {inodes, holders: new Map(inodes.map(inode => [inode, holdersOf(inode, tree)]))};
}

function describeHolders(context: StepContext, view: {inodes: number[]; holders: Map<number, number[]>}, workers: number[]): string {
	const name = (pid: number) => (pid === context.primaryPid ? `${pid} (primary)` : workers.includes(pid) ? `${pid} (worker)` : String(pid));
	if (view.inodes.length === 0) return `no LISTEN socket on port ${context.port} in /proc/net/tcp`;
	return view.inodes.map(inode => `listening socket inode ${inode} held by ${view.holders.get(inode)!.map(name).join(', ') || 'no process of yours'}`).join('\n');
}

/** x-worker-pid must name the worker that holds the connection (run under each policy). */
function honestPidsStep(id: string, policy: Policy): Step {
	return {
		id,
		title: `${policy}: x-worker-pid names the worker that really holds the connection`,
		timeoutMs: 45_000,
		async run(context) {
			// Each probe scans /proc while its connection is open: a dozen is enough to catch a primary that serves.
			const note = await requireHonestPids(context, {
				count: policy === 'rr' ? 12 : 9,
				workers: (context.memo.get('workers') as ClusterWorker[]).map(worker => worker.pid),
				tree: treePids(context),
				path: index => `/?probe=${index}`,
				requestMs: REQUEST_MS,
				hint: 'The primary serves nothing: it has no HTTP server of its own. The workers create the server, and each answer carries its own process.pid.',
			});
			context.note(note);
		},
	};
}

/** Fails the step with what was wrong with GET /stats; after a kill, an answer the replacement could not give names the mistake. */
function statsFailed(context: StepContext, wrong: StatsError, options: {replacement?: number; repro: string; message?: string}): never {
	if (options.replacement !== undefined && wrong.answeredBy === options.replacement) {
		return context.fail({
			message: `GET /stats answered by the replacement worker ${options.replacement} failed: the primary never heard it ask, so replacements are never heard`,
			expected: '200 with the counts, from whichever worker is asked, replacements included',
			actual: wrong.error,
			hint: "Listen with one cluster.on('message', (worker, msg) => ...): it hears every worker, those forked later included. Handlers attached with cluster.workers[id].on('message') at start-up never hear a replacement.",
			repro: options.repro,
		});
	}
	return context.fail({
		message: options.message ?? 'GET /stats did not answer with the counts',
		expected: '200 with JSON {"total": <requests>, "workers": {"<pid>": <requests>, …}}, from counts kept in the primary',
		actual: wrong.error,
		hint: "A worker that gets GET /stats asks the primary (process.send({ cmd: 'getStats', id })), waits for its reply, and answers with it.",
		repro: options.repro,
	});
}

/**
GET /stats once the counts have stopped moving: after a load loop, a worker's
notifyRequest may still be on its way when the last answer arrives.
*/
async function settledStats(context: StepContext, options: {replacement?: number; repro: string}): Promise<Stats> {
	context.waitingFor('GET /stats to stop changing');
	let last: Stats | undefined;
	const stopAt = Date.now() + 2000;
	for (;;) {
		const now = await readStats(context);
		if (isStatsError(now)) return statsFailed(context, now, options);
		if ((last && last.total === now.total) || Date.now() >= stopAt) return now;
		last = now;
		await new Promise(resolve => setTimeout(resolve, 200));
	}
}

type Served = {status: number; pid?: number; reused?: boolean};

/**
GET /stats must have grown, since `before`, by exactly the requests in `kept`
(one keep-alive connection) and `fresh`, each under the pid that answered it,
and must still list every pid it listed before. Asked every 200 ms for up to
2 s: a count sent by one worker may arrive just after another asks. Returns a
note for the step.
*/
async function requireCounted(context: StepContext, before: Stats, kept: Served[], fresh: Served[], options: {repro: string; replacement?: number}): Promise<string> {
	const {repro} = options;
	const served = kept.length + fresh.length;
	const expected = new Map<number, number>();
	for (const answer of [...kept, ...fresh]) expected.set(answer.pid!, (expected.get(answer.pid!) ?? 0) + 1);
	const pids = [...new Set([...expected.keys(), ...before.workers.keys()])];
	const delta = (after: Stats) => new Map(pids.map(pid => [pid, (after.workers.get(pid) ?? 0) - (before.workers.get(pid) ?? 0)]));
	const matches = (after: Stats) => pids.every(pid => delta(after).get(pid) === (expected.get(pid) ?? 0)) && after.total - before.total === served && [...after.workers.keys()].every(pid => pids.includes(pid));
	context.waitingFor('GET /stats to count the requests just served');
	let after: Stats | StatsError = before;
	const stopAt = Date.now() + 2000;
	for (;;) {
		after = await readStats(context);
		if (isStatsError(after) || matches(after) || Date.now() >= stopAt) break;
		await new Promise(resolve => setTimeout(resolve, 200));
	}
	if (isStatsError(after)) return statsFailed(context, after, {...options, message: 'GET /stats stopped answering with the counts'});
	if (matches(after)) return `+${after.total - before.total} requests counted, per worker: ${perPid(pids, delta(after))} (the checker's count: ${perPid(pids, expected)})`;
	const servedBy = [...expected.keys()];
	const got = delta(after);
	const table = `per pid, counted / served: ${pids.map(pid => `${pid}: ${got.get(pid)} / ${expected.get(pid) ?? 0}`).join(', ')}\ntotal: +${after.total - before.total} / ${served}`;
	// Each worker's own count: every answer lists only the worker that gave it (two answers by two workers show it too).
	const listsOnlyItself = (stats: Stats) => stats.answeredBy !== undefined && stats.workers.size > 0 && [...stats.workers.keys()].every(pid => pid === stats.answeredBy);
	const onlyAnswering = listsOnlyItself(after) && (servedBy.length > 1 || (listsOnlyItself(before) && before.answeredBy !== after.answeredBy));
	if (onlyAnswering) {
		context.fail({
			message: `GET /stats counts only the requests of the worker that answered it (${after.answeredBy}): the counting happens in each worker, not in the primary`,
			expected: `counts for every worker that served (${list(servedBy)}), kept by the primary`,
			actual: `the answer from ${after.answeredBy} lists ${list(after.workers.keys())}\n${table}`,
			hint: "Each worker sends process.send({ cmd: 'notifyRequest' }) for every request; the primary counts them in cluster.on('message'), and a worker asked GET /stats gets the counts from the primary.",
			repro,
		});
	}
	if (after.workers.size > 0 && servedBy.every(pid => !after.workers.has(pid))) {
		context.fail({message: 'The keys of "workers" in GET /stats are not the pids of your workers', expected: `keys such as ${list(servedBy)} (worker.process.pid)`, actual: `keys ${list(after.workers.keys())}\n${table}`, hint: 'Key the counts by worker.process.pid, the same pid the worker puts in x-worker-pid (cluster worker ids 1, 2, … are not pids).', repro});
	}
	const replacement = options.replacement;
	if (replacement !== undefined && (expected.get(replacement) ?? 0) > 0 && (got.get(replacement) ?? 0) === 0) {
		context.fail({
			message: `GET /stats counted none of the ${expected.get(replacement)} requests the replacement worker ${replacement} served: replacements are never heard`,
			expected: `+${expected.get(replacement)} for ${replacement}, like every worker`,
			actual: table,
			hint: "Listen with one cluster.on('message', (worker, msg) => ...): it hears every worker, those forked later included. Handlers attached with cluster.workers[id].on('message') at start-up never hear a replacement.",
			repro,
		});
	}
	// The keep-alive requests went to one worker, as long as the connection was kept.
	const keptPid = kept[0]?.pid;
	const keptOnPid = kept.filter(answer => answer.pid === keptPid).length;
	if (keptPid !== undefined && keptOnPid >= kept.length / 2 && (expected.get(keptPid) ?? 0) - (got.get(keptPid) ?? 0) >= keptOnPid / 2) {
		const connections = fresh.length + 1 + kept.filter((answer, index) => index > 0 && !answer.reused).length;
		context.fail({
			message: `GET /stats counted ${after.total - before.total} of ${served} requests: it counts connections, not requests`,
			expected: `+${served}: ${kept.length} requests on one keep-alive connection and ${fresh.length} on fresh ones (${connections} connections)`,
			actual: `${table}\nworker ${keptPid} served ${keptOnPid} requests on one keep-alive connection, ${(expected.get(keptPid) ?? 0) - keptOnPid} more on fresh ones, and was credited with ${got.get(keptPid)}`,
			hint: "Send notifyRequest from the request handler (once per request), not from the server's 'connection' event: one connection carries many requests.",
			repro: `curl -s -o /dev/null ${context.baseUrl}/ -o /dev/null ${context.baseUrl}/ -o /dev/null ${context.baseUrl}/   # three requests, one connection; then ${context.curl('/stats')}`,
		});
	}
	return context.fail({
		message: `GET /stats does not match what your workers served: ${after.total - before.total} requests counted, ${served} served`,
		expected: `every request but GET /stats counted once, under the pid in its x-worker-pid (GET /stats itself is not counted)`,
		actual: table,
		hint: "One notifyRequest per request, sent by the worker that answers it; the primary adds 1 for worker.process.pid in cluster.on('message'). Do not count GET /stats.",
		repro,
	});
}

/** GET /stats counts every request, by pid, in the primary (run under each policy). */
function statsStep(id: string, policy: Policy): Step {
	return {
		id,
		title: `${policy}: GET /stats, the primary counts every request, by worker pid`,
		timeoutMs: 45_000,
		async run(context) {
			const FRESH = 30;
			const KEPT = 30;
			const AT_ONCE = 12;
			const repro = `NODE_CLUSTER_SCHED_POLICY=${policy} ...; for i in $(seq 10); do curl -s -o /dev/null ${context.baseUrl}/; done; ${context.curl('/stats')}`;
			context.waitingFor('an answer to GET /stats');
			const before = await readStats(context);
			if (isStatsError(before)) return statsFailed(context, before, {repro});
			// Several questions at once: each worker then waits for several answers from the primary, and must match them by id.
			context.waitingFor(`${AT_ONCE} GET /stats sent at once`);
			const together = await context.http.burst({count: AT_ONCE, concurrency: AT_ONCE, timeoutMs: REQUEST_MS, path: () => '/stats'});
			// The mistake leaves requests with no answer at all; a 504 (the primary slower than the worker's own timeout) is a busy machine.
			const unanswered = together.filter(answer => answer.status === 0 || (answer.status === 200 && typeof (jsonBody(answer) as {total?: unknown} | undefined)?.total !== 'number'));
			if (unanswered.length > 0) {
				context.fail({
					message: `${unanswered.length} of ${AT_ONCE} GET /stats sent at once got no counts: a worker waiting for several answers from the primary does not match them to its requests`,
					expected: `all ${AT_ONCE} answered 200 with {"total": …, "workers": {…}}`,
					actual: describeFailures(unanswered),
					hint: "Give each GET /stats its own id (nextId++), keep the response in a Map under it, send the id with getStats, and answer waiting.get(msg.id) when the primary's reply comes back: one variable for 'the' waiting response loses all but the last.",
					repro: `for i in $(seq 6); do ${context.curl('/stats')} & done; wait`,
				});
			}
			const workers = clusterWorkers(context.primaryPid).map(worker => worker.pid);
			// Two GET /stats that certainly wait side by side in each worker (see side-by-side.ts).
			const pairs = await sideBySideInWorkers({host: context.host, port: context.port, primaryPid: context.primaryPid, signal: context.signal, pids: workers, pinPath: '/stats', paths: () => ['/stats', '/stats'], timeoutMs: REQUEST_MS, readWithinMs: 1000, attempts: 3, waitingFor: what => context.waitingFor(what)});
			const sideBySide = pairs.read ? {replies: pairs.replies.filter(reply => reply.sideBySide), workers: pairs.workers} : undefined;
			const lost = sideBySide?.replies.filter(({reply}) => reply.status === 0) ?? [];
			if (lost.length > 0) {
				context.fail({
					message: `${lost.length} of ${sideBySide!.replies.length} GET /stats sent at once got no counts (two waiting side by side in each worker while the primary was stopped): a worker waiting for several answers from the primary does not match them to its requests`,
					expected: `every GET /stats answered: 200 with the counts (or 504 from a worker that waited 2 s)`,
					actual: lost.map(({pid, reply}) => `worker ${pid}: ${reply.error ?? `status ${reply.status}`}`).join('\n'),
					hint: "Give each GET /stats its own id (nextId++), keep the response in a Map under it, send the id with getStats, and answer waiting.get(msg.id) when the primary's reply comes back: one variable for 'the' waiting response loses all but the last.",
					repro: `for i in $(seq 6); do ${context.curl('/stats')} & done; wait`,
				});
			}
			const sideNote = sideBySide ? `${sideBySide.replies.length} GET /stats waiting side by side in ${sideBySide.workers} workers, each answered` : 'no two GET /stats could be made to wait side by side in one worker (a busy machine): judged on the 12 sent at once';
			context.waitingFor(`${KEPT} requests on one keep-alive connection and ${FRESH} on fresh connections`);
			const kept = await keepAliveRequests(context, '/', KEPT);
			const fresh = await context.http.burst({count: FRESH, concurrency: 3, timeoutMs: REQUEST_MS, path: index => `/?count=${index}`});
			// Counting in each worker hides when one worker served everything (under none the kernel may
			// give one worker every connection): more fresh connections until two workers have served.
			const servedBy = () => new Set([...kept, ...fresh].map(answer => answer.pid).filter(pid => pid !== undefined));
			for (let round = 0; servedBy().size < 2 && round < 10 && !context.signal.aborted; round++) {
				context.waitingFor(`fresh connections until a second worker serves one (round ${round + 1} of at most 10)`);
				fresh.push(...(await context.http.burst({count: FRESH, concurrency: 6, timeoutMs: REQUEST_MS, path: index => `/?count=more-${round}-${index}`})));
			}
			const bad = [...kept.filter(answer => answer.status !== 200 || answer.pid === undefined), ...fresh.filter(answer => answer.status !== 200 || answer.pid === undefined)];
			if (bad.length > 0) {
				context.fail({message: `${bad.length} of ${KEPT + FRESH} requests failed or had no x-worker-pid`, expected: 'every GET / answered 200 with x-worker-pid', actual: describeFailures(bad.map(answer => ({path: '/', status: answer.status, headers: {}, body: '', ms: 0, finishedAt: 0, error: answer.error}))), repro: context.curl('/')});
			}
			context.note(`${sideNote}; ${await requireCounted(context, before, kept, fresh, {repro})}`);
		},
	};
}

/** A worker killed with SIGKILL is replaced, and the service is whole again (run under each policy). */
function sigkillStep(id: string, policy: Policy): Step {
	return {
		id,
		title: `${policy}: a worker killed with SIGKILL is replaced, and the service is whole again`,
		timeoutMs: 45_000,
		async run(context) {
			const before = await settledWorkers(context, 5000);
			const victim = before[0]!;
			const others = before.slice(1).map(worker => worker.pid);
			const repro = `${context.runItYourself} &  sleep 2; kill -9 <a worker pid>; sleep 1; ps -o pid,args --ppid <primary pid>`;
			const statsRepro = `${context.curl('/stats')}; kill -9 <a worker pid>; sleep 2; for i in $(seq 12); do curl -s -o /dev/null ${context.baseUrl}/; done; ${context.curl('/stats')}`;
			const countsBefore = await settledStats(context, {repro: statsRepro});
			const loop = new LoadLoop({client: context.http, lanes: LANES, path: sequence => `/?n=${sequence}`, fresh: true, timeoutMs: LOOP_REQUEST_MS, maxMs: 20_000, maxRequests: 60_000});
			try {
				context.waitingFor('the load loop to get its first answers');
				await loop.waitForAnswers(15);
				const killedAt = Date.now();
				process.kill(victim.pid, 'SIGKILL');
				context.waitingFor(`a replacement for worker ${victim.pid}, killed with SIGKILL`);
				const isNew = (worker: ClusterWorker) => !before.some(old => old.pid === worker.pid);
				const replacement = await pollUntil(() => clusterWorkers(context.primaryPid).find(isNew), REPLACE_WITHIN_MS, context);
				const forkedAt = Date.now();
				if (!replacement) {
					await loop.stop();
					return context.fail({
						message: `No replacement was forked within ${REPLACE_WITHIN_MS} ms of killing worker ${victim.pid} with SIGKILL`,
						expected: `a new cluster worker under your primary within ${REPLACE_WITHIN_MS} ms`,
						actual: `workers now: ${describeWorkers(clusterWorkers(context.primaryPid))}`,
						hint: "cluster.on('exit', (worker, code, signal) => { if (!shuttingDown) cluster.fork(); }): a worker killed with SIGKILL, or by the OOM killer, sends nothing first.",
						repro,
					});
				}
				context.waitingFor(`the replacement ${replacement.pid} to answer a request`);
				const servedAt = await pollUntil(() => loop.answers.find(answer => answer.pid === replacement.pid)?.finishedAt, killedAt + ANSWER_WITHIN_MS - Date.now(), context);
				const answers = await loop.stop();
				const now = clusterWorkers(context.primaryPid);
				const extra = now.filter(isNew).filter(worker => worker.pid !== replacement.pid);
				const lostOthers = others.filter(pid => !isAlive(pid));
				if (!isAlive(context.primaryPid) || lostOthers.length > 0) {
					context.fail({
						message: !isAlive(context.primaryPid) ? 'Your primary exited when one worker was killed' : `Killing one worker also ended workers ${list(lostOthers)}`,
						expected: `the primary and workers ${list(others)} keep running; only ${victim.pid} is replaced`,
						actual: `workers now: ${describeWorkers(now)}`,
						hint: "In cluster.on('exit'), fork one replacement and leave everything else alone.",
						repro,
					});
				}
				if (extra.length > 0) {
					context.fail({
						message: `One worker died and ${extra.length + 1} replacements were forked`,
						expected: `exactly one new worker for ${victim.pid}`,
						actual: `new workers: ${describeWorkers([replacement, ...extra])}`,
						hint: "Fork once per death: in cluster.on('exit') only (not also in 'disconnect'), or on one worker's event, not on both.",
						repro,
					});
				}
				if (servedAt === undefined) {
					return context.fail({
						message: `The replacement ${replacement.pid} answered no request within ${ANSWER_WITHIN_MS / 1000} s of the kill`,
						expected: `${replacement.pid} serving, like the workers it joins`,
						actual: `answers since the kill came from ${list(new Set(answers.filter(answer => answer.startedAt > killedAt && answer.pid !== undefined).map(answer => answer.pid!)))}`,
						hint: 'A replacement runs the same worker.ts: it listens, and the primary adds it to the others.',
						repro,
					});
				}
				const failures = loop.failures();
				if (failures.length > LANES + 1) {
					context.fail({
						message: `${failures.length} requests failed around the SIGKILL of one worker`,
						expected: `at most ${LANES + 1}: the ones in flight on ${victim.pid} (one per load lane), and under round-robin one more that the primary handed to it as it died`,
						actual: describeFailures(failures),
						hint: 'The other workers should go on serving while the replacement starts.',
						repro,
					});
				}
				// Whole again: every request answered, the replacement given its share, and counted.
				const countsAfterKill = await settledStats(context, {replacement: replacement.pid, repro: statsRepro});
				if (countsBefore.workers.has(victim.pid) && !countsAfterKill.workers.has(victim.pid)) {
					context.fail({
						message: `GET /stats dropped the line of worker ${victim.pid} when it was killed: the counts are the service's since the primary started, not the live workers'`,
						expected: `"${victim.pid}" still in "workers" with at least the ${countsBefore.workers.get(victim.pid)} requests counted before the kill`,
						actual: `before the kill: ${perPid([...countsBefore.workers.keys()], countsBefore.workers)}\nafter: ${perPid([...countsAfterKill.workers.keys()], countsAfterKill.workers)}`,
						hint: "Keep a dead worker's count: do not delete it in cluster.on('exit').",
						repro: statsRepro,
					});
				}
				const serving = [...others, replacement.pid];
				const whole = await requireWholeAgain(context, {
					pids: serving,
					fault: `the SIGKILL of worker ${victim.pid}`,
					count: 10 * serving.length,
					// Under none the kernel picks who accepts, and may give a busy machine's connections all to one
					// worker: the replacement has proven it accepts by answering the load loop above.
					everyPidServes: policy === 'rr',
					hint: policy === 'rr' ? 'The replacement listens like the others, and cluster hands it connections in turn.' : 'The replacement listens like the others and accepts on the same shared socket.',
				});
				const counted = await requireCounted(context, countsAfterKill, [], whole, {repro: statsRepro, replacement: replacement.pid});
				context.note(
					`SIGKILL ${victim.pid} (NODE_UNIQUE_ID=${victim.uniqueId}): replacement ${replacement.pid} (NODE_UNIQUE_ID=${replacement.uniqueId}) seen after ${forkedAt - killedAt} ms, answering after ${servedAt - killedAt} ms; ` +
						`${answers.length - failures.length} of ${answers.length} requests answered${failures.length > 0 ? ` (${describeFailures(failures)})` : ''}; then ${whole.length} more, ${perPid(serving, countByPid(whole))}; ${counted}`,
				);
			} finally {
				await loop.stop();
			}
		},
	};
}

export const clusterCheck: LabCheck = {
	lab: '07-cluster',
	// rr is also Node's default on Linux; saying it makes the run line explicit.
	env: () => ({WORKERS: String(WORKERS), NODE_CLUSTER_SCHED_POLICY: 'rr'}),
	variables: {WORKERS: [String(WORKERS), String(NONE_WORKERS)], NODE_CLUSTER_SCHED_POLICY: ['rr', 'none']},
	steps: [
		startsStep(),
		{
			id: 'answers',
			title: 'Answers GET / with 200 and x-worker-pid',
			timeoutMs: 20_000,
			async run(context) {
				// The socket can be listening before the workers can answer: try a few
				// fresh connections before judging.
				let answer: Answer | undefined;
				for (let attempt = 1; attempt <= 5 && !context.signal.aborted; attempt++) {
					context.waitingFor(`an answer to GET / (attempt ${attempt} of 5)`);
					answer = await context.http.get('/', {timeoutMs: 3000});
					if (answer.status === 200 && answer.pid !== undefined) return;
					if (answer.status !== 0) break;
				}
				const repro = context.curl('/');
				if (!answer || answer.status === 0) {
					return context.fail({
						message: `GET / failed: ${answer?.error ?? 'no answer'}`,
						expected: '200 with an x-worker-pid header, from one of your workers',
						actual: answer?.error ?? 'no answer',
						hint: 'Each worker creates an HTTP server and calls listen(PORT, HOST): inside a cluster worker that asks the primary for the socket.',
						repro,
					});
				}
				if (answer.status !== 200) {
					context.fail({message: `GET / answered ${answer.status}, not 200`, expected: '200 with an x-worker-pid header', actual: `status ${answer.status}, body ${JSON.stringify(answer.body.slice(0, 200))}`, repro});
				}
				requireWorkerPid(context, answer, {who: 'the worker that answered', hint: "In the worker's request handler: res.setHeader('x-worker-pid', String(process.pid)).", repro});
			},
		},
		{
			id: 'cluster-workers',
			title: `Forks WORKERS (${WORKERS}) cluster workers (NODE_UNIQUE_ID in /proc/<pid>/environ)`,
			timeoutMs: 30_000,
			async run(context) {
				context.waitingFor(`${WORKERS} cluster workers under your primary`);
				// Workers may still be starting (each loads the TypeScript loader): wait, bounded.
				// Children forked some other way are judged as soon as there are enough of them.
				await pollUntil(() => (ipcChildren(context.primaryPid).length >= WORKERS ? true : undefined), 8000, context);
				const workers = clusterWorkers(context.primaryPid);
				const ipc = ipcChildren(context.primaryPid);
				const notCluster = ipc.filter(pid => !workers.some(worker => worker.pid === pid));
				const repro = `${context.runItYourself} &  sleep 2; for p in $(pgrep -P <primary pid>); do echo $p $(tr '\\0' '\\n' < /proc/$p/environ | grep NODE_UNIQUE_ID); done`;
				if (workers.length === 0 && notCluster.length > 0) {
					context.fail({
						message: `Your workers are not cluster workers: ${notCluster.length} children have an IPC channel but no NODE_UNIQUE_ID (child_process.fork rather than cluster.fork?)`,
						expected: `${WORKERS} workers started with cluster.fork(): Node gives each NODE_UNIQUE_ID=1, 2, … in its environment`,
						actual: `children with NODE_CHANNEL_FD and without NODE_UNIQUE_ID: ${list(notCluster)}`,
						hint: "This lab is about node:cluster: import cluster from 'node:cluster', cluster.setupPrimary({ exec: <path of worker.ts> }), then cluster.fork() WORKERS times.",
						repro,
					});
				}
				if (workers.length === 0) {
					context.fail({
						message: 'Your primary has no worker processes: whoever answers GET /, it is not a cluster worker',
						expected: `${WORKERS} workers started with cluster.fork(), each with NODE_UNIQUE_ID in /proc/<pid>/environ`,
						actual: `children of your primary (${context.primaryPid}): ${list(ipc)}`,
						hint: 'Fork the workers with cluster.fork(); an x-worker-pid header that names other processes proves nothing.',
						repro,
					});
				}
				if (workers.length !== WORKERS) {
					context.fail({
						message: `WORKERS=${WORKERS} but your primary has ${workers.length} cluster workers`,
						expected: `${WORKERS} workers, as many as process.env.WORKERS says`,
						actual: `workers: ${describeWorkers(workers)}${notCluster.length > 0 ? `; other IPC children: ${list(notCluster)}` : ''}`,
						hint: 'Read the count from process.env.WORKERS (a string: convert it with Number()) instead of hard-coding it or using os.availableParallelism().',
						repro,
					});
				}
				const ids = new Set(workers.map(worker => worker.uniqueId));
				const pids = workers.map(worker => worker.pid);
				// Who answers must be among them.
				context.waitingFor('12 answers to GET /, each on a new connection');
				const answers = await context.http.burst({count: 12, concurrency: 3, timeoutMs: REQUEST_MS, path: index => `/?who=${index}`});
				const strangers = answers.filter(answer => answer.status === 200 && (answer.pid === undefined || !pids.includes(answer.pid)));
				if (strangers.length > 0) {
					context.fail({
						message: `${strangers.length} of ${answers.length} answers name a process that is not one of your workers`,
						expected: `x-worker-pid among ${list(pids)}`,
						actual: `x-worker-pid: ${list(new Set(strangers.map(answer => answer.pid ?? 0)))}${strangers.some(answer => answer.pid === context.primaryPid) ? ' (that is your primary)' : ''}`,
						hint: 'The workers serve every request; the primary serves none.',
						repro: context.curl('/'),
					});
				}
				context.memo.set('workers', workers);
				const firstIds = [...ids].sort((a, b) => a - b).join(', ');
				context.note(`workers ${describeWorkers(workers)}${firstIds === '1, 2, 3' ? '' : ` (ids ${firstIds}: some workers were already replaced)`}`);
			},
		},
		{
			id: 'rr-primary-listens',
			title: 'NODE_CLUSTER_SCHED_POLICY=rr: only the primary holds the listening socket',
			timeoutMs: 8000,
			async run(context) {
				const workers = (context.memo.get('workers') as ClusterWorker[]).map(worker => worker.pid);
				const view = listenHolders(context);
				const repro = `NODE_CLUSTER_SCHED_POLICY=rr ...; ss -tlnp 'sport = :${context.port}'   # users: lists every process holding the LISTEN socket`;
				const actual = describeHolders(context, view, workers);
				if (view.inodes.length === 0) {
					context.fail({message: `Nothing listens on port ${context.port}`, expected: 'one listening socket, held by your primary', actual, repro});
				}
				const workerHolders = workers.filter(pid => [...view.holders.values()].some(holders => holders.includes(pid)));
				const primaryHolds = [...view.holders.values()].some(holders => holders.includes(context.primaryPid));
				if (view.inodes.length > 1 || (workerHolders.length > 0 && !primaryHolds)) {
					context.fail({
						message: `Your workers bound port ${context.port} themselves (listen with exclusive: true or reusePort: true?): under round-robin only the primary may hold the listening socket`,
						expected: `one listening socket on port ${context.port}, in the fd table of your primary (${context.primaryPid}) and of no worker: the primary accepts and hands connections out`,
						actual,
						hint: "Call plain server.listen(PORT, HOST) in the worker. With exclusive: true (which reusePort: true implies) a cluster worker opens its own socket and the primary's scheduling never sees a connection; on Node 20 the second worker then fails with EADDRINUSE.",
						repro,
					});
				}
				if (workerHolders.length > 0) {
					context.fail({
						message: `Your workers hold the listening socket although NODE_CLUSTER_SCHED_POLICY=rr: the scheduling policy was set in code, not taken from the environment`,
						expected: `under rr, the listening socket in the fd table of your primary (${context.primaryPid}) only`,
						actual: `${actual}\n(every worker holding it is what NODE_CLUSTER_SCHED_POLICY=none looks like)`,
						hint: 'Do not assign cluster.schedulingPolicy: Node reads NODE_CLUSTER_SCHED_POLICY itself when node:cluster is loaded.',
						repro,
					});
				}
				if (!primaryHolds) {
					context.fail({message: `Your primary does not hold the listening socket of port ${context.port}`, expected: `the socket in the fd table of your primary (${context.primaryPid})`, actual, hint: 'Let cluster open the socket: the workers call listen(), the primary does not.', repro});
				}
				context.note(`inode ${view.inodes[0]} held by the primary ${context.primaryPid} only; workers ${list(workers)} hold none`);
			},
		},
		honestPidsStep('honest-pids', 'rr'),
		statsStep('stats', 'rr'),
		sigkillStep('sigkill-respawn', 'rr'),
		{
			id: 'none-workers-listen',
			title: `NODE_CLUSTER_SCHED_POLICY=none, WORKERS=${NONE_WORKERS}: the primary and every worker hold the listening socket`,
			timeoutMs: 45_000,
			async run(context) {
				await context.restart({NODE_CLUSTER_SCHED_POLICY: 'none', WORKERS: String(NONE_WORKERS)});
				const settled = await settledWorkers(context, WORKERS_WITHIN_MS);
				context.memo.set('workers', settled);
				const workers = settled.map(worker => worker.pid);
				context.waitingFor(`every worker to hold the listening socket of port ${context.port}`);
				// A worker holds its copy once the primary has answered its listen(): wait, bounded.
				await pollUntil(() => {
					const view = listenHolders(context);
					return view.inodes.length === 1 && [context.primaryPid, ...workers].every(pid => view.holders.get(view.inodes[0]!)!.includes(pid)) ? true : undefined;
				}, WORKERS_WITHIN_MS, context);
				const view = listenHolders(context);
				const actual = describeHolders(context, view, workers);
				const repro = `NODE_CLUSTER_SCHED_POLICY=none ...; ss -tlnp 'sport = :${context.port}'   # users: should list the primary and every worker`;
				const holders = view.inodes.length === 1 ? view.holders.get(view.inodes[0]!)! : [];
				if (view.inodes.length === 1 && holders.length === 1 && holders[0] === context.primaryPid) {
					context.fail({
						message: 'NODE_CLUSTER_SCHED_POLICY=none, yet only your primary holds the listening socket: the scheduling policy is hard-coded (round-robin), not taken from NODE_CLUSTER_SCHED_POLICY',
						expected: `under none, one listening socket held by the primary and by every worker (${list(workers)}), each accepting for itself`,
						actual,
						hint: 'Remove the assignment to cluster.schedulingPolicy. Node reads NODE_CLUSTER_SCHED_POLICY (rr or none) when node:cluster is loaded; the policy is frozen at the first setupPrimary() or fork().',
						repro,
					});
				}
				if (view.inodes.length > 1) {
					context.fail({
						message: `There are ${view.inodes.length} listening sockets on port ${context.port}: your workers bound the port themselves (exclusive: true or reusePort: true?)`,
						expected: 'one listening socket, opened by the primary and shared with every worker',
						actual,
						hint: 'Call plain server.listen(PORT, HOST) in the worker, so that cluster shares the primary\'s socket.',
						repro,
					});
				}
				const missing = [context.primaryPid, ...workers].filter(pid => !holders.includes(pid));
				if (missing.length > 0) {
					context.fail({
						message: `Under NODE_CLUSTER_SCHED_POLICY=none, ${list(missing)} do not hold the listening socket`,
						expected: `one listening socket held by the primary ${context.primaryPid} and every worker (${list(workers)})`,
						actual,
						hint: 'Let cluster share the socket: every worker calls server.listen(PORT, HOST) and nothing else.',
						repro,
					});
				}
				context.waitingFor('30 answers to GET / on fresh connections');
				const answers = await context.http.burst({count: 30, concurrency: 3, timeoutMs: REQUEST_MS, path: index => `/?none=${index}`});
				const bad = answers.filter(answer => answer.status !== 200 || answer.pid === undefined || !workers.includes(answer.pid));
				if (bad.length > 0) {
					context.fail({
						message: `Under NODE_CLUSTER_SCHED_POLICY=none, ${bad.length} of ${answers.length} requests were not answered 200 by a worker`,
						expected: `200 from ${list(workers)}`,
						actual: bad.map(answer => answer.error ?? `status ${answer.status} from ${answer.pid ?? '?'}`).slice(0, 5).join(', '),
						repro: context.curl('/'),
					});
				}
				context.note(`inode ${view.inodes[0]} held by the primary and ${list(workers)}; 30 fresh connections, the kernel's choice: ${perPid(workers, countByPid(answers))}`);
			},
		},
		// The same robustness under none: the program must not behave only under the default.
		honestPidsStep('none-honest-pids', 'none'),
		statsStep('none-stats', 'none'),
		sigkillStep('none-sigkill-respawn', 'none'),
		{
			id: 'sigterm',
			title: `SIGTERM: the request in flight finishes, no worker is respawned, all gone within ${SIGTERM_MS / 1000} s even with a longer request`,
			timeoutMs: 20_000,
			async run(context) {
				const workers = await settledWorkers(context, 5000);
				const known = new Set([context.primaryPid, ...treePids(context)]);
				context.waitingFor(`the heads of GET /slow?ms=${SLOW_MS} and GET /slow?ms=${LONG_MS}`);
				// Both in flight before SIGTERM: one that must finish, one longer than the deadline.
				const slow = slowRequest(context, SLOW_MS, SLOW_MS + SIGTERM_MS + 2000);
				const longSentAt = Date.now();
				const long = slowRequest(context, LONG_MS, LONG_MS + 5000);
				try {
					// The head must come before the body: a request answered in one piece is not in flight when SIGTERM comes.
					await slow.head;
					await new Promise(resolve => setTimeout(resolve, 100));
					if (slow.settled() && !('error' in (await slow.done))) {
						return context.fail({
							message: `GET /slow?ms=${SLOW_MS} sent its head only with its body: there is no request in flight to shut down around`,
							expected: `the head (200, x-worker-pid) at once, the body ${SLOW_MS} ms later`,
							actual: 'the head and the body arrived together',
							hint: "Keep the /slow route of the starter: res.flushHeaders() sends the head at once, and res.end() the body after ms milliseconds.",
							repro: `curl -sN -D - '${context.baseUrl}/slow?ms=2000'   # the headers should show at once`,
						});
					}
					const heads = await Promise.all([slow.head, long.head]);
					const broken = heads.findIndex(head => 'error' in head || head.status !== 200 || head.pid === undefined);
					if (broken >= 0) {
						const head = heads[broken]!;
						const ms = broken === 0 ? SLOW_MS : LONG_MS;
						return context.fail({
							message: `GET /slow?ms=${ms} did not start answering`,
							expected: '200, with x-worker-pid, sent at once (the body follows after ms milliseconds, ms up to 10000)',
							actual: 'error' in head ? head.error : `status ${head.status}, x-worker-pid ${head.pid ?? 'missing'}`,
							hint: 'Keep the /slow route of the starter: res.flushHeaders() sends the head at once.',
							repro: context.curl(`/slow?ms=${ms}`),
						});
					}
					const inFlightOn = (heads[0] as {pid: number}).pid;
					const longOn = (heads[1] as {pid: number}).pid;
					const sentAt = Date.now();
					process.kill(context.primaryPid, 'SIGTERM');
					context.waitingFor(`your tree (${list(known)}) to exit after SIGTERM, watching for new workers`);
					// Watch the process group: a worker forked after SIGTERM is a respawn,
					// even if the primary is gone before we look (its orphan keeps the group).
					// A new process may be read between fork and exec, before it has
					// NODE_UNIQUE_ID: such pids are looked at again on the next round.
					const respawned = new Map<number, {ms: number; uniqueId: string}>();
					const unclassified = new Set<number>();
					const gone = await pollUntil(() => {
						for (const pid of context.process.members()) if (!known.has(pid) && !respawned.has(pid)) unclassified.add(pid);
						for (const pid of unclassified) {
							const env = environ(pid);
							if (env?.NODE_UNIQUE_ID !== undefined) {
								respawned.set(pid, {ms: Date.now() - sentAt, uniqueId: env.NODE_UNIQUE_ID});
								unclassified.delete(pid);
							} else if (!isAlive(pid)) unclassified.delete(pid);
						}
						const left = [...known, ...respawned.keys()].filter(pid => isAlive(pid));
						return left.length === 0 ? Date.now() - sentAt : undefined;
					}, SIGTERM_MS, context);
					const left = [...known].filter(pid => isAlive(pid));
					const answer = await slow.done;
					if (respawned.size > 0) {
						context.fail({
							message: `Your primary forked ${respawned.size} new worker${respawned.size > 1 ? 's' : ''} after SIGTERM: a deliberate shutdown must not respawn`,
							expected: 'the workers stop and none is replaced',
							actual: [`new workers ${[...respawned].map(([pid, seen]) => `${pid} (NODE_UNIQUE_ID=${seen.uniqueId}, seen ${seen.ms} ms after SIGTERM)`).join(', ')}`, 'error' in answer ? `and the request in flight on ${inFlightOn} was cut off: ${answer.error}` : ''].filter(Boolean).join('\n'),
							hint: "worker.exitedAfterDisconnect is false after the primary's worker.kill() (and worker.process.kill()), so it cannot tell your own kills from a crash. Set a shuttingDown flag before stopping the workers and check it in cluster.on('exit').",
							repro: `${context.runItYourself} & sleep 2; kill -TERM <primary pid>; sleep 0.5; ps -o pid,args --ppid <primary pid>`,
						});
					}
					if ('error' in answer) {
						context.fail({
							message: `The request in flight on worker ${inFlightOn} was cut off by the shutdown: the workers were killed (or left to die with the primary), not disconnected`,
							expected: `GET /slow?ms=${SLOW_MS}, whose head came before SIGTERM, answered in full before worker ${inFlightOn} exits`,
							actual: answer.error,
							hint: 'On SIGTERM call cluster.disconnect() (or worker.disconnect() for each): every worker closes its server, finishes the requests it has, and exits. Keep a kill as the deadline, not as the first move.',
							repro: `${context.curl(`/slow?ms=${SLOW_MS}`)} & sleep 0.3; kill -TERM <primary pid>; wait`,
						});
					}
					if (gone === undefined) {
						const waitsForLong = left.includes(longOn);
						const where = left.includes(context.primaryPid) ? `Your primary was still running ${SIGTERM_MS / 1000} s after SIGTERM` : `The primary exited but left ${left.length} processes running ${SIGTERM_MS / 1000} s after SIGTERM`;
						context.fail({
							message: waitsForLong ? `${where}, waiting for GET /slow?ms=${LONG_MS} on worker ${longOn}: the shutdown has no deadline` : where,
							expected: `the primary and every worker gone within ${SIGTERM_MS / 1000} s of SIGTERM, even with a request in flight that lasts ${LONG_MS / 1000} s (it may be cut at the deadline)`,
							actual: `still running: ${left.map(pid => `${pid} (${readProc(pid)?.comm ?? '?'}, parent ${readProc(pid)?.ppid ?? '?'})`).join(', ')}`,
							hint: 'After cluster.disconnect(), exit the primary once every worker has exited, and kill what is left at a deadline (e.g. 2.5 s) so that a request that never ends cannot hold the shutdown.',
							repro: `${context.curl(`/slow?ms=${LONG_MS}`)} & sleep 0.3; kill -TERM <primary pid>; sleep 3; ps -o pid,ppid,args -p ${list(known).replaceAll(' ', '')}`,
						});
					}
					if (gone !== undefined && gone > SIGTERM_MS) {
						// Seen gone only after the deadline: the checker was stalled past it (a poll every 20 ms
						// otherwise sees the deadline pass). What cannot come late decides: the long request's
						// body comes LONG_MS after the worker had it, so a body in full means the worker ran that long.
						context.waitingFor(`GET /slow?ms=${LONG_MS} on worker ${longOn} to end`);
						const longEnd = await long.done;
						const ranUntil = longSentAt + LONG_MS - sentAt;
						if (!('error' in longEnd) && ranUntil > SIGTERM_MS) {
							context.fail({
								message: `Worker ${longOn} was still running ${SIGTERM_MS / 1000} s after SIGTERM, waiting for GET /slow?ms=${LONG_MS} (answered in full, ${ranUntil} ms after SIGTERM at the earliest): the shutdown has no deadline`,
								expected: `the primary and every worker gone within ${SIGTERM_MS / 1000} s of SIGTERM, even with a request in flight that lasts ${LONG_MS / 1000} s (it may be cut at the deadline)`,
								actual: `GET /slow?ms=${LONG_MS}, sent ${sentAt - longSentAt} ms before SIGTERM, answered in full; the tree was gone when the checker looked, ${gone} ms after SIGTERM`,
								hint: 'After cluster.disconnect(), exit the primary once every worker has exited, and kill what is left at a deadline (e.g. 2.5 s) so that a request that never ends cannot hold the shutdown.',
								repro: `${context.curl(`/slow?ms=${LONG_MS}`)} & sleep 0.3; kill -TERM <primary pid>; sleep 3; ps -o pid,ppid,args -p ${list(known).replaceAll(' ', '')}`,
							});
						}
						tooBusyToJudge(context, {
							message: `The machine was too busy to judge the ${SIGTERM_MS / 1000} s deadline: the checker could look only ${gone} ms after SIGTERM, and by then your tree was gone`,
							expected: `a look at your tree at least every 20 ms for ${SIGTERM_MS / 1000} s after SIGTERM`,
							actual: `GET /slow?ms=${LONG_MS} on ${longOn}: ${'error' in longEnd ? `cut (${longEnd.error})` : 'answered in full'}`,
						});
					}
					const longAnswer = await Promise.race([long.done, new Promise<undefined>(resolve => setTimeout(resolve, 200))]);
					const longFate = longAnswer === undefined ? 'still open' : 'error' in longAnswer ? 'cut at the deadline' : 'answered';
					context.note(
						`GET /slow?ms=${SLOW_MS} on ${inFlightOn} answered in full; GET /slow?ms=${LONG_MS} on ${longOn} ${longFate}; ${workers.length} workers and the primary gone ${gone} ms after SIGTERM, none respawned`,
					);
				} finally {
					slow.abort();
					long.abort();
				}
			},
		},
	],
};
