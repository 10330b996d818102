/**
The raw-net load generator against servers in this process that count what they
served: exact counts, per-pid tallies, chunked and split answers, the bounds in
count and time, failures counted rather than thrown, and loopback only.
*/
import http from 'node:http';
import net, {type AddressInfo} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {isLoopback, NotLoopbackError, runLoadGenerator, serializeRequest} from '../../cli/load/generator.js';

type Closer = () => Promise<void>;
const closers: Closer[] = [];

afterEach(async () => {
	await Promise.all(closers.splice(0).map(close => close()));
});

/**
A node:http server that counts the requests it answered and the connections it
accepted, and says it is one of two "workers" by the parity of the connection.
*/
async function countingServer(handler?: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
	const counts = {requests: 0, connections: 0, perPid: {} as Record<string, number>};
	const server = http.createServer((request, response) => {
		counts.requests++;
		const id = (request.socket as {connectionId?: number}).connectionId ?? 0;
		const pid = String(id % 2 === 0 ? 1_000_001 : 1_000_002);
		counts.perPid[pid] = (counts.perPid[pid] ?? 0) + 1;
		response.setHeader('x-worker-pid', pid);
		if (handler) handler(request, response);
		else response.end('ok\n');
	});
	server.on('connection', socket => {
		(socket as {connectionId?: number}).connectionId = counts.connections++;
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	closers.push(
		() =>
			new Promise(resolve => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	);
	return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/path?q=1`, counts, server};
}

/** A raw TCP server that answers each request with `pieces`, written as separate packets (and then closes, if asked). */
async function rawServer(pieces: string[], closeAfter = false) {
	const counts = {requests: 0};
	const sockets = new Set<net.Socket>();
	const server = net.createServer(socket => {
		sockets.add(socket);
		socket.setNoDelay(true);
		let seen = '';
		socket.on('data', async chunk => {
			seen += chunk.toString('latin1');
			while (seen.includes('\r\n\r\n')) {
				seen = seen.slice(seen.indexOf('\r\n\r\n') + 4);
				counts.requests++;
				for (const piece of pieces) {
					if (socket.destroyed) return;
					socket.write(piece);
					// A pause between writes, so that the pieces reach the client as separate reads.
					await new Promise(resolve => setTimeout(resolve, 2));
				}
				if (closeAfter) socket.end();
			}
		});
		socket.on('error', () => {});
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	closers.push(
		() =>
			new Promise(resolve => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	);
	return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, counts};
}

const generous = 20_000;

describe('runLoadGenerator', () => {
	it('with keep-alive sends exactly maxRequests, all answered, over at most `connections` connections', async () => {
		const {url, counts} = await countingServer();
		const result = await runLoadGenerator({url, connections: 8, keepAlive: true, maxRequests: 1000, durationMs: generous});
		expect({sent: result.sent, answered: result.answered, ok: result.ok, errors: result.errors, cutShort: result.cutShort}).toEqual({sent: 1000, answered: 1000, ok: 1000, errors: 0, cutShort: false});
		expect(counts.requests).toBe(1000);
		expect(counts.connections).toBe(8);
		expect(result.connectionsOpened).toBe(8);
		expect(result.statuses).toEqual({200: 1000});
		expect(result.latencyMs.p50).toBeGreaterThan(0);
		expect(result.latencyMs.max).toBeGreaterThanOrEqual(result.latencyMs.p99);
	});

	it('tallies answers per x-worker-pid', async () => {
		const {url, counts} = await countingServer();
		const result = await runLoadGenerator({url, connections: 4, keepAlive: true, maxRequests: 400, durationMs: generous});
		// 4 connections, numbered 0..3: two per "worker"; what the server says it served from each.
		expect(Object.keys(counts.perPid)).toHaveLength(2);
		expect(Object.fromEntries([...result.perPid].map(([pid, count]) => [String(pid), count]))).toEqual(counts.perPid);
		expect(result.withoutPid).toBe(0);
	});

	it('opens a new connection per request without keep-alive', async () => {
		const {url, counts, server} = await countingServer();
		const closeHeaders: string[] = [];
		server.on('request', (request: http.IncomingMessage) => closeHeaders.push(String(request.headers.connection)));
		const result = await runLoadGenerator({url, connections: 4, keepAlive: false, maxRequests: 300, durationMs: generous});
		expect(result.answered).toBe(300);
		expect(result.errors).toBe(0);
		expect(counts.requests).toBe(300);
		expect(counts.connections).toBe(300);
		expect(result.connectionsOpened).toBe(300);
		expect(new Set(closeHeaders)).toEqual(new Set(['close']));
	});

	it('pipelines up to P requests per connection and still counts exactly', async () => {
		const {url, counts} = await countingServer();
		const result = await runLoadGenerator({url, connections: 3, keepAlive: true, pipelining: 4, maxRequests: 601, durationMs: generous});
		expect(result.answered).toBe(601);
		expect(result.errors).toBe(0);
		expect(counts.requests).toBe(601);
		expect(counts.connections).toBe(3);
	});

	it('reads chunked answers whose pieces arrive as separate packets', async () => {
		const {url, counts} = await rawServer(['HTTP/1.1 200 OK\r\nx-worker-', 'pid: 31\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab', 'cd\r\n', '3;x=y\r\nefg\r\n0\r\n', '\r\n']);
		const result = await runLoadGenerator({url, connections: 2, keepAlive: true, maxRequests: 20, durationMs: generous});
		expect({answered: result.answered, errors: result.errors}).toEqual({answered: 20, errors: 0});
		expect(counts.requests).toBe(20);
		expect(Object.fromEntries(result.perPid)).toEqual({31: 20});
	});

	it('reads Content-Length answers whose head and body arrive as separate packets', async () => {
		const {url, counts} = await rawServer(['HTTP/1.1 200 OK\r\nContent-Len', 'gth: 11\r\n\r', '\nhello', ' wor', 'ld']);
		const result = await runLoadGenerator({url, connections: 2, keepAlive: true, maxRequests: 20, durationMs: generous});
		expect({answered: result.answered, errors: result.errors, withoutPid: result.withoutPid}).toEqual({answered: 20, errors: 0, withoutPid: 20});
		expect(counts.requests).toBe(20);
	});

	it('reads an answer without length or chunking up to the close, and reconnects', async () => {
		const {url, counts} = await rawServer(['HTTP/1.1 200 OK\r\nx-worker-pid: 5\r\n\r\nbody ', 'until the close'], true);
		const result = await runLoadGenerator({url, connections: 2, keepAlive: true, maxRequests: 30, durationMs: generous});
		expect({answered: result.answered, errors: result.errors, connectionsOpened: result.connectionsOpened}).toEqual({answered: 30, errors: 0, connectionsOpened: 30});
		expect(counts.requests).toBe(30);
		expect(Object.fromEntries(result.perPid)).toEqual({5: 30});
	});

	it('reconnects when the server closes each keep-alive connection, losing no request', async () => {
		const {url, counts} = await countingServer((_request, response) => {
			response.setHeader('connection', 'close');
			response.end('bye');
		});
		const result = await runLoadGenerator({url, connections: 2, keepAlive: true, maxRequests: 50, durationMs: generous});
		expect({answered: result.answered, errors: result.errors}).toEqual({answered: 50, errors: 0});
		expect(counts.requests).toBe(50);
		expect(counts.connections).toBe(50);
	});

	it('stops sending at its time bound', async () => {
		const {url, counts} = await countingServer((_request, response) => {
			setTimeout(() => response.end('slow'), 50);
		});
		const started = Date.now();
		const result = await runLoadGenerator({url, connections: 2, keepAlive: true, maxRequests: 1_000_000, durationMs: 600});
		const elapsed = Date.now() - started;
		expect(result.cutShort).toBe(true);
		// About 2 × 600 / 50 answers; every request sent was answered.
		expect(result.answered).toBeGreaterThan(0);
		expect(result.answered).toBeLessThan(100);
		expect(result.answered).toBe(result.sent);
		expect(counts.requests).toBe(result.sent);
		expect(elapsed).toBeGreaterThanOrEqual(600);
		expect(elapsed, 'the in-flight answers take 50 ms; the run should end soon after its 600 ms bound').toBeLessThan(2500);
	});

	it('with stopGraceMs 0 drops what is in flight at the time bound instead of waiting for it', async () => {
		const {url} = await countingServer((_request, response) => {
			setTimeout(() => response.end('late'), 1500);
		});
		const started = Date.now();
		const result = await runLoadGenerator({url, connections: 2, keepAlive: true, maxRequests: 1000, durationMs: 100, stopGraceMs: 0});
		expect(Date.now() - started, 'the answers take 1500 ms; the run should not have waited for them').toBeLessThan(1500);
		expect({sent: result.sent, answered: result.answered, unanswered: result.unanswered, errors: result.errors}).toEqual({sent: 2, answered: 0, unanswered: 2, errors: 0});
	});

	it('counts answers that never come as errors and ends by its bounds', async () => {
		const {url} = await countingServer(() => {
			// never answers
		});
		const started = Date.now();
		const result = await runLoadGenerator({url, connections: 3, keepAlive: true, maxRequests: 1_000_000, durationMs: 300, timeoutMs: 400});
		expect(Date.now() - started).toBeLessThan(3000);
		expect(result.answered).toBe(0);
		expect(result.errors + result.unanswered).toBe(result.sent);
		expect(result.errorKinds).toEqual({'no answer within 400 ms': 3});
	});

	it('counts refused connections as errors instead of throwing', async () => {
		const {url, server} = await countingServer();
		const closed = new Promise(resolve => server.close(resolve));
		await closed;
		const result = await runLoadGenerator({url, connections: 2, keepAlive: false, maxRequests: 6, durationMs: generous});
		expect(result.sent).toBe(6);
		expect(result.errors).toBe(6);
		expect(result.errorKinds).toEqual({'connection refused (nothing listening)': 6});
	});

	it.each(['http://10.0.0.1:3000/', 'http://192.168.1.1/', 'http://example.com/', 'http://[2001:db8::1]:80/', 'http://0.0.0.0:3000/'])('refuses the non-loopback target %s', async target => {
		await expect(runLoadGenerator({url: target, connections: 1, maxRequests: 1, durationMs: 100})).rejects.toThrow(NotLoopbackError);
		await expect(runLoadGenerator({url: target, connections: 1, maxRequests: 1, durationMs: 100})).rejects.toThrow(/refusing to send load to .*: the load generator only targets this machine \(127\.0\.0\.0\/8, ::1 or localhost\)/);
	});

	it('accepts localhost, looking it up once', async () => {
		const {url, counts} = await countingServer();
		const result = await runLoadGenerator({url: url.replace('127.0.0.1', 'localhost'), connections: 1, maxRequests: 3, durationMs: generous});
		expect(result.answered).toBe(3);
		expect(counts.requests).toBe(3);
	});
});

describe('the request bytes', () => {
	it('are one HTTP/1.1 request with Host and Connection', () => {
		expect(serializeRequest(new URL('http://127.0.0.1:3000/a?b=c'), {keepAlive: false}).toString()).toBe('GET /a?b=c HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nConnection: close\r\n\r\n');
		expect(serializeRequest(new URL('http://localhost:80/'), {keepAlive: true, headers: {'x-a': '1'}}).toString()).toBe('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\nx-a: 1\r\n\r\n');
	});

	it('isLoopback knows the loopback spellings', () => {
		for (const host of ['127.0.0.1', '127.9.8.7', '[::1]', '::1', 'localhost', 'a.localhost', '::ffff:127.0.0.1']) expect(isLoopback(host), host).toBe(true);
		for (const host of ['10.0.0.1', '0.0.0.0', '::', 'example.com', '128.0.0.1']) expect(isLoopback(host), host).toBe(false);
	});
});
