import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import {LoadLoop} from '../harness/load-loop.js';
import type {LabProcess} from '../harness/lab-process.js';
import {errorLogTail, findNginx, nginxInstallLines, nginxMaster, nginxVersion, nginxWorkers, prepareNginxRun, reloadNginx, removeNginxRun, renderTemplate, startNginx, testNginxConfig, type NginxRun} from '../harness/nginx.js';
import {groupMembers, socketInodes} from '../harness/procfs.js';
import {waitForListening} from '../harness/readiness.js';
import {countByPid, type Answer} from '../harness/traffic.js';
import {newConnections, rowsTouching, upstreamConnections} from '../harness/upstream-connections.js';
import {describeFailures, list, pollUntil, sigtermStep} from './common.js';
import type {LabCheck, StepContext} from './step.js';

/** The three "machines" behind nginx, one backend process each, all on PORT. */
const BACKENDS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const;
const TEMPLATE = 'nginx.conf.template';
const STRATEGIES = ['round-robin', 'ip-hash', 'least-conn'] as const;
type Strategy = (typeof STRATEGIES)[number];
/** How long the backends may take to listen (tsx compiles each; seconds on a busy machine). */
const BACKENDS_READY_MS = 15_000;
/** A burst of this many requests may open at most MAX_UPSTREAM connections to the backends. */
const KEEPALIVE_REQUESTS = 120;
const KEEPALIVE_CONCURRENCY = 6;
const MAX_UPSTREAM = 40;
/** Failover: the dead backend's address stays a trap that counts nginx's attempts at least this long, */
const TRAP_MS = 1200;
/** and until enough requests went through nginx meanwhile to tell (TRAP_EVIDENCE), at most this long. */
const TRAP_MAX_MS = 10_000;
/** The Contract's fail_timeout. */
const FAIL_TIMEOUT_MS = 1000;
/**
Attempts on the trap a backend that is skipped may get in a window this long:
each load lane may have one attempt under way when nginx counts the failure,
and again at each probe after fail_timeout (12 in TRAP_MS).
*/
const trapAllowance = (windowMs: number) => LOAD_LANES * (1 + Math.ceil(windowMs / FAIL_TIMEOUT_MS));
/**
A backend never skipped gets a third of the requests (all of them under
ip_hash), so once this many times the allowance in requests has gone through,
it has had 1.5 times the allowance at least. The window is not a fixed time:
beside CPU hogs 35 requests once went through in 1200 ms, and max_fails=0
passed with 9 attempts.
*/
const TRAP_EVIDENCE = 4.5;
/**
Requests enough to judge the window: TRAP_EVIDENCE times the allowance, or
times the attempts seen when those are fewer. A backend never skipped gets a
third of the requests, so attempts that few (none, say) already show it was
skipped; only few attempts *and* few requests leave the verdict open. Beside
CPU hogs 71 requests went through in 10 s with no attempt at all, and the step
said "too busy" where nginx plainly skipped the backend.
*/
function requestsToJudge(allowance: number, attempts: number): number {
	return TRAP_EVIDENCE * Math.min(allowance, Math.max(1, attempts));
}
/** Once something answers at the dead backend's address again, nginx must use it within this long. */
const READMIT_MS = 6000;
/** The failover and reload loads: lanes of fresh connections, bounded in count and time. */
const LOAD_LANES = 4;
/** Per-request bound on the judged traffic: generous, so that a loaded machine is slow, not wrong. */
const REQUEST_MS = 10_000;
/** least-conn: how long the slow requests keep two backends busy, and how long quick ones may take to settle. */
const SLOW_TRIES = [1500, 5000, 10_000] as const;
/** Quick requests sent while the slow ones run, at most, and how many of the last ones must reach the idle backend. */
const QUICK_MAX = 10;
const JUDGED = 4;

type NginxState = {run: NginxRun; nginx: LabProcess; master: number};

function backendsOf(context: StepContext): Map<string, number> {
	return context.memo.get('backends') as Map<string, number>;
}

function nginxOf(context: StepContext): NginxState {
	return context.memo.get('nginx') as NginxState;
}

/** "127.0.0.3 (pid 4242)" for an x-worker-pid. */
function backendName(context: StepContext, pid: number | undefined): string {
	for (const [address, owner] of backendsOf(context)) if (owner === pid) return `${address} (pid ${pid})`;
	return pid === undefined ? 'no x-worker-pid' : `pid ${pid} (not one of your backends)`;
}

function byBackend(context: StepContext, answers: readonly Answer[]): string {
	const counts = countByPid(answers);
	return [...backendsOf(context)].map(([address, pid]) => `${address}: ${counts.get(pid) ?? 0}`).join(', ');
}

/** nginx's words with the run's file names replaced by the learner's. */
function inLearnerTerms(context: StepContext, run: NginxRun, text: string): string {
	return text.replaceAll(run.labConf, path.join(context.dir, TEMPLATE)).replaceAll(run.mainConf, "the checker's nginx.conf (which includes yours)");
}

function nginxLine(context: StepContext): string {
	const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(kind => `${kind}_temp_path /tmp/ncl-try/${kind};`).join(' ');
	return `mkdir -p /tmp/ncl-try && sed -e 's/\${HOST}/127.0.0.1/g; s/\${PORT}/${context.port}/g; s/\${STRATEGY}/round-robin/g' ${path.join(context.dir, TEMPLATE)} > /tmp/ncl-try/lab.conf && echo 'daemon off; pid /tmp/ncl-try/nginx.pid; error_log stderr; events {} http { access_log off; ${temps} include /tmp/ncl-try/lab.conf; }' > /tmp/ncl-try/nginx.conf && nginx -p /tmp/ncl-try/ -c /tmp/ncl-try/nginx.conf -t`;
}

/** Render the learner's template for one STRATEGY into the run folder. */
function writeLabConf(context: StepContext, run: NginxRun, strategy: Strategy): void {
	const template = path.join(context.labDir, TEMPLATE);
	if (!existsSync(template)) {
		context.fail({
			message: `${path.join(context.dir, TEMPLATE)} is missing`,
			expected: `your nginx configuration in ${TEMPLATE}, next to main.ts`,
			actual: 'no such file',
			hint: `In a workspace, restore the starter with: npx node-cluster-lab reset ${context.lab}`,
		});
	}
	writeFileSync(run.labConf, renderTemplate(readFileSync(template, 'utf8'), {HOST: context.host, PORT: String(context.port), STRATEGY: strategy}));
}

function requireValidConfig(context: StepContext, run: NginxRun, strategy: Strategy): void {
	const tested = testNginxConfig(run);
	if (tested.ok) return;
	context.fail({
		message: `nginx -t rejects ${TEMPLATE} (STRATEGY=${strategy}): ${inLearnerTerms(context, run, tested.output.split('\n').find(line => /\[(emerg|alert|crit)\]/.test(line)) ?? tested.output.split('\n')[0] ?? '')}`,
		expected: 'nginx -t: "syntax is ok" and "test is successful"',
		actual: inLearnerTerms(context, run, tested.output) || `nginx -t failed without a message`,
		hint: /host not found in upstream/.test(tested.output)
			? `proxy_pass http://\${STRATEGY}; becomes proxy_pass http://${strategy}; and nginx looks for an upstream of exactly that name, else for a host. Name the upstreams round-robin, ip-hash and least-conn, as the STRATEGY values.`
			: `nginx names the file and the line. Every directive ends with ";", every block is { … }, and ${TEMPLATE} is included inside http { }: it holds upstream and server blocks, not events or http.`,
		repro: nginxLine(context),
	});
}

/** Switch nginx to another STRATEGY the way an operator would: new config, nginx -t, reload (SIGHUP). */
async function switchStrategy(context: StepContext, strategy: Strategy): Promise<void> {
	const {run, master} = nginxOf(context);
	writeLabConf(context, run, strategy);
	requireValidConfig(context, run, strategy);
	context.waitingFor(`nginx to reload with STRATEGY=${strategy}`);
	if (await reloadNginx(master, 5000)) return;
	context.fail({
		message: `nginx did not take the configuration for STRATEGY=${strategy} on reload`,
		expected: 'a new worker process within 5 s of SIGHUP',
		actual: errorLogTail(run, 4).map(line => inLearnerTerms(context, run, line)).join('\n') || 'nothing in the error log',
		repro: 'nginx -s reload',
	});
}

/** GET with extra headers from a given client address; JSON body parsed. */
function getFrom(context: StepContext, pathAndQuery: string, localAddress: string, headers: Record<string, string> = {}): Promise<{status: number; json?: Record<string, unknown>; error?: string; pid?: number}> {
	return new Promise(resolve => {
		const request = http.get({host: context.host, port: context.port, path: pathAndQuery, localAddress, headers: {connection: 'close', ...headers}, agent: false, timeout: 5000}, response => {
			let body = '';
			response.setEncoding('utf8');
			response.on('data', chunk => (body += chunk));
			response.on('end', () => {
				let json: Record<string, unknown> | undefined;
				try {
					json = JSON.parse(body) as Record<string, unknown>;
				} catch {
					json = undefined;
				}
				const pid = Number(response.headers['x-worker-pid']);
				resolve({status: response.statusCode ?? 0, json, pid: Number.isInteger(pid) ? pid : undefined});
			});
		});
		request.on('timeout', () => request.destroy(new Error('no answer within 5000 ms')));
		request.on('error', error => resolve({status: 0, error: error.message}));
	});
}

/**
A request the backend holds for `ms` before answering: keeps one backend busy.
Resolves with the pid that answered once the answer is complete (nginx holds
back a small head until the body comes: postpone_output), so who was busy is
known only afterwards.
*/
function slowRequest(context: StepContext, ms: number): {done: Promise<number | undefined>; endedAt: () => number; cancel: () => void} {
	let request: http.ClientRequest | undefined;
	let ended = Number.POSITIVE_INFINITY;
	const done = new Promise<number | undefined>(resolve => {
		request = http.get({host: context.host, port: context.port, path: `/slow?ms=${ms}`, agent: false, timeout: ms + 3000}, response => {
			const pid = Number(response.headers['x-worker-pid']);
			response.resume();
			response.on('end', () => {
				ended = Date.now();
				resolve(Number.isInteger(pid) ? pid : undefined);
			});
			response.on('error', () => resolve(undefined));
		});
		request.on('timeout', () => request!.destroy());
		request.on('error', () => resolve(undefined));
	});
	return {done, endedAt: () => ended, cancel: () => request?.destroy()};
}

/**
Two slow requests, then quick ones: which backends the slow ones held, and the
quick answers that came while both still ran (nginx sends a slow answer's
head only with its body, so who was busy is known at the end).
*/
async function leastConnTrial(context: StepContext, slowMs: number): Promise<{busy: Array<number | undefined>; judged: Answer[]; sent: Answer[]}> {
	const slow = [slowRequest(context, slowMs), slowRequest(context, slowMs)];
	try {
		// Quick requests one after another while the slow ones run (at most QUICK_MAX of them).
		context.waitingFor('quick requests while two slow ones are under way');
		const sent: Answer[] = [];
		const running = () => slow.every(request => request.endedAt() === Number.POSITIVE_INFINITY);
		while (sent.length < QUICK_MAX && running()) sent.push(await context.http.get('/', {timeoutMs: REQUEST_MS}));
		const busy = await Promise.all(slow.map(request => request.done));
		// What counts: answers that came while both slow requests still ran.
		const judged = sent.filter(answer => answer.finishedAt < Math.min(...slow.map(request => request.endedAt())));
		return {busy, judged, sent};
	} finally {
		for (const request of slow) request.cancel();
	}
}

/** The keep-alive proof: a burst's new connections to the backends, from /proc/net/tcp. */
async function requireUpstreamKeepalive(context: StepContext, strategy: Strategy): Promise<string> {
	const addresses = [...BACKENDS];
	const before = upstreamConnections(addresses, context.port);
	context.waitingFor(`${KEEPALIVE_REQUESTS} requests through nginx (STRATEGY=${strategy})`);
	const answers = await context.http.burst({
		count: KEEPALIVE_REQUESTS,
		concurrency: KEEPALIVE_CONCURRENCY,
		path: () => '/',
		timeoutMs: REQUEST_MS,
	});
	const failed = answers.filter(answer => answer.status !== 200);
	if (failed.length > 0) {
		context.fail({
			message: `With STRATEGY=${strategy}, ${failed.length} of ${answers.length} requests through nginx failed`,
			expected: 'every request answered 200 by a backend',
			actual: describeFailures(failed),
			repro: context.curl('/'),
		});
	}
	const opened = newConnections(before, upstreamConnections(addresses, context.port));
	const perBackend = addresses.map(address => `${address}: ${opened.byBackend.get(address) ?? 0}`).join(', ');
	if (opened.total > MAX_UPSTREAM) {
		context.fail({
			message: `With STRATEGY=${strategy}, ${answers.length} requests through nginx opened ${opened.total} connections to the backends: no upstream keep-alive`,
			expected: `at most ${MAX_UPSTREAM} new upstream connections for ${answers.length} requests, ${KEEPALIVE_CONCURRENCY} at a time (nginx reuses idle ones)`,
			actual: `${opened.total} new connections to the backends (${perBackend}), counted in /proc/net/tcp`,
			hint: `In the upstream named ${strategy}: keepalive 8; (after ip_hash or least_conn, never before). In the location: proxy_http_version 1.1; (nginx speaks HTTP/1.0 to backends by default, and 1.0 closes after each answer) and proxy_set_header Connection ""; (otherwise nginx sends "Connection: close", or whatever the client sent).`,
			repro: `for i in $(seq 50); do curl -s -o /dev/null 'http://${context.host}:${context.port}/'; done; ss -tan | grep -cE '127\\.0\\.0\\.[234]:${context.port}'`,
		});
	}
	return `${answers.length} requests, ${opened.total} upstream connections (${perBackend})`;
}

/** Pids of the learner's tree holding a LISTEN socket, by "address:port". */
function treeListening(context: StepContext): Map<string, number[]> {
	const members = groupMembers(context.process.pgid).map(proc => proc.pid).filter(pid => pid !== context.process.pgid);
	const inodesOf = new Map(members.map(pid => [pid, socketInodes(pid)]));
	const found = new Map<string, number[]>();
	for (const row of rowsTouching(context.port)) {
		if (row.state !== 'LISTEN' || row.inode === 0 || row.localPort !== context.port) continue;
		const holders = members.filter(pid => inodesOf.get(pid)?.has(row.inode));
		if (holders.length === 0) continue;
		const key = `${row.localAddress.includes(':') ? `[${row.localAddress}]` : row.localAddress}:${row.localPort}`;
		found.set(key, [...new Set([...(found.get(key) ?? []), ...holders])]);
	}
	return found;
}

/** A listener of the checker's own on a dead backend's address: counts nginx's connections, answers nothing (reset). */
function trap(host: string, port: number): Promise<{attempts: () => number; close: () => Promise<void>}> {
	return new Promise((resolve, reject) => {
		let attempts = 0;
		const sockets = new Set<net.Socket>();
		const server = net.createServer(socket => {
			attempts++;
			sockets.add(socket);
			socket.on('error', () => {});
			socket.on('close', () => sockets.delete(socket));
			// Reset once the request is in (or soon): nginx sees an error and may try the next backend.
			const reset = () => {
				if (!socket.destroyed) socket.resetAndDestroy();
			};
			socket.once('data', reset);
			setTimeout(reset, 100).unref();
		});
		server.once('error', reject);
		server.listen(port, host, () =>
			resolve({
				attempts: () => attempts,
				close: () =>
					new Promise(done => {
						for (const socket of sockets) socket.destroy();
						server.close(() => done());
					}),
			}),
		);
	});
}

/** The checker's own stand-in for a backend that came back: answers 200 and counts. */
function standIn(host: string, port: number): Promise<{served: () => number; close: () => Promise<void>}> {
	return new Promise((resolve, reject) => {
		let served = 0;
		const server = http.createServer((request, response) => {
			served++;
			response.setHeader('x-stand-in', host);
			response.end('stand-in\n');
		});
		server.keepAliveTimeout = 65_000;
		server.once('error', reject);
		server.listen(port, host, () =>
			resolve({
				served: () => served,
				close: () =>
					new Promise(done => {
						server.closeAllConnections();
						server.close(() => done());
					}),
			}),
		);
	});
}

/** Bind `open` on an address just freed by a killed process, retrying briefly while the kernel lets go. */
async function bindWhenFree<T>(open: () => Promise<T>, maxMs: number): Promise<T> {
	const stopAt = Date.now() + maxMs;
	for (;;) {
		try {
			return await open();
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() >= stopAt) throw error;
			await new Promise(resolve => setTimeout(resolve, 10));
		}
	}
}

/**
Kill one backend under a steady load with STRATEGY=strategy (from `client`, when
given: one whose ip_hash picks the victim): no request may fail; a trap of the
checker's on the dead address counts nginx's attempts (it must skip the dead
backend); then a stand-in answers there and nginx must come back to it.
*/
async function requireFailover(context: StepContext, strategy: Strategy, victimAddress: string, client?: string): Promise<string> {
	await switchStrategy(context, strategy);
	const backends = backendsOf(context);
	// A backend of yours (SIGKILL), or the checker's stand-in that an earlier failover left there (closed).
	const standIns = (context.memo.get('stand-ins') as Map<string, {close: () => Promise<void>}> | undefined) ?? new Map<string, {close: () => Promise<void>}>();
	context.memo.set('stand-ins', standIns);
	const previous = standIns.get(victimAddress);
	const victim = backends.get(victimAddress)!;
	const who = previous ? `the checker's stand-in on ${victimAddress}` : `backend ${victimAddress} (pid ${victim})`;
	const load = new LoadLoop({client: context.http, lanes: LOAD_LANES, path: () => '/', timeoutMs: REQUEST_MS, maxMs: 30_000, maxRequests: 90_000, ...(client ? {localAddress: client} : {})});
	let trapped: Awaited<ReturnType<typeof trap>> | undefined;
	let back: Awaited<ReturnType<typeof standIn>> | undefined;
	context.atEnd(async () => {
		await trapped?.close();
		await back?.close();
	});
	let answers: Answer[];
	let attempts = 0;
	let readmittedMs: number | undefined;
	let trapDelayMs = 0;
	let windowMs = 0;
	let windowRequests = 0;
	try {
		context.waitingFor('30 answers before the kill');
		await load.waitForAnswers(30);
		if (previous) {
			standIns.delete(victimAddress);
			await previous.close();
		} else process.kill(victim, 'SIGKILL');
		const killedAt = Date.now();
		context.waitingFor(`the address ${victimAddress}:${context.port} to be free after the end of ${who}`);
		trapped = await bindWhenFree(() => trap(victimAddress, context.port), 3000);
		const trapAt = Date.now();
		trapDelayMs = trapAt - killedAt;
		// The window is the measurement (not a sleep in place of a handshake): at least TRAP_MS, and
		// as long as it takes for enough requests to go through for a backend never skipped to show.
		context.waitingFor(`requests through nginx while ${victimAddress}:${context.port} resets every connection`);
		const sentSince = () => load.answers.filter(answer => answer.startedAt >= trapAt).length;
		await pollEvery(50, () => {
			const ms = Date.now() - trapAt;
			return ms >= TRAP_MS && sentSince() >= requestsToJudge(trapAllowance(ms), trapped!.attempts()) ? true : undefined;
		}, TRAP_MAX_MS, context);
		windowMs = Date.now() - trapAt;
		attempts = trapped.attempts();
		windowRequests = sentSince();
		await trapped.close();
		trapped = undefined;
		back = await bindWhenFree(() => standIn(victimAddress, context.port), 3000);
		standIns.set(victimAddress, back);
		const backAt = Date.now();
		context.waitingFor(`nginx to send requests to ${victimAddress} again`);
		const readmitted = await pollUntil(() => (back!.served() > 0 ? true : undefined), READMIT_MS, context);
		if (readmitted) readmittedMs = Date.now() - backAt;
	} finally {
		answers = await load.stop();
	}
	const failed = answers.filter(answer => answer.status !== 200);
	if (failed.length > 0) {
		context.fail({
			message: `With STRATEGY=${strategy}, ${failed.length} of ${answers.length} requests failed after ${who} was killed`,
			expected: 'every request answered 200: nginx retries a failed GET on the next backend',
			actual: describeFailures(failed),
			hint: 'proxy_next_upstream error timeout; (the default) lets nginx retry a request that found a dead backend; proxy_next_upstream off; turns that off. nginx retries only requests that are safe to repeat (GET, HEAD, …).',
			repro: `while true; do curl -s -o /dev/null -w "%{http_code}\\n" 'http://${context.host}:${context.port}/'; done  # and kill -9 one backend`,
		});
	}
	const allowance = trapAllowance(windowMs);
	if (attempts > allowance) {
		context.fail({
			message: `With STRATEGY=${strategy}, nginx kept trying the dead backend ${victimAddress}: ${attempts} connections in ${windowMs} ms`,
			expected: `at most ${allowance}: after a failure, nginx leaves the backend alone for fail_timeout (1 s), then tries it again (each of the ${LOAD_LANES} clients may have one attempt under way at those moments)`,
			actual: `${attempts} connections reached ${victimAddress}:${context.port} (a listener of the checker's that answers with a reset) while ${LOAD_LANES} clients${client ? ` (from ${client}, whose ip_hash picks ${victimAddress})` : ''} sent ${windowRequests} requests`,
			hint: `max_fails=1 fail_timeout=1s on each server line of the upstream named ${strategy}. max_fails=0 turns the accounting off: every turn of the round robin then tries the dead backend first (each such request costs a failed connection and a retry).`,
			repro: 'grep -n "server 127" nginx.conf.template',
		});
	}
	if (windowRequests < requestsToJudge(allowance, attempts)) {
		context.fail({
			message: `The machine was too busy to judge whether nginx skips the dead backend: only ${windowRequests} requests went through nginx in ${windowMs} ms`,
			expected: `at least ${Math.ceil(requestsToJudge(allowance, attempts))} requests while ${victimAddress} resets every connection, so that a backend never skipped (a third of them) would show above the ${attempts} attempts seen`,
			actual: `${windowRequests} requests from ${LOAD_LANES} clients; ${attempts} attempts on the dead backend`,
			unjudged: true,
			hint: 'Nothing is known to be wrong; run the check again when the machine is quieter.',
			repro: context.runItYourself,
		});
	}
	if (readmittedMs === undefined) {
		context.fail({
			message: `With STRATEGY=${strategy}, nginx did not use ${victimAddress} again within ${READMIT_MS / 1000} s after it answered again`,
			expected: `requests reach ${victimAddress} again about fail_timeout (1 s) after its last failure`,
			actual: `nothing reached the checker's server on ${victimAddress}:${context.port} in ${READMIT_MS / 1000} s`,
			hint: `fail_timeout is both how long a failed backend is skipped and the window its failures are counted in. The default is 10 s: set fail_timeout=1s on each server line of the upstream named ${strategy}.`,
			repro: 'grep -n "server 127" nginx.conf.template',
		});
	}
	return `${answers.length} requests, none failed; ${attempts} attempts on the dead backend ${victimAddress} in ${windowMs} ms, while ${windowRequests} requests went through (from ${trapDelayMs} ms after the kill); used again ${readmittedMs} ms after it answered`;
}

/** Bounded polling at a given pace (a full process and socket scan is not free on a busy machine). */
async function pollEvery<T>(everyMs: number, probe: () => T | undefined, deadlineMs: number, context: StepContext): Promise<T | undefined> {
	const stopAt = Date.now() + deadlineMs;
	for (;;) {
		const value = probe();
		if (value !== undefined) return value;
		if (Date.now() >= stopAt || context.signal.aborted) return undefined;
		await new Promise(resolve => setTimeout(resolve, everyMs));
	}
}

/** One emulated client per /24: nginx's ip_hash keys on the first three octets of an IPv4 address. */
const HASH_CLIENTS = Array.from({length: 12}, (_, index) => `127.0.${index + 20}.1`);
const PER_CLIENT = 3;

export const nginxCheck: LabCheck = {
	lab: '10-nginx',
	env: defaults => ({...defaults}),
	variables: {STRATEGY: [...STRATEGIES]},
	steps: [
		{
			id: 'nginx-installed',
			title: 'nginx is installed',
			timeoutMs: 10_000,
			async run(context) {
				const binary = findNginx();
				const version = binary ? nginxVersion(binary) : undefined;
				if (!binary || !version) {
					context.fail({
						message: binary ? `${binary} does not run (nginx -v printed no version)` : 'nginx is not installed: this lab runs real nginx in front of your backends',
						expected: 'an nginx binary on PATH (or in /usr/sbin, /usr/local/sbin, /opt/homebrew/bin)',
						actual: binary ? `${binary} -v gave no "nginx version"` : 'no nginx found',
						hint: `Install it, then run the check again:\n${nginxInstallLines.join('\n')}`,
						repro: 'nginx -v',
					});
				}
				context.memo.set('nginx-binary', {binary, version});
				context.note(`${version!.text.replace(/^nginx version: /, '')} at ${binary}`);
			},
		},
		{
			id: 'backends',
			title: 'Three backend processes listen on 127.0.0.2, .3 and .4 at PORT, and nowhere else',
			timeoutMs: BACKENDS_READY_MS + 3000,
			async run(context) {
				const {port} = context;
				context.waitingFor(`your backends to listen on ${BACKENDS.map(address => `${address}:${port}`).join(', ')}`);
				let exited = false;
				void context.process.exited.then(() => (exited = true));
				let listening = new Map<string, number[]>();
				const wild = () => [...listening.keys()].filter(key => /^(0\.0\.0\.0|\[::\]):/.test(key));
				await pollEvery(100, () => {
					listening = treeListening(context);
					if (exited || wild().length > 0) return true;
					return BACKENDS.every(address => listening.has(`${address}:${port}`)) ? true : undefined;
				}, BACKENDS_READY_MS, context);
				const shown = [...listening].map(([key, pids]) => `${key} (pid ${pids.join(', ')})`).join(', ') || 'nothing';
				if (wild().length > 0) {
					context.fail({
						message: `A backend listens on ${wild().join(', ')}: every address of the machine, not its own`,
						expected: `each backend on its own address only: ${BACKENDS.map(address => `${address}:${port}`).join(', ')}`,
						actual: `your program listens on ${shown}`,
						hint: 'A backend behind nginx must not be reachable around it: listen(PORT, BACKEND_HOST), never listen(PORT) (which means every address, 0.0.0.0 or ::). On one machine it also takes the port from the other backends and from nginx.',
						repro: `ss -ltnp '( sport = :${port} )'`,
					});
				}
				const missing = BACKENDS.filter(address => !listening.has(`${address}:${port}`));
				if (missing.length > 0) {
					context.fail({
						message: exited ? `Your program exited before its backends listened (${missing.join(', ')} missing)` : `No backend listens on ${missing.map(address => `${address}:${port}`).join(', ')} after ${BACKENDS_READY_MS / 1000} s`,
						expected: `one backend process on each of ${BACKENDS.map(address => `${address}:${port}`).join(', ')}`,
						actual: `your program listens on ${shown}`,
						hint: 'main.ts forks backend.ts once per address with BACKEND_HOST set to it; each backend calls server.listen(PORT, BACKEND_HOST). PORT is nginx\'s port number too: every "machine" runs the app on the same port, each on its own address.',
						repro: context.runItYourself,
					});
				}
				const owners = new Map(BACKENDS.map(address => [address as string, listening.get(`${address}:${port}`)!]));
				const pids = [...owners.values()].flat();
				const shared = new Set(pids).size !== pids.length || pids.some(pid => pid === context.primaryPid) || [...owners.values()].some(holders => holders.length !== 1);
				if (shared) {
					context.fail({
						message: 'Your backends are not three separate processes: one process holds more than one backend address (or main.ts holds one itself)',
						expected: `three different processes, none of them main.ts (pid ${context.primaryPid}), each holding one address`,
						actual: [...owners].map(([address, holders]) => `${address}:${port} held by pid ${holders.join(', ')}`).join('\n'),
						hint: 'The backends stand for separate machines: one crashing must not take the others with it. Fork backend.ts once per address from main.ts.',
						repro: `ss -ltnp '( sport = :${port} )'`,
					});
				}
				const backends = new Map([...owners].map(([address, holders]) => [address, holders[0]!]));
				context.memo.set('backends', backends);
				context.note([...backends].map(([address, pid]) => `${address}: pid ${pid}`).join(', '));
			},
		},
		{
			id: 'config-valid',
			title: `${TEMPLATE} passes nginx -t`,
			timeoutMs: 20_000,
			async run(context) {
				const {binary, version} = context.memo.get('nginx-binary') as {binary: string; version: NonNullable<ReturnType<typeof nginxVersion>>};
				const run = prepareNginxRun(binary, version);
				context.atEnd(() => removeNginxRun(run));
				context.memo.set('nginx-run', run);
				writeLabConf(context, run, 'round-robin');
				requireValidConfig(context, run, 'round-robin');
			},
		},
		{
			id: 'nginx-listens',
			title: 'nginx starts with your configuration and listens on 127.0.0.1:PORT only',
			timeoutMs: 30_000,
			async run(context) {
				const run = context.memo.get('nginx-run') as NginxRun;
				const nginx = startNginx(run, context.labDir);
				context.atEnd(() => nginx.stop());
				context.waitingFor(`nginx to listen on ${context.host}:${context.port}`);
				const ready = await waitForListening(nginx, context.host, context.port, 20_000);
				const log = () => errorLogTail(run, 5).map(line => inLearnerTerms(context, run, line)).join('\n') || nginx.output(5).join('\n') || 'nothing in the error log';
				if (!ready.ready) {
					context.fail({
						message: ready.reason === 'exited' ? `nginx exited at start: ${log().split('\n').find(line => /\[emerg\]/.test(line))?.replace(/^.*\[emerg\] \d+#\d+: /, '') ?? 'see its error log below'}` : `nginx did not listen on ${context.host}:${context.port} within 20 s`,
						expected: `nginx listening on ${context.host}:${context.port}, from listen \${HOST}:\${PORT}; in your server block`,
						actual: log(),
						hint: 'listen ${HOST}:${PORT}; binds nginx to 127.0.0.1 only. A bare listen ${PORT}; means every address, which clashes with your backends on 127.0.0.2-4 (same port) and would expose the proxy to every network.',
						repro: nginxLine(context).replace(/ -t$/, ''),
					});
				}
				const master = await nginxMaster(nginx);
				if (master === undefined) throw new Error('nginx listens, but its master process was not found under the launcher');
				const pids = groupMembers(nginx.pgid).map(proc => proc.pid);
				const inodes = new Set(pids.flatMap(pid => [...socketInodes(pid)]));
				const elsewhere = rowsTouching(context.port).filter(row => row.state === 'LISTEN' && inodes.has(row.inode) && row.localAddress !== context.host);
				if (elsewhere.length > 0) {
					context.fail({
						message: `nginx also listens on ${elsewhere.map(row => `${row.localAddress}:${row.localPort}`).join(', ')}: only ${context.host}:${context.port} is allowed`,
						expected: `one listen, on ${context.host}:${context.port}`,
						actual: elsewhere.map(row => `${row.localAddress}:${row.localPort}`).join(', '),
						hint: 'Keep one server block with listen ${HOST}:${PORT};',
					});
				}
				context.memo.set('nginx', {run, nginx, master} satisfies NginxState);
				context.note(`nginx master ${master}, workers ${list(nginxWorkers(master))}`);
			},
		},
		{
			id: 'round-robin',
			title: 'STRATEGY=round-robin: 30 fresh connections spread 10 ± 1 per backend',
			timeoutMs: 45_000,
			async run(context) {
				const backends = backendsOf(context);
				context.waitingFor('30 requests through nginx');
				const answers = await context.http.burst({count: 30, concurrency: 3, path: () => '/', timeoutMs: REQUEST_MS});
				const failed = answers.filter(answer => answer.status !== 200);
				if (failed.length > 0) {
					context.fail({
						message: `${failed.length} of 30 requests through nginx failed`,
						expected: '30 answers 200 from your backends',
						actual: `${describeFailures(failed)}${failed.some(answer => answer.status === 502) ? '\n(502: nginx could not reach a backend: are the addresses and ports in your upstream the ones your backends listen on?)' : ''}`,
						hint: `proxy_pass http://\${STRATEGY}; sends requests to the upstream named after STRATEGY; its server lines are 127.0.0.2:\${PORT}, 127.0.0.3:\${PORT}, 127.0.0.4:\${PORT}.`,
						repro: context.curl('/'),
					});
				}
				const counts = countByPid(answers);
				const strangers = answers.filter(answer => ![...backends.values()].includes(answer.pid ?? -1));
				const uneven = [...backends].filter(([, pid]) => Math.abs((counts.get(pid) ?? 0) - 10) > 1);
				if (strangers.length > 0 || uneven.length > 0) {
					context.fail({
						message: strangers.length > 0 ? `${strangers.length} answers did not come from one of your three backends` : `With STRATEGY=round-robin, 30 requests did not spread 10 ± 1 over the three backends`,
						expected: '10 ± 1 answers from each backend',
						actual: `${byBackend(context, answers)}${strangers.length > 0 ? `\nothers: ${strangers.map(answer => answer.headers['x-worker-pid'] ?? 'no x-worker-pid').slice(0, 5).join(', ')}` : ''}`,
						hint: 'The upstream named round-robin lists all three backends, with no balancing directive (round robin is nginx\'s default) and the same weight.',
						repro: `for i in $(seq 30); do ${context.curl('/')} | grep -i x-worker-pid; done | sort | uniq -c`,
					});
				}
				context.note(byBackend(context, answers));
			},
		},
		{
			id: 'forwarded-headers',
			title: 'X-Real-IP and X-Forwarded-For reach the backend with the client\'s address',
			timeoutMs: 20_000,
			async run(context) {
				const client = '127.0.6.1';
				const earlier = '203.0.113.7';
				const answer = await getFrom(context, '/headers', client, {'x-forwarded-for': earlier});
				if (answer.status !== 200 || !answer.json) {
					context.fail({
						message: 'GET /headers through nginx did not answer 200 with JSON',
						expected: 'the JSON your backend writes for /headers (as in the starter)',
						actual: answer.error ?? `status ${answer.status}`,
						repro: `curl -s --interface ${client} 'http://${context.host}:${context.port}/headers'`,
					});
				}
				const realIp = answer.json!['x-real-ip'];
				const forwarded = answer.json!['x-forwarded-for'];
				const wantForwarded = `${earlier}, ${client}`;
				if (realIp !== client || forwarded !== wantForwarded) {
					context.fail({
						message: realIp !== client ? `The backend saw X-Real-IP: ${String(realIp)}, not the client's address ${client}` : `The backend saw X-Forwarded-For: ${String(forwarded)}: the client's own X-Forwarded-For and its address are not both there`,
						expected: `X-Real-IP: ${client}\nX-Forwarded-For: ${wantForwarded} (what the client sent, then the client's address)`,
						actual: `X-Real-IP: ${String(realIp)}\nX-Forwarded-For: ${String(forwarded)}`,
						hint: 'Behind nginx every connection comes from nginx, so the backend only knows the client from headers: proxy_set_header X-Real-IP $remote_addr; and proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; (which appends $remote_addr to what came in, rather than replacing it).',
						repro: `curl -s --interface ${client} -H 'X-Forwarded-For: ${earlier}' 'http://${context.host}:${context.port}/headers'`,
					});
				}
				context.note(`from ${client}: X-Real-IP ${String(realIp)}, X-Forwarded-For ${String(forwarded)}`);
			},
		},
		{
			id: 'upstream-keepalive',
			title: `STRATEGY=round-robin: ${KEEPALIVE_REQUESTS} requests open at most ${MAX_UPSTREAM} upstream connections (counted in /proc)`,
			timeoutMs: 60_000,
			async run(context) {
				context.note(await requireUpstreamKeepalive(context, 'round-robin'));
			},
		},
		{
			id: 'reload',
			title: 'nginx -t and nginx -s reload to STRATEGY=ip-hash under load: the configuration is accepted, no request fails',
			timeoutMs: 60_000,
			async run(context) {
				const client = '127.0.9.1';
				const load = new LoadLoop({client: context.http, lanes: LOAD_LANES, path: () => '/', localAddress: client, timeoutMs: REQUEST_MS, maxMs: 30_000, maxRequests: 90_000});
				try {
					context.waitingFor('20 answers before the reload');
					await load.waitForAnswers(20);
					await switchStrategy(context, 'ip-hash');
					const reloadedAt = Date.now();
					const seen = load.answers.length;
					context.waitingFor('40 answers after the reload');
					await load.waitForAnswers(seen + 40);
					const answers = await load.stop();
					const failed = answers.filter(answer => answer.status !== 200);
					if (failed.length > 0) {
						context.fail({
							message: `${failed.length} of ${answers.length} requests failed while nginx reloaded`,
							expected: 'every request answered 200: a reload lets the old workers finish and hands the listening socket to new ones',
							actual: describeFailures(failed),
							hint: 'Requests failing on reload are answered by backends that close connections nginx still uses, or refused because the new configuration broke something. Read nginx\'s error log.',
							repro: 'while true; do curl -s -o /dev/null -w "%{http_code}\\n" http://127.0.0.1:PORT/; done & nginx -s reload',
						});
					}
					const before = answers.filter(answer => answer.finishedAt < reloadedAt);
					const after = answers.filter(answer => answer.startedAt > reloadedAt);
					context.note(`${answers.length} requests from ${client}, none failed; before the reload: ${byBackend(context, before)}; after: ${byBackend(context, after)}`);
				} finally {
					await load.stop();
				}
			},
		},
		{
			id: 'ip-hash',
			title: 'STRATEGY=ip-hash: each client (one per /24) stays on one backend, clients spread, upstream keep-alive',
			timeoutMs: 90_000,
			async run(context) {
				// Already ip-hash since the reload step.
				context.waitingFor(`${PER_CLIENT} requests from each of ${HASH_CLIENTS.length} client addresses`);
				// One client after another: with all clients at once, a round robin could hand each
				// client the same backend every round (12 clients, 3 backends) and pass for sticky.
				const byClient: Array<{address: string; answers: Answer[]}> = [];
				for (const address of HASH_CLIENTS) {
					const answers: Answer[] = [];
					for (let index = 0; index < PER_CLIENT; index++) answers.push(await context.http.get('/', {localAddress: address, timeoutMs: REQUEST_MS}));
					byClient.push({address, answers});
				}
				const failed = byClient.flatMap(({answers}) => answers).filter(answer => answer.status !== 200);
				if (failed.length > 0) {
					context.fail({message: `With STRATEGY=ip-hash, ${failed.length} requests failed`, expected: 'every request answered 200', actual: describeFailures(failed), repro: context.curl('/')});
				}
				const unstable = byClient.filter(({answers}) => new Set(answers.map(answer => answer.pid)).size > 1);
				if (unstable.length > 0) {
					context.fail({
						message: `With STRATEGY=ip-hash, ${unstable.length} of ${HASH_CLIENTS.length} clients were sent to different backends from one connection to the next: not sticky`,
						expected: `the ${PER_CLIENT} connections of each client address on one backend`,
						actual: unstable
							.slice(0, 3)
							.map(({address, answers}) => `${address} -> ${answers.map(answer => backendName(context, answer.pid)).join(', ')}`)
							.join('\n'),
						hint: 'proxy_pass http://${STRATEGY}; so that STRATEGY=ip-hash uses the upstream named ip-hash, and ip_hash; in that upstream (before keepalive). ip_hash uses only the first three octets of an IPv4 address, so 127.0.0.5 and 127.0.0.6 land on the same backend: that is by design. Hashing anything that changes per connection ($remote_port, $request_id) is not sticky at all.',
						repro: `for i in 1 2 3; do curl -s -o /dev/null -D - --interface ${HASH_CLIENTS[0]} 'http://${context.host}:${context.port}/' | grep -i x-worker-pid; done`,
					});
				}
				context.memo.set('hash-clients', new Map(byClient.map(({address, answers}) => [address, answers[0]!.pid])));
				const spread = new Set(byClient.map(({answers}) => answers[0]!.pid));
				if (spread.size < 2) {
					context.fail({
						message: `With STRATEGY=ip-hash all ${HASH_CLIENTS.length} clients went to one backend`,
						expected: `clients from ${HASH_CLIENTS.length} different /24 networks spread over at least 2 backends`,
						actual: `every client on ${backendName(context, [...spread][0])}`,
						hint: 'The ip-hash upstream lists all three backends.',
					});
				}
				const keepalive = await requireUpstreamKeepalive(context, 'ip-hash');
				context.note(`${HASH_CLIENTS.length} clients on ${spread.size} backends, each sticky; ${keepalive}`);
			},
		},
		{
			id: 'least-conn',
			title: 'STRATEGY=least-conn: with two backends busy, new requests go to the idle one; upstream keep-alive',
			timeoutMs: 90_000,
			async run(context) {
				await switchStrategy(context, 'least-conn');
				const backends = backendsOf(context);
				// The first quick requests may reach nginx before the slow ones do, so the last
				// JUDGED of those answered while both ran decide. On a machine too busy to answer
				// that many in time, try again with longer slow requests.
				for (const slowMs of SLOW_TRIES) {
					const {busy, judged, sent} = await leastConnTrial(context, slowMs);
					if (judged.length < JUDGED && slowMs !== SLOW_TRIES.at(-1)) continue;
					const last = judged.slice(-JUDGED);
					const idle = [...backends.values()].filter(pid => !busy.includes(pid));
					const wrong = last.filter(answer => answer.status !== 200 || !idle.includes(answer.pid ?? -1));
					if (last.length < JUDGED || busy.some(pid => pid === undefined) || busy[0] === busy[1] || wrong.length > 0) {
						context.fail({
							message:
								last.length < JUDGED
									? `Only ${last.length} quick requests were answered while two slow requests (${slowMs} ms) ran: this machine is too busy to judge least_conn`
									: busy[0] === busy[1] && busy[0] !== undefined
										? 'With STRATEGY=least-conn, the second slow request went to the backend already busy with the first'
										: `With STRATEGY=least-conn, ${wrong.length} of the last ${last.length} quick requests went to a backend that was busy with a slow one`,
							expected: `two slow requests (${slowMs} ms) on two different backends, and meanwhile the quick requests on the third (${idle.map(pid => backendName(context, pid)).join(', ') || '?'})`,
							actual: `slow: ${busy.map(pid => backendName(context, pid)).join(', ')}\nquick, while both ran: ${judged.map(answer => (answer.status === 200 ? backendName(context, answer.pid) : answer.error ?? `status ${answer.status}`)).join(', ') || 'none'} (${sent.length} sent, ${sent.map(answer => answer.ms).join(', ')} ms)`,
							...(last.length < JUDGED ? {unjudged: true as const} : {}),
							hint: 'least_conn; in the upstream named least-conn (before keepalive): nginx then counts each backend\'s requests in progress and picks the one with the fewest. Without it, the default round robin sends every third request to each backend, busy or not.',
							repro: `curl -s 'http://${context.host}:${context.port}/slow?ms=5000' & curl -s 'http://${context.host}:${context.port}/slow?ms=5000' & sleep 0.5; for i in 1 2 3; do ${context.curl('/')} | grep -i x-worker-pid; done`,
						});
					}
					break;
				}
				context.note(await requireUpstreamKeepalive(context, 'least-conn'));
			},
		},
		{
			id: 'failover',
			title: 'A backend killed under load (STRATEGY=round-robin): no request fails, nginx skips it, then uses it again once it answers',
			timeoutMs: 60_000,
			async run(context) {
				context.note(await requireFailover(context, 'round-robin', '127.0.0.3'));
			},
		},
		{
			id: 'failover-ip-hash',
			title: 'The same with STRATEGY=ip-hash, from a client whose backend is killed',
			timeoutMs: 60_000,
			async run(context) {
				// A client the ip-hash step saw on a backend still alive (not 127.0.0.3, which the step before killed).
				const clients = (context.memo.get('hash-clients') as Map<string, number | undefined> | undefined) ?? new Map<string, number | undefined>();
				const backends = backendsOf(context);
				const alive = [...backends].filter(([address]) => address !== '127.0.0.3');
				const pick = [...clients].map(([address, pid]) => ({address, victim: alive.find(([, owner]) => owner === pid)?.[0]})).find(({victim}) => victim !== undefined);
				if (!pick) {
					context.fail({
						message: 'No client of the ip-hash step landed on 127.0.0.2 or 127.0.0.4: this step could not judge',
						expected: 'a client address whose ip_hash picks a backend still alive',
						actual: [...clients].map(([address, pid]) => `${address} -> ${backendName(context, pid)}`).join(', ') || 'no clients recorded',
					});
				}
				context.note(await requireFailover(context, 'ip-hash', pick!.victim!, pick!.address));
			},
		},
		{
			id: 'failover-least-conn',
			title: 'The same with STRATEGY=least-conn (the checker\'s stand-in on 127.0.0.3 dies this time: one backend of yours stays for the SIGTERM step)',
			timeoutMs: 60_000,
			async run(context) {
				context.note(await requireFailover(context, 'least-conn', '127.0.0.3'));
			},
		},
		sigtermStep({
			primaryHint: 'Handle SIGTERM in main.ts: kill the backends, exit when they have, and exit anyway after 2 s.',
			orphanHint: 'Backends must end with main.ts: kill them on SIGTERM, and make each exit on process.on("disconnect") in case main.ts dies first.',
		}),
	],
};
