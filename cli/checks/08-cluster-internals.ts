import {randomUUID} from 'node:crypto';
import {readdirSync, readFileSync, readlinkSync, rmSync, statSync} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {clusterMessages, isMessage, isStart, readTrace, spyEnvironment, unwrap} from '../harness/ipc-trace.js';
import {pickFreePort} from '../harness/ports.js';
import {descendantsOf, environ, holdersOf, isAlive, listenInodes, readProc, socketInodes, tcpRows} from '../harness/procfs.js';
import {getAfterHandOver, probeOwner} from '../harness/owner-probe.js';
import {writtenWhileFrozen} from '../harness/write-at-once.js';
import {countByPid, workerPidFrom, type Answer} from '../harness/traffic.js';
import {startersDir} from '../paths.js';
import {describeFailures, ipcChildren, jsonBody, list, pollUntil, requireWholeAgain, sigtermStep, startsStep} from './common.js';
import {runCoreSuite} from './08-core-tests.js';
import {CheckFailure, type LabCheck, type Step, type StepContext} from './step.js';

const LAB = '08-cluster-internals';
/**
WORKERS for the first run (rr) and for the shared restart: neither is the
lesson's default (2), and a program that hard-codes the first fails the second.
*/
const WORKERS = 3;
const SHARED_WORKERS = 4;
/** Fresh connections, one at a time, in the round-robin step: 20 per worker. */
const RR_CONNECTIONS = 20 * WORKERS;
/** A restarted program's workers load tsx before app.ts: up to 2.5 s on the kit's loaded 2-core machine (lab 05's figure), more beside other labs' suites and CPU hogs. */
const WORKERS_WITHIN_MS = 10_000;
/**
Each request's bound. A request with no answer by then counts as hung (rr-turns
calls that a missing pauseOnConnect): long enough that a busy machine, where
answers took more than 3 s now and then, is not taken for that mistake.
*/
const REQUEST_MS = 6000;
/** rr-turns: requests written while the primary is paused, so they wait for its accept. */
const FROZEN_REQUESTS = 6;
/** The spy's variables: the checker's plumbing, left out of the command lines it shows. */
const SPY_VARIABLES = ['NODE_OPTIONS', 'NCL_TRACE_FILE'];
/** Trace files of runs that ended long ago (a failed run never reaches the step that removes its own). */
const STALE_TRACE_MS = 15 * 60_000;

/** A fresh trace file for one run, after removing the leftovers of old runs. */
function newTraceFile(): string {
	const dir = tmpdir();
	try {
		for (const name of readdirSync(dir)) {
			if (!/^ncl-08-trace-.*\.jsonl$/.test(name)) continue;
			const file = path.join(dir, name);
			if (Date.now() - statSync(file).mtimeMs > STALE_TRACE_MS) rmSync(file, {force: true});
		}
	} catch {
		// A tmp folder we cannot list or a file that just vanished: nothing to clean.
	}
	return path.join(dir, `ncl-08-trace-${process.pid}-${randomUUID().slice(0, 8)}.jsonl`);
}

/** The lab folder, absolute: the keeper (the process group leader) runs in it. */
function labDir(context: StepContext): string {
	return readlinkSync(`/proc/${context.process.pgid}/cwd`);
}

/** The command that starts the program as this run did, without the checker's spy. */
function runLine(context: StepContext, command = 'npx tsx main.ts'): string {
	const env = Object.entries(context.env)
		.filter(([key, value]) => !SPY_VARIABLES.includes(key) && value !== '')
		.map(([key, value]) => `${key}=${value}`)
		.join(' ');
	return `cd ${context.dir} && ${env} ${command}`;
}

/** The workers: the primary's children with an IPC channel. */
function workersOf(context: StepContext): number[] {
	return ipcChildren(context.primaryPid);
}

function who(context: StepContext, pid: number): string {
	if (pid === context.primaryPid) return `pid ${pid} (your primary)`;
	return workersOf(context).includes(pid) ? `pid ${pid} (a worker)` : `pid ${pid}`;
}

/** "4101: 20, 4102: 19" for these pids, zeros included. */
function perPid(pids: number[], counts: Map<number, number>): string {
	return pids.map(pid => `${pid}: ${counts.get(pid) ?? 0}`).join(', ');
}

/** The WORKERS of the run in force (the shared restart asks for another count). */
function workerCount(context: StepContext): number {
	return Number(context.env.WORKERS);
}

/** Wait, bounded, for exactly WORKERS workers; fail naming what is there instead. */
async function settledWorkers(context: StepContext): Promise<number[]> {
	const count = workerCount(context);
	context.waitingFor(`your primary ${context.primaryPid} to have ${count} workers`);
	const found = await pollUntil(() => {
		const pids = workersOf(context);
		return pids.length === count ? pids : undefined;
	}, WORKERS_WITHIN_MS, context);
	if (found) return found;
	const pids = workersOf(context);
	return context.fail({
		message: `WORKERS=${count} but your primary has ${pids.length} worker processes`,
		expected: `${count} children forked with an IPC channel (NODE_CHANNEL_FD in /proc/<pid>/environ), one per cluster.fork()`,
		actual: `workers: ${list(pids)}`,
		hint: 'main.ts forks Number(process.env.WORKERS) workers; your fork() must start each as a child process with child_process.fork(). A worker that exits at start-up prints why: see its last lines below.',
		repro: `${runLine(context)} &  sleep 3; ps -o pid,ppid,args --ppid <primary pid>`,
	});
}

/** LISTEN sockets on TCP ports held by pid: port -> inode. */
function listeningPortsOf(pid: number): Map<number, number> {
	const held = socketInodes(pid);
	return new Map(tcpRows().filter(row => row.state === 'LISTEN' && held.has(row.inode)).map(row => [row.localPort, row.inode]));
}

/**
The primary's control port (main.ts's GET /exits). The steps that need it
restart the program with CONTROL_PORT set: found from /proc instead, it could
be mistaken for a port a worker opened by accident.
*/
function controlPort(context: StepContext): number {
	const port = Number(context.env.CONTROL_PORT);
	if (!Number.isInteger(port) || port <= 0) throw new Error('the checker restarts the program with CONTROL_PORT before it asks for exits');
	return port;
}

type HttpResult = {status: number; body: string; pid?: number; error?: string};

/** One GET on a fresh connection, bounded; never throws. */
function getOnce(host: string, port: number, pathAndQuery: string, timeoutMs = REQUEST_MS): Promise<HttpResult> {
	return new Promise(resolve => {
		const request = http.get({host, port, path: pathAndQuery, agent: false, headers: {connection: 'close'}}, response => {
			let body = '';
			response.setEncoding('utf8');
			response.on('data', chunk => {
				body += chunk;
			});
			response.on('end', () => {
				clearTimeout(timer);
				resolve({status: response.statusCode ?? 0, body, pid: workerPidFrom(response.headers['x-worker-pid'])});
			});
			response.on('error', error => resolve({status: 0, body, error: error.message}));
		});
		const timer = setTimeout(() => {
			request.destroy();
			resolve({status: 0, body: '', error: `no answer within ${timeoutMs} ms`});
		}, timeoutMs);
		request.on('error', error => {
			clearTimeout(timer);
			resolve({status: 0, body: '', error: (error as NodeJS.ErrnoException).code ?? error.message});
		});
	});
}

type ExitRecord = {id?: number; pid?: number; code?: number | null; signal?: string | null};

/** The primary's record of 'exit' events, or undefined when it does not answer. */
async function exitsOf(context: StepContext, port: number): Promise<ExitRecord[] | undefined> {
	const answer = await getOnce(context.host, port, '/exits', 2000);
	const value = answer.status === 200 ? parseJson(answer.body) : undefined;
	return Array.isArray(value) ? (value as ExitRecord[]) : undefined;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

/** The kit's own copy of app.ts, normalised for line endings. */
function appText(file: string): string | undefined {
	try {
		return readFileSync(file, 'utf8').replace(/\r\n/g, '\n').trimEnd();
	} catch {
		return undefined;
	}
}

/** A worker's command line, split. */
function cmdline(pid: number): string[] {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
	} catch {
		return [];
	}
}

/** The step every lab starts with, with a command line that leaves the spy out. */
function starts(): Step {
	const base = startsStep();
	return {
		...base,
		async run(context) {
			try {
				await base.run(context);
			} catch (error) {
				if (!(error instanceof CheckFailure)) throw error;
				const {failure} = error;
				if (failure.repro) failure.repro = runLine(context);
				if (failure.message.startsWith('Nothing accepted connections')) {
					// Here the primary listens on PORT only when a worker asks; its other port is the control port.
					const workers = workersOf(context);
					const actual = (failure.actual ?? '').replace(/it listens on (.*) instead/, 'it listens only on $1 (main.ts\'s control port?)');
					failure.actual = `${actual}\n${workers.length} worker processes alive${workers.length > 0 ? `: ${list(workers)}` : ''}`.trim();
					failure.hint =
						"In this lab the primary listens on PORT only when a worker's listen() asks it to (any other port it holds is main.ts's control port). So no worker asked, or the primary never answered: are the workers alive (a worker that dies at start-up prints why, below)? Does worker-preload.ts send queryServer, and does the primary listen when it gets one?";
					failure.repro = `${runLine(context)} &  sleep 3; ps -o pid,args --ppid <primary pid>; ss -ltnp`;
				}
				throw error;
			}
		},
	};
}

/** These steps, but when one fails it also removes this run's trace file: no later step will read it. */
function removesTraceOnFailure(steps: Step[]): Step[] {
	return steps.map(step => ({
		...step,
		async run(context) {
			try {
				await step.run(context);
			} catch (error) {
				if (context.env.NCL_TRACE_FILE) rmSync(context.env.NCL_TRACE_FILE, {force: true});
				throw error;
			}
		},
	}));
}

/**
GETs on fresh connections, `lanes` at a time, until every worker has
answered, or `budget` requests, `maxFailures` failed ones, or `deadlineMs`; answers by pid.
*/
async function reachEveryWorker(
	context: StepContext,
	pathAndQuery: string,
	workers: number[],
	budget: number,
	deadlineMs = 10_000,
	lanes = 1,
	maxFailures = 3,
	ask: () => Promise<HttpResult> = () => getOnce(context.host, context.port, pathAndQuery),
): Promise<{byPid: Map<number, HttpResult>; failed: HttpResult[]; sent: number}> {
	const byPid = new Map<number, HttpResult>();
	const failed: HttpResult[] = [];
	const stopAt = Date.now() + deadlineMs;
	let sent = 0;
	const lane = async () => {
		// A few failures are enough to report (each may have cost a timeout).
		while (sent < budget && Date.now() < stopAt && failed.length < maxFailures && workers.some(pid => !byPid.has(pid)) && !context.signal.aborted) {
			sent++;
			context.waitingFor(`GET ${pathAndQuery} (${sent} of at most ${budget}) until each of ${list(workers)} has answered`);
			const answer = await ask();
			if (answer.status === 200 && answer.pid !== undefined) byPid.set(answer.pid, answer);
			else failed.push(answer);
		}
	};
	await Promise.all(Array.from({length: lanes}, lane));
	return {byPid, failed, sent};
}

/** Hold a port the way another program would: a listening socket on HOST. */
async function holdPort(host: string): Promise<{port: number; release: () => Promise<void>}> {
	for (let attempt = 0; attempt < 5; attempt++) {
		const port = await pickFreePort(host);
		const server = net.createServer(socket => socket.destroy());
		const listening = await new Promise<boolean>(resolve => {
			server.once('error', () => resolve(false));
			server.listen({host, port, exclusive: true}, () => resolve(true));
		});
		if (listening) return {port, release: () => new Promise(resolve => server.close(() => resolve()))};
	}
	throw new Error(`could not hold a free port on ${host}`);
}

/**
After a restart with SECOND_PORT taken: every worker must stay alive and
report, through the app's 'error' listener, EADDRINUSE for that port. In
shared mode, no worker may end up listening on some other port instead.
*/
function listenErrorRepro(context: StepContext): string {
	return `${runLine(context)} &  sleep 3; curl -s http://${context.host}:${context.port}/listen-errors; curl -s http://${context.host}:${controlPort(context)}/exits`;
}

/**
Fails the step if workers died since the restart: a failed listen() that crashed
them. `seen` holds every worker pid seen alive; the primary's record of exits
(GET /exits) covers the ones gone before anyone looked.
*/
async function failIfListenErrorKilled(context: StepContext, secondPort: number, mode: 'rr' | 'shared', seen: ReadonlySet<number>): Promise<void> {
	const control = controlPort(context);
	const deaths = async (): Promise<string | undefined> => {
		const exits = (await exitsOf(context, control)) ?? [];
		const gone = [...new Set([...[...seen].filter(pid => !isAlive(pid)), ...exits.map(record => record.pid ?? 0).filter(pid => pid > 0)])];
		if (gone.length === 0) return undefined;
		const how = gone.map(pid => {
			const exit = exits.find(record => record.pid === pid);
			return `${pid} (${exit ? (exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`) : 'gone'})`;
		});
		return `worker${gone.length > 1 ? 's' : ''} ${how.join(', ')}`;
	};
	const dead = (what: string) =>
		context.fail({
			message: `In ${mode} mode, ${what} exited after ${what.startsWith('workers ') ? 'their' : 'its'} listen() on port ${secondPort} failed: the error crashed the worker instead of reaching the app as an 'error' event`,
			expected: `every worker alive, and the app's second server gets an 'error' event with code EADDRINUSE (port ${secondPort} is taken)`,
			actual: `${what} exited; the rest of the app (port ${context.port}) would have kept working`,
			hint: "When the primary's reply carries an error, don't throw it in the worker: build an Error with its code, errno and syscall and emit it on the server (server.emit('error', err)). The app has an 'error' listener; an app without one would still crash, as with a plain listen().",
			repro: listenErrorRepro(context),
		});
	const gone = await deaths();
	if (gone) dead(gone);
}

async function checkListenError(context: StepContext, secondPort: number, mode: 'rr' | 'shared'): Promise<void> {
	const repro = listenErrorRepro(context);
	// Workers that crash on the failed listen may be gone before we first look: remember every one ever seen.
	const seen = new Set<number>();
	const count = workerCount(context);
	context.waitingFor(`${count} workers, each reporting its failed listen on port ${secondPort}`);
	const stopAt = Date.now() + WORKERS_WITHIN_MS + 4000;
	const reports = new Map<number, HttpResult>();
	const reported = (pid: number) => {
		const value = parseJson(reports.get(pid)?.body ?? '');
		return Array.isArray(value) && value.some(entry => (entry as {port?: number}).port === secondPort && (entry as {code?: string}).code === 'EADDRINUSE');
	};
	for (;;) {
		for (const pid of workersOf(context)) seen.add(pid);
		await failIfListenErrorKilled(context, secondPort, mode, seen);
		if (mode === 'shared') {
			// A bind that failed in the primary and was not noticed: the worker's listen() on that socket binds a random port.
			for (const pid of seen) {
				const stray = [...listeningPortsOf(pid).keys()].filter(port => port !== context.port);
				if (stray.length === 0) continue;
				const addresses = [...new Set(tcpRows().filter(row => row.state === 'LISTEN' && stray.includes(row.localPort)).map(row => `${row.localAddress}:${row.localPort}`))];
				context.fail({
					message: `In shared mode, worker ${pid} listens on ${addresses.join(', ')} instead of getting EADDRINUSE for port ${secondPort}: a bind() that failed in the primary went unnoticed`,
					expected: `EADDRINUSE for port ${secondPort} (the checker holds it), reported to the app as an 'error' event; no worker listening anywhere else`,
					actual: `worker ${pid} holds a listening socket on ${addresses.join(', ')}`,
					hint: "libuv does not report EADDRINUSE from bind() until listen() or getsockname(). The error belongs to the primary's copy of the handle and is lost when the handle travels; listen() in the worker then binds a random port on every interface. Ask in the primary: handle.getsockname({}) returns the error (a negative errno) before you send anything.",
					repro: `${repro}; ss -ltnp`,
				});
			}
		}
		const alive = [...seen].filter(pid => isAlive(pid));
		if (alive.length === count) {
			const {byPid} = await reachEveryWorker(context, '/listen-errors', alive.filter(pid => !reported(pid)), 3 * count);
			for (const [pid, answer] of byPid) reports.set(pid, answer);
			if (alive.every(pid => reported(pid))) break;
		}
		if (Date.now() >= stopAt || context.signal.aborted) {
			await failIfListenErrorKilled(context, secondPort, mode, seen);
			if (alive.length !== count) {
				context.fail({
					message: `In ${mode} mode with SECOND_PORT=${secondPort} (a taken port), your primary has ${alive.length} workers instead of ${count}`,
					expected: `${count} workers that keep running although one of the app's two ports is taken`,
					actual: `workers seen: ${list(seen)}; alive: ${list(alive)}`,
					repro,
				});
			}
			const silent = alive.filter(pid => reports.has(pid) && !reported(pid));
			context.fail({
				message:
					silent.length > 0
						? `In ${mode} mode, worker ${silent[0]} got no 'error' event for port ${secondPort}, which is taken: its listen() failed silently`
						: `In ${mode} mode, ${alive.filter(pid => !reports.has(pid)).length} of your workers never answered GET /listen-errors`,
				expected: `every worker's app reports [{"port":${secondPort},"code":"EADDRINUSE",...}] at GET /listen-errors`,
				actual: alive.map(pid => `${pid}: ${reports.has(pid) ? reports.get(pid)!.body.trim() : 'never answered'}`).join('\n'),
				hint: "The primary's reply to a listen that failed must carry the error (code, errno, syscall), and the worker must emit it on that server: server.emit('error', err).",
				repro,
			});
		}
		await new Promise(resolve => setTimeout(resolve, 100));
	}
	// Nothing died while we asked.
	await failIfListenErrorKilled(context, secondPort, mode, seen);
}

/**
A worker's exit, in the mode in force: a crash with a code of our choosing and
a SIGKILL must both reach the 'exit' event (GET /exits on the control port)
with the process's own code and signal; nothing is forked in their place (main.ts
decides about replacements, and it forks none); and the workers left serve
every new connection.
*/
function workerExitStep(id: string, mode: 'rr' | 'shared'): Step {
	return {
		id,
		title: mode === 'rr' ? "rr: a worker's exit is reported by the 'exit' event, and rr skips it" : "shared: a worker's exit is reported by the 'exit' event, and the others serve on",
		timeoutMs: 40_000,
		async run(context) {
			const control = controlPort(context);
			const workers = await settledWorkers(context);
			const repro = `curl -s 'http://${context.host}:${context.port}/crash?code=N'; curl -s http://${context.host}:${control}/exits`;
			const expectExit = async (pid: number, code: number | null, signal: string | null, how: string) => {
				context.waitingFor(`worker ${pid} to be gone after ${how}`);
				const gone = await pollUntil(() => (isAlive(pid) ? undefined : true), 3000, context);
				if (!gone) {
					context.fail({
						message: `Worker ${pid} was still running 3 s after ${how}`,
						expected: `worker ${pid} gone`,
						actual: `state ${readProc(pid)?.state ?? '?'}`,
						repro,
					});
				}
				context.waitingFor(`GET /exits on the control port ${control} to list worker ${pid}`);
				let last: ExitRecord[] | undefined;
				const stopAt = Date.now() + 3000;
				let found: ExitRecord | undefined;
				while (Date.now() < stopAt && !found) {
					last = await exitsOf(context, control);
					found = last?.find(entry => entry.pid === pid);
					if (!found) await new Promise(resolve => setTimeout(resolve, 50));
				}
				if (!isAlive(context.primaryPid)) {
					context.fail({
						message: `In ${mode} mode your primary exited when worker ${pid} exited (after ${how})`,
						expected: "the primary keeps running, and its cluster emits 'exit' (worker, code, signal)",
						actual: `the primary ${context.primaryPid} is gone; its last lines are below`,
						hint: "Something in fork()'s 'exit' handling threw in the primary: taking the worker off each handle (RoundRobinHandle and SharedHandle alike) must work for both kinds of handle.",
						repro,
					});
				}
				if (!found) {
					return context.fail({
						message:
							last === undefined
								? `Nothing answered GET /exits on CONTROL_PORT=${control}: the checker cannot see your 'exit' events`
								: `Worker ${pid} exited after ${how}, but no 'exit' event reported it`,
						expected: `an entry for pid ${pid} in GET /exits (main.ts records cluster.on('exit', (worker, code, signal) => ...))`,
						actual: last === undefined ? 'GET /exits did not answer with a JSON list' : `GET /exits: ${JSON.stringify(last).slice(0, 300)}`,
						hint:
							last === undefined
								? "main.ts serves GET /exits on process.env.CONTROL_PORT: keep the given main.ts's control server."
								: "fork() listens to the child's 'exit' event and emits 'exit' on the worker (code, signal) and on the cluster (worker, code, signal).",
						repro,
					});
				}
				if ((found.code ?? null) !== code || (found.signal ?? null) !== signal) {
					context.fail({
						message: `The 'exit' event for worker ${pid} said code ${found.code ?? 'null'}, signal ${found.signal ?? 'null'}; it ended with ${signal ? `signal ${signal}` : `code ${code}`}`,
						expected: `(worker, ${code}, ${signal === null ? 'null' : `'${signal}'`}) after ${how}`,
						actual: `GET /exits: ${JSON.stringify(found)}`,
						hint: "Take code and signal from the child process's 'exit' event ('exit' (code, signal)); 'disconnect' comes earlier and carries neither.",
						repro,
					});
				}
			};
			// A crash the app does itself, with a code we chose.
			const code = 3 + Math.floor(Math.random() * 90);
			context.waitingFor(`GET /crash?code=${code}`);
			const crash = await getOnce(context.host, context.port, `/crash?code=${code}`);
			if (crash.pid === undefined || !workers.includes(crash.pid)) {
				return context.fail({
					message: `GET /crash?code=${code} was not answered by a worker`,
					expected: `an answer with x-worker-pid from ${list(workers)}`,
					actual: crash.error ?? `status ${crash.status}, x-worker-pid ${crash.pid ?? 'none'}`,
					repro,
				});
			}
			await expectExit(crash.pid, code, null, `GET /crash?code=${code} (process.exit(${code}))`);
			// A kill from outside.
			const victim = workers.find(pid => pid !== crash.pid && isAlive(pid))!;
			process.kill(victim, 'SIGKILL');
			await expectExit(victim, null, 'SIGKILL', 'SIGKILL');
			const survivors = workers.filter(pid => isAlive(pid));
			// Nothing forked in their place: the module starts a worker only when fork() is called.
			const forked = workersOf(context).filter(pid => !workers.includes(pid));
			if (forked.length > 0) {
				context.fail({
					message: `After two workers exited, ${forked.length} new worker${forked.length > 1 ? 's' : ''} appeared (${list(forked)}), though main.ts called fork() no more: your module replaces workers on its own`,
					expected: `the ${survivors.length} workers left (${list(survivors)}) and no new ones: main.ts decides about replacements, and it forks none`,
					actual: `workers now: ${list(workersOf(context))}`,
					hint: "In fork()'s 'exit' handling, emit 'exit' and forget the worker; do not fork. A program that wants replacements forks them in its own cluster.on('exit') (lab 07).",
					repro: `${repro}; ps -o pid,args --ppid <primary pid>`,
				});
			}
			if (mode === 'rr') {
				// The primary chooses: new connections go to the worker left, none to the dead.
				const answers: Answer[] = [];
				for (let index = 0; index < 10; index++) {
					context.waitingFor(`request ${index + 1} of 10 after two workers exited`);
					answers.push(await context.http.get('/', {fresh: true, timeoutMs: REQUEST_MS}));
				}
				const failed = answers.filter(answer => answer.status !== 200 || answer.pid === undefined || !survivors.includes(answer.pid));
				if (failed.length > 0) {
					context.fail({
						message: `After two workers exited, ${failed.length} of 10 new connections failed: the primary still hands connections to workers that are gone`,
						expected: `every connection served by the worker still alive (${list(survivors)})`,
						actual: describeFailures(failed),
						hint: "On a worker's 'exit', remove it from every handle's list of workers (core: RoundRobinHandle.remove()). Sending a socket to a dead worker fails with ERR_IPC_CHANNEL_CLOSED, and the client loses its connection.",
						repro: context.curl('/'),
					});
				}
			} else {
				// The kernel chooses among the workers still accepting on the shared socket.
				await requireWholeAgain(context, {
					pids: survivors,
					fault: 'two workers exited in shared mode',
					count: 10 * survivors.length,
					everyPidServes: false,
					hint: 'The workers left hold their copies of the shared socket and accept on it; nothing in the primary needs to change when one exits.',
				});
			}
			context.note(`exit code ${code} and SIGKILL both reported, nothing forked; ${10 * survivors.length} new connections all served by ${list(survivors)}`);
		},
	};
}

export const clusterInternalsCheck: LabCheck = {
	lab: LAB,
	// The first run is traced: the spy rides along in NODE_OPTIONS to every process of the tree.
	env: () => ({WORKERS: String(WORKERS), ...spyEnvironment(newTraceFile())}),
	variables: {WORKERS: [String(WORKERS), String(SHARED_WORKERS)], MINI_CLUSTER_MODE: ['rr', 'shared']},
	kitVariables: SPY_VARIABLES,
	steps: [
		// The run is traced up to rr-turns, which removes the trace file; a run that fails before
		// that removes it as it fails (a step that times out leaves it to the next run's sweep).
		...removesTraceOnFailure([
			starts(),
			{
				id: 'stock-app',
				title: 'app.ts is the kit\'s app, unmodified',
				timeoutMs: 3000,
				async run(context) {
					const mine = path.join(labDir(context), 'app.ts');
					const kit = appText(path.join(startersDir, LAB, 'app.ts'));
					const yours = appText(mine);
					if (kit === undefined) throw new Error(`the kit's copy of ${LAB}/app.ts is missing`);
					if (yours === undefined) {
						return context.fail({
							message: 'app.ts is missing',
							expected: "the kit's app.ts next to main.ts: the app your mini cluster must run unchanged",
							actual: `no file ${mine}`,
							hint: `Restore it: npx node-cluster-lab reset ${LAB} (your other files are backed up first), or copy app.ts from the kit.`,
						});
					}
					if (yours !== kit) {
						const a = kit.split('\n');
						const b = yours.split('\n');
						const line = a.findIndex((text, index) => text !== b[index]);
						const at = line < 0 ? a.length : line;
						context.fail({
							message: `app.ts was modified (line ${at + 1}): the point of the lab is to run the stock app unchanged`,
							expected: `line ${at + 1}: ${JSON.stringify(a[at] ?? '(end of file)')}`,
							actual: `line ${at + 1}: ${JSON.stringify(b[at] ?? '(end of file)')}`,
							hint: "Put cluster logic in mini-cluster.ts and worker-preload.ts, never in the app: core's cluster runs any app that calls listen(), and so must yours.",
							repro: `diff ${path.join(startersDir, LAB, 'app.ts')} ${context.dir}/app.ts`,
						});
					}
				},
			},
			{
				id: 'rr-listen',
				title: 'rr mode: only the primary holds the listening socket',
				timeoutMs: 8000,
				async run(context) {
					context.waitingFor(`one listening socket on port ${context.port}, held by your primary only`);
					const state = () => {
						const tree = [context.primaryPid, ...descendantsOf(context.primaryPid).map(proc => proc.pid)];
						const inodes = listenInodes(context.port);
						return inodes.map(inode => ({inode, holders: holdersOf(inode, tree)}));
					};
					const good = (sockets: ReturnType<typeof state>) => sockets.length === 1 && sockets[0]!.holders.length === 1 && sockets[0]!.holders[0] === context.primaryPid;
					// Right away for a primary that listens; a worker that binds may take a moment to show.
					const settled = await pollUntil(() => {
						const sockets = state();
						return good(sockets) ? sockets : undefined;
					}, 3000, context);
					if (settled) {
						context.note(`socket:[${settled[0]!.inode}] held by the primary ${context.primaryPid} only`);
						return;
					}
					const sockets = state();
					const table = sockets.map(({inode, holders}) => `socket:[${inode}] held by ${holders.map(pid => who(context, pid)).join(', ') || 'no process of yours'}`).join('\n') || 'no listening socket on the port';
					const workerHolders = [...new Set(sockets.flatMap(socket => socket.holders).filter(pid => pid !== context.primaryPid))];
					const repro = `${runLine(context)} &  sleep 3; ss -ltnp 'sport = :${context.port}'`;
					if (workerHolders.length > 0) {
						context.fail({
							message: `In rr mode the listening socket on port ${context.port} is held by ${workerHolders.map(pid => who(context, pid)).join(', ')}: ${sockets.length > 1 ? 'every worker binds the port itself (reusePort?)' : 'a worker binds the port itself'}, instead of asking the primary`,
							expected: 'one listening socket, held by the primary only: in rr mode the primary accepts and hands each connection to a worker',
							actual: table,
							hint: "In worker-preload.ts, net.Server.prototype.listen(port, host) must not call the original listen: send a queryServer message to the primary and wait for its reply. Core does this in net.js's listenInCluster(); reusePort and exclusive are the ways around it. (A worker that binds a taken port dies with EADDRINUSE.)",
							repro,
						});
					}
					context.fail({
						message: `Your primary does not hold the one listening socket on port ${context.port}`,
						expected: 'exactly one listening socket on the port, held by the primary',
						actual: table,
						hint: "On a worker's queryServer, the primary (rr mode) creates a net.Server with pauseOnConnect and listens on the host and port the worker asked for.",
						repro,
					});
				},
			},
			{
				id: 'workers',
				title: `Runs app.ts as WORKERS (${WORKERS}) worker processes`,
				timeoutMs: WORKERS_WITHIN_MS + 2000,
				async run(context) {
					const workers = await settledWorkers(context);
					const app = path.join(labDir(context), 'app.ts');
					for (const pid of workers) {
						const args = cmdline(pid);
						let cwd = '';
						try {
							cwd = readlinkSync(`/proc/${pid}/cwd`);
						} catch {
							// Gone: the next checks say so.
						}
						const runsApp = args.some(arg => !arg.startsWith('-') && (arg === app || path.resolve(cwd, arg) === app || arg === `file://${app}`));
						if (!runsApp) {
							context.fail({
								message: `Worker ${pid} does not run app.ts`,
								expected: `every worker runs ${app} (setupPrimary({exec}) in main.ts; your fork() starts that file)`,
								actual: `worker ${pid}: ${args.join(' ').slice(0, 300)}`,
								hint: 'fork() runs settings.exec, the file setupPrimary() was given: child_process.fork(settings.exec, args, {execArgv, env}).',
								repro: `${runLine(context)} &  sleep 3; ps -o pid,args --ppid <primary pid>`,
							});
						}
					}
					context.memo.set('workers', workers);
					context.note(`workers ${list(workers)} run app.ts`);
				},
			},
			{
				id: 'no-node-cluster',
				title: 'Built on child_process, not node:cluster (environ and the IPC trace)',
				timeoutMs: 10_000,
				async run(context) {
					const workers = context.memo.get('workers') as number[];
					const tree = [context.primaryPid, ...workers];
					for (const pid of tree) {
						const id = environ(pid)?.NODE_UNIQUE_ID;
						if (id !== undefined) {
							context.fail({
								message: `${who(context, pid)} was started with NODE_UNIQUE_ID=${id}: node:cluster's fork() is doing the work`,
								expected: 'workers forked with child_process.fork() by your own fork(); node:cluster sets NODE_UNIQUE_ID (and deletes it from process.env at start-up, but /proc/<pid>/environ keeps it)',
								actual: `/proc/${pid}/environ: NODE_UNIQUE_ID=${id}`,
								hint: "Don't import node:cluster in mini-cluster.ts: fork with child_process.fork() and mark workers with a variable of your own (MINI_CLUSTER_WORKER_ID).",
								repro: `tr '\\0' '\\n' < /proc/<worker pid>/environ | grep NODE_`,
							});
						}
					}
					const file = context.env.NCL_TRACE_FILE!;
					context.waitingFor(`the IPC trace (${file}) to show each worker's start`);
					const events = (await pollUntil(() => {
						const all = readTrace(file);
						const started = new Set(all.filter(isStart).map(event => event.pid));
						return workers.every(pid => started.has(pid)) ? all : undefined;
					}, 3000, context)) ?? readTrace(file);
					const started = new Set(events.filter(isStart).map(event => event.pid));
					const unspied = workers.filter(pid => !started.has(pid));
					if (unspied.length > 0) {
						context.fail({
							message: `The checker's IPC spy never ran in worker${unspied.length > 1 ? 's' : ''} ${list(unspied)}: fork() did not pass the primary's environment down`,
							expected: 'every worker inherits process.env (PORT, HOST, NODE_OPTIONS...): fork(env) adds env on top of it, as cluster.fork(env) does',
							actual: `no start line from ${list(unspied)} in the trace; the primary started ${started.has(context.primaryPid) ? 'with' : 'without'} the spy`,
							hint: 'child_process.fork(file, args, {env: {...process.env, ...env, MINI_CLUSTER_WORKER_ID: id}}).',
						});
					}
					const cluster = clusterMessages(events);
					if (cluster.length > 0) {
						const acts = [...new Set(cluster.map(message => message.act ?? 'reply'))];
						context.fail({
							message: `The IPC trace shows ${cluster.length} NODE_CLUSTER messages (${acts.slice(0, 5).join(', ')}): node:cluster is at work under your mini cluster`,
							expected: 'only your own protocol on the IPC channels (cmd MINI_CLUSTER), no cmd NODE_CLUSTER',
							actual: `e.g. ${JSON.stringify(cluster[0]!.msg).slice(0, 200)} (pid ${cluster[0]!.pid}, ${cluster[0]!.dir})`,
							hint: 'Build fork() and the listen() hand-over on child_process and net only; node:cluster is what this lab takes apart.',
							repro: runLine(context, 'npx node-cluster-lab trace -- main.ts'),
						});
					}
					const talked = workers.filter(pid => events.some(event => isMessage(event) && event.pid === pid && event.dir === 'out' && event.peer === context.primaryPid));
					context.note(`no NODE_UNIQUE_ID, no NODE_CLUSTER message; ${talked.length} of ${workers.length} workers sent the primary a message`);
				},
			},
			{
				id: 'answers',
				title: 'Every worker answers GET /, and the app saw listen() succeed',
				timeoutMs: 40_000,
				async run(context) {
					const workers = context.memo.get('workers') as number[];
					// A worker answers once its listen() has reached the primary: tsx may take a few seconds.
					// WORKERS at a time, to reach as many as we can whatever order the primary picks in;
					// the next step requires every worker, in turn.
					// Failures are the next step's to judge (it sends one request at a time); here they
					// only must not hide every answer. Each request is written only once its connection
					// has reached a worker: a primary that reads before the hand-over (no pauseOnConnect)
					// loses requests sent at once, more or fewer with the machine's timing, and that is
					// rr-turns' mistake to name, not this step's.
					const afterHandOver = () => getAfterHandOver({host: context.host, port: context.port, path: '/', acceptor: context.primaryPid, pids: [context.primaryPid, ...workers], timeoutMs: REQUEST_MS});
					const {byPid, failed} = await reachEveryWorker(context, '/', workers, 300, WORKERS_WITHIN_MS, WORKERS, 12, afterHandOver);
					const repro = context.curl('/');
					const strangers = [...byPid.keys()].filter(pid => !workers.includes(pid));
					if (byPid.size === 0 && failed.length > 0) {
						context.fail({
							message: `GET / got no answer from any worker (${failed.length} tries)`,
							expected: 'status 200 from a worker, over a connection the primary handed to it',
							actual: [...new Set(failed.map(answer => answer.error ?? `status ${answer.status}`))].join(', '),
							hint: "rr: the primary's net.Server (pauseOnConnect) sends each socket to a worker with worker.process.send({cmd, act: 'newconn', key}, socket); the worker's preload gives it to the app's server: server.emit('connection', socket).",
							repro,
						});
					}
					if (strangers.length > 0) {
						context.fail({
							message: `GET / was answered by ${strangers.map(pid => who(context, pid)).join(', ')}, which is not one of your workers`,
							expected: `answers from the workers ${list(workers)} only`,
							actual: `x-worker-pid: ${list(strangers)}`,
							hint: 'The app runs only in the workers; the primary accepts and hands out connections, it never serves them.',
							repro,
						});
					}
					for (const [pid, answer] of byPid) {
						const body = parseJson(answer.body) as {listened?: unknown; address?: {port?: unknown} | null} | undefined;
						if (body?.listened !== true) {
							return context.fail({
								message: `In worker ${pid} the app's listen() callback never ran: the server never emitted 'listening'`,
								expected: "listen(PORT, HOST, callback): the callback runs once the primary has confirmed (the app reports \"listened\":true)",
								actual: `GET / answered ${answer.body.trim().slice(0, 200)}`,
								hint: "The callback of listen() is a 'listening' listener (server.once('listening', cb)). In rr mode nothing listens in the worker, so emit 'listening' yourself when the primary's reply arrives; in shared mode the real listen() on the handle does it.",
								repro,
							});
						}
						if (body.address?.port !== context.port) {
							context.fail({
								message: `In worker ${pid}, server.address() says ${JSON.stringify(body.address)}, not port ${context.port}`,
								expected: `server.address().port === ${context.port}: where the primary's socket really listens`,
								actual: `GET / answered ${answer.body.trim().slice(0, 200)}`,
								hint: "rr: the worker's server has no socket of its own, so address() returns null. Answer it from the primary's reply: server.address = () => reply.sockname (core plants a fake handle whose getsockname() does the same).",
								repro,
							});
						}
					}
					context.note(`answered by ${byPid.size} of ${WORKERS} workers (${list(byPid.keys())}): listen() called back, address() says port ${context.port}`);
				},
			},
			{
				id: 'rr-turns',
				title: `rr mode: ${RR_CONNECTIONS} fresh connections go round, each worker within ±1`,
				timeoutMs: 60_000,
				async run(context) {
					const workers = context.memo.get('workers') as number[];
					const file = context.env.NCL_TRACE_FILE!;
					// Until every worker has had a connection: a worker counts once its listen() has reached
					// the primary, which may take a few seconds after start.
					const warmUp = await reachEveryWorker(context, '/', workers, 300, WORKERS_WITHIN_MS);
					const lost = (failed: HttpResult[], total: number) => {
						const hung = failed.filter(answer => answer.error?.startsWith('no answer')).length;
						context.fail({
							message:
								hung > 0
									? `${hung} of ${total} requests, each on a new connection, got no answer: the primary read their bytes before the hand-over (no pauseOnConnect?)`
									: `${failed.length} of ${total} requests failed`,
							expected: 'status 200 for every connection',
							actual: [...new Set(failed.map(answer => answer.error ?? `status ${answer.status}`))].map(reason => `${failed.filter(answer => (answer.error ?? `status ${answer.status}`) === reason).length} × ${reason}`).join(', '),
							hint:
								hung > 0
									? "Create the rr server with net.createServer({ pauseOnConnect: true }, ...). Without it Node starts reading each accepted socket at once; bytes read before the worker has the socket are lost, and the worker waits for a request that never comes."
									: "The primary's send() callback destroys the socket when the hand-over fails: is the worker still there?",
							repro: context.curl('/'),
						});
					};
					if (warmUp.failed.length > 0) lost(warmUp.failed, warmUp.sent);
					// The deterministic form of the same trap: requests already waiting when the primary
					// accepts (written while it and every worker were paused), which a primary that reads
					// on accept takes before a paused worker can.
					context.waitingFor(`${FROZEN_REQUESTS} requests written while your primary is paused (SIGSTOP)`);
					const frozen = await writtenWhileFrozen({acceptor: context.primaryPid, host: context.host, port: context.port, count: FROZEN_REQUESTS, timeoutMs: REQUEST_MS});
					if (frozen.readByAcceptor > 0) {
						context.fail({
							message: `${frozen.readByAcceptor} of ${FROZEN_REQUESTS} requests, each on a new connection, got no answer: the primary read their bytes before the hand-over (no pauseOnConnect?)`,
							expected: 'the primary hands each accepted socket over unread; the worker reads the request',
							actual: `with every worker paused (SIGSTOP), your primary ${context.primaryPid} accepted the connections and emptied ${frozen.readByAcceptor} of their receive queues (/proc/net/tcp rx_queue 0) itself: those bytes can never reach a worker`,
							hint: "Create the rr server with net.createServer({ pauseOnConnect: true }, ...). Without it Node starts reading each accepted socket at once; bytes read before the worker has the socket are lost, and the worker waits for a request that never comes.",
							repro: context.curl('/'),
						});
					}
					const frozenFailed = frozen.results.filter(result => result.status !== 200);
					if (frozenFailed.length > 0) lost(frozenFailed.map(result => ({status: result.status, body: '', error: result.error})), frozen.results.length);
					const missing = workers.filter(pid => !warmUp.byPid.has(pid));
					if (missing.length > 0) {
						context.fail({
							message: `Over ${warmUp.sent} connections sent one at a time, worker${missing.length > 1 ? 's' : ''} ${list(missing)} never got one: not round-robin`,
							expected: `each of ${list(workers)} in turn`,
							actual: `answered by ${list(warmUp.byPid.keys())}`,
							hint: "Every worker's queryServer adds it to the handle's workers, and distribute() takes them in turn: workers[next++ % workers.length]. A free list used as a stack (the worker that just took a connection goes back on top) gives a client that connects one at a time the same worker every time.",
							repro: `for i in $(seq 9); do curl -s -o /dev/null -D - 'http://${context.host}:${context.port}/' | grep -i x-worker-pid; done`,
						});
					}
					const from = Date.now();
					const answers: Answer[] = [];
					// One at a time: the order the primary accepts is the order we send.
					// It stops at the third failure: a hung request costs REQUEST_MS.
					for (let index = 0; index < RR_CONNECTIONS && !context.signal.aborted && answers.filter(answer => answer.status !== 200).length < 3; index++) {
						context.waitingFor(`connection ${index + 1} of ${RR_CONNECTIONS}, one at a time`);
						answers.push(await context.http.get('/', {fresh: true, timeoutMs: REQUEST_MS}));
					}
					const failed = answers.filter(answer => answer.status !== 200);
					if (failed.length > 0) lost(failed.map(answer => ({status: answer.status, body: answer.body, error: answer.error})), answers.length);
					const tally = countByPid(answers);
					const fair = RR_CONNECTIONS / WORKERS;
					const off = workers.filter(pid => Math.abs((tally.get(pid) ?? 0) - fair) > 1);
					if (off.length > 0) {
						const idle = workers.filter(pid => !tally.has(pid));
						context.fail({
							message: `${RR_CONNECTIONS} connections sent one at a time were split ${workers.map(pid => tally.get(pid) ?? 0).join(' / ')} over your ${WORKERS} workers${idle.length > 0 ? ` (${idle.length} got none)` : ''}: not round-robin`,
							expected: `${fair} each (±1): connection n to worker n mod ${WORKERS}`,
							actual: `connections per worker: ${perPid(workers, tally)}`,
							hint: "Keep the workers of a handle in an array and a counter: workers[next++ % workers.length]. A free list used as a stack (push the worker that just finished, pop the next) hands a sequential client's every connection to the same worker.",
							repro: `for i in $(seq 9); do curl -s -o /dev/null -D - 'http://${context.host}:${context.port}/' | grep -i x-worker-pid; done`,
						});
					}
					// Who held the server side of a connection: the worker named, and no one else. The primary
					// closes its copy when the worker's ACK arrives, which on a busy machine may be a little
					// after the answer: give it a second before calling it a second owner.
					for (let index = 0; index < 5; index++) {
						context.waitingFor(`connection ${index + 1} of 5 looked up in /proc while still open`);
						const probe = await probeOwner({
							host: context.host,
							port: context.port,
							path: '/',
							pids: [context.primaryPid, ...workers],
							timeoutMs: REQUEST_MS,
							settle: {accept: owners => !owners.includes(context.primaryPid), withinMs: 1000},
						});
						if (probe.status !== 200 || probe.owners.length === 0) continue;
						if (probe.owners.length !== 1 || probe.owners[0] !== probe.pid) {
							context.fail({
								message: `x-worker-pid said ${probe.pid}, but the connection was held by ${probe.owners.map(pid => who(context, pid)).join(' and ')}`,
								expected: 'the server side of each connection in exactly one process: the worker that answered (after the hand-over the primary closes its copy)',
								actual: `owners of the connection from client port ${probe.clientPort}, 1 s after the answer: ${list(probe.owners)}`,
								hint: "Send the socket without keepOpen: Node closes the primary's copy once the worker has acknowledged it.",
								repro: `ss -tnp 'sport = :${context.port}'`,
							});
						}
					}
					// The trace shows the hand-overs themselves: one message with a TCP handle per connection.
					const handed = new Map<number, number>();
					for (const event of readTrace(file)) {
						if (!isMessage(event) || event.dir !== 'out' || event.pid !== context.primaryPid || event.handle === null || event.t < from) continue;
						if (unwrap(event.msg).envelope === null || event.peer === null) continue;
						handed.set(event.peer, (handed.get(event.peer) ?? 0) + 1);
					}
					rmSync(file, {force: true});
					context.note(`connections per worker: ${perPid(workers, tally)}; the IPC trace shows sockets handed over: ${perPid(workers, handed)}`);
				},
			},
		]),
		{
			id: 'shared',
			title: `shared mode, WORKERS=${SHARED_WORKERS}: every worker holds the one listening socket`,
			timeoutMs: 45_000,
			async run(context) {
				// The spy is left out from here on: its file is gone, and the checks are /proc and HTTP.
				const control = await pickFreePort(context.host);
				await context.restart({MINI_CLUSTER_MODE: 'shared', WORKERS: String(SHARED_WORKERS), CONTROL_PORT: String(control), NODE_OPTIONS: '', NCL_TRACE_FILE: ''});
				const workers = await settledWorkers(context);
				context.memo.set('workers', workers);
				const repro = `${runLine(context)} &  sleep 3; ss -ltnp 'sport = :${context.port}'`;
				const state = () => listenInodes(context.port).map(inode => ({inode, holders: holdersOf(inode, [context.primaryPid, ...workers])}));
				context.waitingFor(`one listening socket on port ${context.port} held by each of ${list(workers)}`);
				const settled = await pollUntil(() => {
					const sockets = state();
					return sockets.length === 1 && workers.every(pid => sockets[0]!.holders.includes(pid)) ? sockets : undefined;
				}, WORKERS_WITHIN_MS, context);
				if (!settled) {
					const sockets = state();
					const table = sockets.map(({inode, holders}) => `socket:[${inode}] held by ${holders.map(pid => who(context, pid)).join(', ') || 'no process of yours'}`).join('\n') || 'no listening socket on the port';
					const holding = workers.filter(pid => sockets.some(socket => socket.holders.includes(pid)));
					return context.fail({
						message:
							sockets.length > 1
								? `In shared mode there are ${sockets.length} listening sockets on port ${context.port}: the workers bound their own instead of sharing the primary's`
								: holding.length === 0
									? `In shared mode the listening socket on port ${context.port} is held by ${sockets[0]?.holders.includes(context.primaryPid) ? 'the primary only' : 'none of your processes'}: the workers never got it (MINI_CLUSTER_MODE=shared ignored?)`
									: `In shared mode only ${holding.length} of ${workers.length} workers hold the listening socket`,
						expected: `one socket, held by every worker (${list(workers)}); the primary may keep its copy`,
						actual: table,
						hint: "shared: the primary creates the socket once per key, bound but not listening (net._createServerHandle(host, port, 4)), and sends it with each reply: worker.process.send(reply, handle). The worker calls the original listen() on that handle.",
						repro,
					});
				}
				// The primary must not accept on it: a listening primary with no one to serve makes requests hang.
				const answers = await context.http.burst({count: 30, concurrency: 3, path: () => '/', fresh: true, timeoutMs: REQUEST_MS, deadlineMs: 30_000});
				const failed = answers.filter(answer => answer.status !== 200);
				if (failed.length > 0) {
					context.fail({
						message: `In shared mode ${failed.length} of ${answers.length} requests failed: ${describeFailures(failed)}`,
						expected: 'every request answered by a worker',
						actual: `answered: ${answers.length - failed.length}; the listening socket socket:[${settled[0]!.inode}] is held by ${settled[0]!.holders.map(pid => who(context, pid)).join(', ')}`,
						hint: "If the primary calls listen() on the socket it shares, it accepts connections too, and nothing serves them. Send a handle that is bound but not listening, and let only the workers listen on it.",
						repro: context.curl('/'),
					});
				}
				// listen() must complete in this mode too: its callback ran, and address() tells the port.
				const unfinished = answers.filter(answer => {
					const body = jsonBody(answer) as {listened?: unknown; address?: {port?: unknown} | null} | undefined;
					return body?.listened !== true || body.address?.port !== context.port;
				});
				if (unfinished.length > 0) {
					const sample = unfinished[0]!;
					context.fail({
						message: `In shared mode ${unfinished.length} of ${answers.length} answers say the app's listen() never completed: its callback never ran, or address() does not give port ${context.port}`,
						expected: `"listened": true and "address": {"port": ${context.port}, …} from every worker, as in rr mode`,
						actual: `worker ${sample.pid ?? '?'} answered ${sample.body.trim().slice(0, 200)}`,
						hint: "Register listen()'s callback as a 'listening' listener before you ask the primary, for both modes: in shared mode the original listen() on the handle then emits 'listening' itself.",
						repro: `MINI_CLUSTER_MODE=shared ...; ${context.curl('/')}`,
					});
				}
				const strangers = answers.filter(answer => answer.pid !== undefined && !workers.includes(answer.pid));
				if (strangers.length > 0) {
					context.fail({
						message: `In shared mode some answers came from ${list(new Set(strangers.map(answer => answer.pid!)))}, not from a worker`,
						expected: `answers from ${list(workers)}`,
						actual: `x-worker-pid: ${list(new Set(answers.map(answer => answer.pid ?? 0)))}`,
						repro: context.curl('/'),
					});
				}
				const tally = countByPid(answers);
				context.note(`socket:[${settled[0]!.inode}] held by ${settled[0]!.holders.length} processes; the kernel spread 30 connections ${perPid(workers, tally)}`);
			},
		},
		workerExitStep('shared-worker-exit', 'shared'),
		{
			id: 'listen-error',
			title: "A taken port reaches the app as an 'error' event (shared, then rr)",
			timeoutMs: 50_000,
			async run(context) {
				const held = await holdPort(context.host);
				try {
					for (const mode of ['shared', 'rr'] as const) {
						context.waitingFor(`your program to start with MINI_CLUSTER_MODE=${mode} SECOND_PORT=${held.port} (a port the checker holds)`);
						const control = await pickFreePort(context.host);
						try {
							await context.restart({MINI_CLUSTER_MODE: mode, SECOND_PORT: String(held.port), CONTROL_PORT: String(control), NODE_OPTIONS: '', NCL_TRACE_FILE: ''});
						} catch (error) {
							// Workers crashed by the failed listen on SECOND_PORT may die before the app's own port
							// ever listens: then the restart fails, and the crash is the mistake to name.
							if (error instanceof CheckFailure) await failIfListenErrorKilled(context, held.port, mode, new Set());
							throw error;
						}
						await checkListenError(context, held.port, mode);
					}
				} finally {
					await held.release();
				}
				context.memo.set('workers', workersOf(context));
				context.note(`shared and rr: every worker's app got EADDRINUSE for port ${held.port} and kept running`);
			},
		},
		workerExitStep('worker-exit', 'rr'),
		{
			id: 'core-tests',
			title: "Node core's cluster tests, adapted, pass against mini-cluster.ts",
			timeoutMs: 40_000,
			async run(context) {
				context.waitingFor('the adapted core tests (a primary of the kit\'s, two workers, your mini-cluster.ts) to finish');
				const outcome = await runCoreSuite(labDir(context), context.host, context.signal);
				const failed = outcome.results.find(result => !result.ok);
				if (failed) {
					context.fail({
						message: `Adapted core test ${failed.name} (from ${failed.adapts}) failed`,
						expected: failed.expected,
						actual: failed.actual,
						hint:
							failed.name === 'fork-env'
								? "fork(env) starts the worker with {...process.env, ...env}: the primary's whole environment, env's keys on top."
								: failed.name === 'listen-zero'
									? "Every worker asking for port 0 on one host shares one key (host:0), so they share one socket; address() must report the port it really got."
									: failed.name === 'fresh-id'
										? 'Count ids up in the primary (id = ++nextId) and never reuse one: an id derived from the number of live workers repeats after an exit, and the new worker then takes the live one\'s place in cluster.workers.'
										: "The suite's primary and workers are the kit's; mini-cluster.ts (and your preload) is yours. Its output is below.",
						repro: `${outcome.output.slice(-6).join('\n')}`.trim() || undefined,
					});
				}
				if (outcome.results.length < 7) {
					context.fail({
						message: `The adapted core tests did not run to the end: the suite ${outcome.exit}`,
						expected: '7 results (is-primary, fork-env, worker-identity, messages, listen-zero, exit-code, fresh-id)',
						actual: `${outcome.results.length} results; last output:\n${outcome.output.join('\n') || '(none)'}`,
						hint: 'Importing mini-cluster.ts from a program other than main.ts must work too: no top-level code that assumes main.ts.',
					});
				}
				context.note(outcome.results.map(result => result.name).join(', '));
			},
		},
		sigtermStep({
			primaryHint: "main.ts stops on SIGTERM by killing its workers and exiting; a SIGTERM handler that does not end with process.exit() keeps the primary alive (its IPC channels hold the event loop open).",
			orphanHint: "Workers exit when their primary disconnects: process.on('disconnect', () => process.exit(0)) in worker-preload.ts.",
		}),
	],
};
