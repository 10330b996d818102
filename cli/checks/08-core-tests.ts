/**
Lab 08's external suite: a few of Node core's cluster tests, rewritten to run
against the learner's mini-cluster.ts instead of node:cluster. The checker
writes two small scripts (a primary and a worker) into a temporary folder,
starts the primary under a keeper like any lab program, and reads the results
from a JSON file the primary writes. The scripts are the kit's own; only
mini-cluster.ts (and the worker-preload.ts it loads) is the learner's.
*/
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {startLabProcess} from '../harness/lab-process.js';

/** One adapted test as the suite reports it. */
export type CoreTestResult = {
	name: string;
	/** The file in nodejs/node test/parallel it is adapted from. */
	adapts: string;
	ok: boolean;
	expected: string;
	actual: string;
};

export type SuiteOutcome = {results: CoreTestResult[]; output: string[]; exit?: string};

/** Each wait of the suite for a worker's answer; the whole suite gets SUITE_MS. */
const WAIT_MS = 8000;
const SUITE_MS = 30_000;

/**
The suite's primary. Plain ESM (loaded with the kit's tsx loader, so it can
import the learner's .ts). Every test records a result; the first wait that
times out ends the suite, since later tests need the same workers.
*/
const PRIMARY = String.raw`
import {writeFileSync} from 'node:fs';
import http from 'node:http';

const results = [];
const record = (name, adapts, ok, expected, actual) => results.push({name, adapts, ok: Boolean(ok), expected, actual: String(actual)});
const finish = () => {
	writeFileSync(process.env.NCL_RESULT_FILE, JSON.stringify(results));
	process.exit(0);
};
class Timeout extends Error {}

const {default: cluster} = await import(process.env.NCL_MINI_CLUSTER_URL);
record('is-primary', 'test-cluster-basic.js', cluster.isPrimary === true, 'cluster.isPrimary === true in the primary', 'cluster.isPrimary === ' + cluster.isPrimary);

// test-cluster-fork-env.js: fork(env) extends the primary's process.env; its keys win.
process.env.cluster_test_overwrite = 'old';
process.env.cluster_test_inherited = 'yes';
cluster.setupPrimary({exec: process.env.NCL_WORKER_FILE});

const inbox = new Map();
function listen(worker) {
	inbox.set(worker, []);
	worker.on('message', message => {
		const queue = inbox.get(worker);
		queue.push(message);
		queue.waiter?.();
	});
}
function next(worker, what, test) {
	return new Promise((resolve, reject) => {
		const queue = inbox.get(worker);
		const timer = setTimeout(() => reject(new Timeout('no ' + what + ' from worker ' + worker.id + ' within ${WAIT_MS} ms')), ${WAIT_MS});
		const look = () => {
			const index = queue.findIndex(message => message && typeof message === 'object' && test(message));
			if (index < 0) return;
			queue.waiter = undefined;
			clearTimeout(timer);
			resolve(queue.splice(index, 1)[0]);
		};
		queue.waiter = look;
		look();
	});
}
function exitOf(worker) {
	return new Promise(resolve => {
		const args = {};
		let seen = 0;
		const done = () => ++seen === 2 && resolve(args);
		cluster.on('exit', function onExit(who, code, signal) {
			if (who !== worker) return;
			cluster.off('exit', onExit);
			args.cluster = {code, signal};
			done();
		});
		worker.once('exit', (code, signal) => {
			args.worker = {code, signal};
			done();
		});
	});
}
// cluster.workers: a Map by id in the lab's API (an object by id in core's).
const known = worker => (cluster.workers instanceof Map ? cluster.workers.has(worker.id) : worker.id in cluster.workers);
function get(port) {
	return new Promise(resolve => {
		const request = http.get({host: '127.0.0.1', port, path: '/', agent: false, timeout: 3000}, response => {
			let body = '';
			response.on('data', chunk => (body += chunk));
			response.on('end', () => resolve({status: response.statusCode, body}));
		});
		request.on('timeout', () => request.destroy(new Error('no answer within 3000 ms')));
		request.on('error', error => resolve({status: 0, body: error.code ?? error.message}));
	});
}

let current = 'start';
try {
	current = 'fork-env';
	const one = cluster.fork({cluster_test_prop: 'custom', cluster_test_overwrite: 'new'});
	const two = cluster.fork();
	listen(one);
	listen(two);
	const helloOne = (await next(one, 'hello message', message => message.nclHello)).nclHello;
	const helloTwo = (await next(two, 'hello message', message => message.nclHello)).nclHello;
	const env = helloOne.env;
	record('fork-env', 'test-cluster-fork-env.js', env.prop === 'custom' && env.overwrite === 'new' && env.inherited === 'yes',
		"the worker of fork({cluster_test_prop: 'custom', cluster_test_overwrite: 'new'}) sees prop=custom, overwrite=new (not the primary's old) and inherited=yes (from the primary's process.env)",
		'prop=' + env.prop + ', overwrite=' + env.overwrite + ', inherited=' + env.inherited);

	current = 'worker-identity';
	record('worker-identity', 'test-cluster-basic.js',
		helloOne.isPrimary === false && helloTwo.isPrimary === false && one.id !== two.id && one.process.pid === helloOne.pid && two.process.pid === helloTwo.pid,
		'in a worker, isPrimary === false; two workers, two ids; worker.process.pid is the pid the worker reports',
		'isPrimary in the workers: ' + helloOne.isPrimary + ', ' + helloTwo.isPrimary + '; ids ' + one.id + ', ' + two.id + '; pids ' + one.process.pid + '/' + helloOne.pid + ', ' + two.process.pid + '/' + helloTwo.pid);

	current = 'messages';
	one.send({nclPing: 7});
	const pong = await next(one, 'answer to worker.send({nclPing: 7})', message => 'nclPong' in message);

	current = 'listen-zero';
	one.send({nclListenZero: true});
	two.send({nclListenZero: true});
	const portOne = (await next(one, 'listen(0) result', message => 'nclListened' in message)).nclListened;
	const portTwo = (await next(two, 'listen(0) result', message => 'nclListened' in message)).nclListened;
	// Judged after listen(0): that is when the mini cluster's own protocol (queryServer, reply) has travelled.
	const leaked = [...inbox.get(one), ...inbox.get(two)].filter(message => !(message && typeof message === 'object' && Object.keys(message).some(key => key.startsWith('ncl'))));
	record('messages', 'test-cluster-message.js', pong.nclPong === 7 && leaked.length === 0,
		"worker.send() reaches the worker's process.on('message'), its process.send() reaches worker.on('message'), and none of the mini cluster's own messages do (not even those of a listen())",
		'answer ' + JSON.stringify(pong) + (leaked.length > 0 ? '; worker.on(\'message\') also got ' + JSON.stringify(leaked.slice(0, 2)) : ''));
	const answer = typeof portOne === 'number' && portOne > 0 ? await get(portOne) : {status: 0, body: 'not tried'};
	record('listen-zero', 'test-cluster-server-restart-rr.js (listen(0))',
		typeof portOne === 'number' && portOne > 0 && portOne === portTwo && answer.status === 200 && [String(helloOne.pid), String(helloTwo.pid)].includes(answer.body),
		"two workers' listen(0, '127.0.0.1') both end up on one and the same port (server.address().port, not 0), and a request to it is served by one of them",
		'ports ' + JSON.stringify(portOne) + ' and ' + JSON.stringify(portTwo) + '; GET on it: ' + answer.status + ' ' + answer.body);

	current = 'exit-code';
	const exited = exitOf(one);
	one.send({nclExit: 42});
	const args = await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Timeout('no exit event within ${WAIT_MS} ms')), ${WAIT_MS}))]);
	record('exit-code', 'test-cluster-worker-exit.js',
		args.cluster.code === 42 && args.cluster.signal === null && args.worker.code === 42 && args.worker.signal === null && !known(one),
		"a worker that calls process.exit(42): cluster 'exit' (worker, 42, null), worker 'exit' (42, null), and it is gone from cluster.workers",
		"cluster 'exit' code " + args.cluster.code + ' signal ' + args.cluster.signal + "; worker 'exit' code " + args.worker.code + ' signal ' + args.worker.signal + '; still in cluster.workers: ' + known(one));

	// The node:cluster docs: each new worker gets its own id, never one used before (core counts up).
	current = 'fresh-id';
	const three = cluster.fork();
	listen(three);
	const helloThree = (await next(three, 'hello message', message => message.nclHello)).nclHello;
	const byId = id => (cluster.workers instanceof Map ? cluster.workers.get(id) : cluster.workers[id]);
	record('fresh-id', 'the node:cluster docs (worker.id)',
		new Set([one.id, two.id, three.id]).size === 3 && byId(two.id) === two && byId(three.id) === three && three.process.pid === helloThree.pid,
		'a worker forked after another has exited gets an id never used before (not ' + one.id + ', which exited, nor ' + two.id + ', still alive), and cluster.workers holds both live workers under their own ids',
		'ids: ' + one.id + ' (exited), ' + two.id + ' (alive), then ' + three.id + ' for the new worker; cluster.workers[' + two.id + '] is ' + (byId(two.id) === two ? 'the second worker' : byId(two.id) === three ? 'the new worker' : String(byId(two.id))));
	two.send({nclExit: 0});
	three.send({nclExit: 0});
} catch (error) {
	record(current, 'the suite', false, 'the test to run to its end', error instanceof Timeout ? error.message : 'it threw ' + (error && error.stack || error));
}
finish();
`;

const WORKER = String.raw`
import http from 'node:http';

const {default: cluster} = await import(process.env.NCL_MINI_CLUSTER_URL);
// Only the suite's own messages (keys ncl...): the mini cluster's protocol travels here too.
process.on('message', message => {
	if (!message || typeof message !== 'object') return;
	if ('nclPing' in message) process.send({nclPong: message.nclPing});
	if ('nclListenZero' in message) {
		const server = http.createServer((req, res) => res.end(String(process.pid)));
		server.on('error', error => process.send({nclListened: 'error ' + error.code}));
		server.listen(0, '127.0.0.1', () => process.send({nclListened: server.address()?.port ?? null}));
	}
	if ('nclExit' in message) process.exit(message.nclExit);
});
process.send({nclHello: {pid: process.pid, isPrimary: cluster.isPrimary, env: {prop: process.env.cluster_test_prop, overwrite: process.env.cluster_test_overwrite, inherited: process.env.cluster_test_inherited}}});
`;

/** Run the suite against the mini-cluster.ts in labDir (an absolute path). */
export async function runCoreSuite(labDir: string, host: string, signal: AbortSignal): Promise<SuiteOutcome> {
	const dir = mkdtempSync(path.join(tmpdir(), 'ncl-08-core-'));
	const primaryFile = path.join(dir, 'suite-primary.mjs');
	const workerFile = path.join(dir, 'suite-worker.mjs');
	const resultFile = path.join(dir, 'results.json');
	writeFileSync(primaryFile, PRIMARY);
	writeFileSync(workerFile, WORKER);
	const suite = startLabProcess({
		cwd: labDir,
		entry: primaryFile,
		env: {
			HOST: host,
			NCL_MINI_CLUSTER_URL: pathToFileURL(path.join(labDir, 'mini-cluster.ts')).href,
			NCL_WORKER_FILE: workerFile,
			NCL_RESULT_FILE: resultFile,
		},
	});
	try {
		let timer: NodeJS.Timeout | undefined;
		const onAbort = () => void suite.stop();
		signal.addEventListener('abort', onAbort, {once: true});
		const info = await Promise.race([suite.exited, new Promise<undefined>(resolve => {
			timer = setTimeout(() => resolve(undefined), SUITE_MS);
		})]);
		clearTimeout(timer);
		signal.removeEventListener('abort', onAbort);
		let results: CoreTestResult[] = [];
		try {
			results = JSON.parse(readFileSync(resultFile, 'utf8')) as CoreTestResult[];
		} catch {
			// No results: the suite died (an exception importing mini-cluster.ts) or hung.
		}
		const exit = info === undefined ? `still running after ${SUITE_MS / 1000} s` : info.signal ? `killed by ${info.signal}` : `exited with code ${info.code}`;
		return {results, output: suite.output(12), exit};
	} finally {
		await suite.stop();
		rmSync(dir, {recursive: true, force: true});
	}
}
