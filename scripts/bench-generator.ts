// One load run in a process of its own, for `npm run bench`'s generator comparison:
//   tsx scripts/bench-generator.ts <kit|autocannon> <url> <connections> <seconds> <keep-alive|fresh>
// prints one JSON line: answers, errors, wall ms and this process's CPU ms during the run only
// (start-up and module loading excluded), so both generators are measured the same way.
import autocannon from 'autocannon';
import {isLoopback, runLoadGenerator} from '../cli/load/generator.js';

const [which, target, connectionsText, secondsText, mode] = process.argv.slice(2);
const url = new URL(target!);
if (!isLoopback(url.hostname)) throw new Error(`refusing to load ${url.hostname}: loopback only`);
const connections = Number(connectionsText);
const seconds = Number(secondsText);
const keepAlive = mode !== 'fresh';

/** autocannon has no connection-per-request mode; `Connection: close` makes the server end each one and it reconnects. */
async function runAutocannon(): Promise<{answers: number; errors: number}> {
	const result = await autocannon({url: url.href, connections, duration: seconds, pipelining: 1, timeout: 5, ...(keepAlive ? {} : {headers: {connection: 'close'}})});
	return {answers: result.requests.total, errors: result.errors + result.timeouts};
}

async function runKit(): Promise<{answers: number; errors: number}> {
	const result = await runLoadGenerator({url, connections, keepAlive, durationMs: seconds * 1000, maxRequests: 10_000_000});
	return {answers: result.answered, errors: result.errors};
}

const cpuBefore = process.cpuUsage();
const started = performance.now();
const {answers, errors} = which === 'autocannon' ? await runAutocannon() : await runKit();
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
console.log(JSON.stringify({which, keepAlive, answers, errors, wallMs, cpuMs: (cpu.user + cpu.system) / 1000}));
