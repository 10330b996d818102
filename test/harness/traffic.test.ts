import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {TrafficTally} from '../../cli/checks/events.js';
import {countByPid, TrafficClient} from '../../cli/harness/traffic.js';

let server: http.Server;
let baseUrl: string;
/** The client port of every request, as the server saw it. */
const clientPorts: number[] = [];

beforeAll(async () => {
	server = http.createServer((request, response) => {
		clientPorts.push(request.socket.remotePort!);
		if (request.url === '/hang') return; // never answers
		const pid = request.url === '/b' ? '222' : '111';
		response.setHeader('x-worker-pid', pid);
		response.end(JSON.stringify({from: request.socket.remoteAddress}));
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise(resolve => server.close(resolve));
});

describe('TrafficClient', () => {
	it('opens a fresh connection per request by default, so distribution counts requests', async () => {
		const client = new TrafficClient(baseUrl);
		clientPorts.length = 0;
		await client.burst({count: 10, concurrency: 1, path: () => '/'});
		await client.close();
		expect(new Set(clientPorts).size).toBe(10);
	});

	it('reuses connections when asked for keep-alive', async () => {
		const client = new TrafficClient(baseUrl);
		clientPorts.length = 0;
		await client.burst({count: 10, concurrency: 1, fresh: false, path: () => '/'});
		await client.close();
		// undici may open a second socket while the first is being released.
		expect(new Set(clientPorts).size).toBeLessThanOrEqual(2);
	});

	it('parses x-worker-pid and tallies answers per pid', async () => {
		const tallies: TrafficTally[] = [];
		const client = new TrafficClient(baseUrl, tally => tallies.push(tally));
		const answers = await client.burst({count: 6, concurrency: 3, path: index => (index % 3 === 0 ? '/b' : '/a')});
		await client.close();
		expect(answers).toHaveLength(6);
		expect(Object.fromEntries(countByPid(answers))).toEqual({111: 4, 222: 2});
		expect(tallies.at(-1)).toMatchObject({sent: 6, ok: 6, failed: 0, perPid: {111: 4, 222: 2}});
	});

	it('bounds a request that never gets an answer and says so', async () => {
		const client = new TrafficClient(baseUrl);
		const started = Date.now();
		const answer = await client.get('/hang', {timeoutMs: 300});
		await client.close();
		expect(answer.status).toBe(0);
		expect(answer.error).toBe('no answer within 300 ms');
		expect(Date.now() - started).toBeLessThan(2000);
	});

	it('describes a refused connection in plain words', async () => {
		const closed = http.createServer();
		await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
		const port = (closed.address() as AddressInfo).port;
		await new Promise(resolve => closed.close(resolve));
		const client = new TrafficClient(`http://127.0.0.1:${port}`);
		const answer = await client.get('/');
		await client.close();
		expect(answer.error).toMatch(/connection refused/);
	});

	it('sends from another loopback address to emulate a distinct client', async () => {
		const client = new TrafficClient(baseUrl);
		const answer = await client.get('/', {localAddress: '127.0.2.3'});
		await client.close();
		expect(JSON.parse(answer.body)).toEqual({from: '127.0.2.3'});
	});

	it('stops a burst at its deadline even if the count is not reached', async () => {
		const client = new TrafficClient(baseUrl);
		const answers = await client.burst({count: 1000, concurrency: 2, timeoutMs: 200, deadlineMs: 300, path: () => '/hang'});
		await client.close();
		expect(answers.length).toBeLessThan(1000);
		expect(answers.length).toBeGreaterThan(0);
	});
});
