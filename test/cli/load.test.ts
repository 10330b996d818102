/**
The load command: argument checks, the report, the bounds, and one run through
the bundled CLI against a server started here.
*/
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {UsageError} from '../../cli/command.js';
import {formatLoadReport, MAX_REQUESTS, parseLoadArgs, runLoad, type LoadReport} from '../../cli/commands/load.js';
import {buildCli, removeTempDirs, runCli, survivors, tempDir} from './helpers.js';

/**
A server in this process that says it is one of two "workers" by the parity of
its connection counter, and counts the connections it accepted.
*/
type TestServer = {url: string; connections: () => number; close: () => Promise<void>};
const servers: TestServer[] = [];

async function startServer(delayMs = 0): Promise<TestServer> {
	let connections = 0;
	const server = http.createServer((request, response) => {
		const id = (request.socket as {connectionId?: number}).connectionId ?? 0;
		response.setHeader('x-worker-pid', String(id % 2 === 0 ? 1_000_001 : 1_000_002));
		setTimeout(() => response.end('ok\n'), delayMs);
	});
	server.on('connection', socket => {
		(socket as {connectionId?: number}).connectionId = connections++;
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	const handle: TestServer = {
		url: `http://127.0.0.1:${port}/`,
		connections: () => connections,
		close: () =>
			new Promise(resolve => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
	servers.push(handle);
	return handle;
}

afterEach(async () => {
	await Promise.all(servers.splice(0).map(server => server.close()));
});

describe('parseLoadArgs', () => {
	it('has defaults: 2000 requests, 8 connections, a new connection per request, 60 s bound', () => {
		const options = parseLoadArgs({}, ['http://127.0.0.1:3000/']);
		expect(options).toMatchObject({requests: 2000, connections: 8, keepAlive: false, pipelining: 1, seconds: 60, countBound: true, json: false});
		expect(options.url.href).toBe('http://127.0.0.1:3000/');
	});

	it('reads --requests, --connections, --keep-alive, --pipelining and --json', () => {
		const options = parseLoadArgs({requests: '500', connections: '2', 'keep-alive': true, pipelining: '4', json: true}, ['http://localhost:3000/x?y=1']);
		expect(options).toMatchObject({requests: 500, connections: 2, keepAlive: true, pipelining: 4, json: true});
	});

	it('with --duration alone is bounded by time (and the largest count)', () => {
		expect(parseLoadArgs({duration: '5'}, ['http://127.0.0.1:3000/'])).toMatchObject({seconds: 5, requests: MAX_REQUESTS, countBound: false});
		expect(parseLoadArgs({duration: '5', requests: '10'}, ['http://127.0.0.1:3000/'])).toMatchObject({seconds: 5, requests: 10, countBound: true});
	});

	it.each([
		[{}, [], /name the URL/],
		[{}, ['http://127.0.0.1:1/', 'http://127.0.0.1:2/'], /one URL only/],
		[{}, ['127.0.0.1:3000'], /only http:\/\/ URLs|not a URL/],
		[{}, ['not a url'], /not a URL/],
		[{}, ['https://127.0.0.1:3000/'], /only http:\/\//],
		[{}, ['http://example.com/'], /only targets this machine/],
		[{}, ['http://10.0.0.1:3000/'], /only targets this machine/],
		[{requests: '0'}, ['http://127.0.0.1:3000/'], /between 1 and 1000000/],
		[{requests: String(MAX_REQUESTS + 1)}, ['http://127.0.0.1:3000/'], /between 1 and 1000000/],
		[{requests: '1e3'}, ['http://127.0.0.1:3000/'], /whole number/],
		[{connections: '257'}, ['http://127.0.0.1:3000/'], /between 1 and 256/],
		[{connections: '-1'}, ['http://127.0.0.1:3000/'], /whole number/],
		[{duration: '61'}, ['http://127.0.0.1:3000/'], /--duration must be between 1 and 60/],
		[{pipelining: '4'}, ['http://127.0.0.1:3000/'], /--pipelining needs --keep-alive/],
		[{pipelining: '65', 'keep-alive': true}, ['http://127.0.0.1:3000/'], /between 1 and 64/],
	])('rejects %j %j', (values, positionals, message) => {
		expect(() => parseLoadArgs(values, positionals)).toThrow(UsageError);
		expect(() => parseLoadArgs(values, positionals)).toThrow(message);
	});

	it('accepts every loopback spelling', () => {
		for (const url of ['http://127.0.0.1:1/', 'http://127.1.2.3:1/', 'http://[::1]:1/', 'http://localhost:1/', 'http://[::ffff:127.0.0.1]:1/']) {
			expect(parseLoadArgs({}, [url]).url.protocol).toBe('http:');
		}
	});
});

describe('runLoad', () => {
	it('opens a new connection per request by default and counts answers per pid', async () => {
		const server = await startServer();
		const report = await runLoad(parseLoadArgs({requests: '60', connections: '4'}, [server.url]));
		expect(report.result.answered).toBe(60);
		expect(report.result.statuses).toEqual({200: 60});
		expect(server.connections()).toBe(60);
		expect(new Set(report.result.perPid.keys())).toEqual(new Set([1_000_001, 1_000_002]));
		expect(report.cutShort).toBe(false);
	});

	it('with --keep-alive reuses at most --connections connections', async () => {
		const server = await startServer();
		const report = await runLoad(parseLoadArgs({requests: '200', connections: '3', 'keep-alive': true}, [server.url]));
		expect(report.result.answered).toBe(200);
		expect(server.connections()).toBeGreaterThan(0);
		expect(server.connections()).toBeLessThanOrEqual(3);
	});

	it('stops starting requests once its time bound has passed', async () => {
		const server = await startServer(200);
		const started = Date.now();
		const report = await runLoad(parseLoadArgs({requests: '1000', connections: '2'}, [server.url]), 1);
		expect(Date.now() - started).toBeLessThan(3000);
		expect(report.cutShort).toBe(true);
		expect(report.result.answered).toBeLessThan(1000);
		expect(formatLoadReport(report).join('\n')).toMatch(/stopped after 1 s: \d+ requests were never sent/);
	});

	it('reports failures instead of throwing', async () => {
		const server = await startServer();
		await server.close();
		servers.length = 0;
		const report = await runLoad(parseLoadArgs({requests: '5', connections: '1'}, [server.url]));
		expect(report.result.answered).toBe(0);
		expect(formatLoadReport(report).join('\n')).toMatch(/5 × connection refused/);
	});
});

describe('formatLoadReport', () => {
	const report = (keepAlive: boolean): LoadReport => ({
		options: {url: new URL('http://127.0.0.1:3000/'), requests: 100, connections: 8, keepAlive, pipelining: 1, seconds: 60, countBound: true, json: false},
		result: {
			sent: 100,
			answered: 100,
			ok: 100,
			statuses: {200: 100},
			errors: 0,
			errorKinds: {},
			unanswered: 0,
			connectionsOpened: keepAlive ? 8 : 100,
			perPid: new Map([
				[4102, 24],
				[4101, 75],
			]),
			withoutPid: 1,
			latencyMs: {p50: 0.5, p90: 1.25, p99: 3, max: 7.5, mean: 0.7},
			wallMs: 500,
			generatorCpuMs: 250,
			cutShort: false,
			rps: 200,
		},
		pidCpuMs: new Map([[4101, 120]]),
		cutShort: false,
		maxSeconds: 60,
	});

	it('prints the rate, the latency, one row per pid with its share and a bar, busiest first', () => {
		const text = formatLoadReport(report(false)).join('\n');
		expect(text).toContain('100 done in 0.50 s: 200 requests/s, 100 ok, 0 failed');
		expect(text).toContain('latency p50 0.50 ms, p90 1.25 ms, p99 3.00 ms, max 7.50 ms');
		expect(text).toMatch(/^4101 +75 +75\.0% +█{30}$/m);
		expect(text).toMatch(/^4102 +24 +24\.0% +█{10}$/m);
		expect(text).toMatch(/^\(none\) +1 +1\.0% +answers without a numeric x-worker-pid$/m);
		expect(text.indexOf('4101')).toBeLessThan(text.indexOf('4102'));
		expect(text).toContain('this load generator 0.25 s; 4101 0.12 s');
		expect(text).toContain('a new connection per request');
		expect(text).not.toContain('the connection is the unit');
	});

	it('explains the keep-alive case', () => {
		const text = formatLoadReport(report(true)).join('\n');
		expect(text).toContain('keep-alive: at most 8 connections, reused');
		expect(text).toContain('the connection is the unit');
	});

	it('counts answers of 400 and more as failures', () => {
		const failing = report(false);
		failing.result.statuses = {200: 90, 503: 10};
		const text = formatLoadReport(failing).join('\n');
		expect(text).toContain('100 done in 0.50 s: 200 requests/s, 90 ok, 10 failed');
		expect(text).toContain('failures: 10 × status 503');
	});
});

describe('node-cluster-lab load (bundled CLI)', () => {
	beforeAll(() => {
		buildCli();
	}, 60_000);

	afterEach(() => {
		expect(survivors()).toEqual([]);
	});

	afterAll(() => {
		removeTempDirs();
	});

	it('prints the table and exits 0 when every request was answered', async () => {
		const server = await startServer();
		const result = await runCli(['load', server.url, '--requests', '40', '--connections', '2'], {cwd: tempDir()});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('40 done in');
		expect(result.stdout).toMatch(/^1000001 +\d+ +[\d.]+% +█+$/m);
		expect(result.stdout).toMatch(/^1000002 +\d+ +[\d.]+% +█+$/m);
		expect(server.connections()).toBe(40);
	});

	it('--json prints one document with the counts, latency and CPU', async () => {
		const server = await startServer();
		const result = await runCli(['load', server.url, '--requests', '300', '--connections', '4', '--keep-alive', '--pipelining', '2', '--json'], {cwd: tempDir()});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const report = JSON.parse(result.stdout) as Record<string, any>;
		expect(report).toMatchObject({requests: 300, sent: 300, errors: 0, mode: 'keep-alive', pipelining: 2, connections: 4, cutShort: false});
		expect(server.connections()).toBeLessThanOrEqual(4);
		expect(Object.values(report.perPid as Record<string, number>).reduce((sum, count) => sum + count, 0)).toBe(300);
		expect(report.requestsPerSecond).toBeGreaterThan(0);
		for (const key of ['p50', 'p90', 'p99', 'max']) expect(report.latencyMs[key]).toBeGreaterThan(0);
		expect(report.cpuMs.generator).toBeGreaterThanOrEqual(0);
	});

	it('--duration bounds a run by time and is not a failure', async () => {
		const server = await startServer(20);
		const started = Date.now();
		const result = await runCli(['load', server.url, '--duration', '1', '--connections', '2', '--keep-alive', '--json'], {cwd: tempDir()});
		expect(result.code).toBe(0);
		const report = JSON.parse(result.stdout) as {requests: number; sent: number; cutShort: boolean};
		expect(report.requests).toBe(report.sent);
		expect(report.requests).toBeGreaterThan(0);
		expect(report.requests).toBeLessThan(1000);
		expect(report.cutShort).toBe(false);
		expect(Date.now() - started).toBeLessThan(15_000);
	});

	it('exits 1 when requests fail', async () => {
		const server = await startServer();
		await server.close();
		servers.length = 0;
		const result = await runCli(['load', server.url, '-n', '3', '-c', '1'], {cwd: tempDir()});
		expect(result.code).toBe(1);
		expect(result.stdout).toContain('3 × connection refused');
	});

	it('exits 2 with the usage for a bad argument', async () => {
		const result = await runCli(['load', 'http://127.0.0.1:3000/', '--requests', '1000001'], {cwd: tempDir()});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--requests must be between 1 and 1000000');
		expect(result.stderr).toContain('usage: node-cluster-lab load <url>');
	});

	it('is listed in --help', async () => {
		const result = await runCli(['--help'], {cwd: tempDir()});
		expect(result.stdout).toMatch(/^  load\s+\S/m);
		const help = await runCli(['load', '--help'], {cwd: tempDir()});
		expect(help.stdout).toMatch(/^usage: node-cluster-lab load /);
		expect(help.stdout).toContain('--keep-alive');
	});
});
