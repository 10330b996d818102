import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {LoadLoop} from '../../cli/harness/load-loop.js';
import {TrafficClient} from '../../cli/harness/traffic.js';

let server: http.Server;
let baseUrl: string;
let failing = false;

beforeAll(async () => {
	server = http.createServer((_, response) => {
		response.statusCode = failing ? 503 : 200;
		response.setHeader('x-worker-pid', failing ? '2' : '1');
		response.end('ok');
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise(resolve => server.close(resolve));
});

describe('LoadLoop', () => {
	it('runs until stopped, and tells failures before and after a moment apart', async () => {
		const client = new TrafficClient(baseUrl);
		failing = false;
		const loop = new LoadLoop({client, lanes: 2, path: () => '/', maxMs: 10_000, maxRequests: 100_000});
		await loop.waitForAnswers(20);
		const fault = Date.now();
		failing = true;
		await loop.waitForAnswers(loop.answers.length + 20);
		const answers = await loop.stop();
		await client.close();
		expect(answers.length).toBeGreaterThanOrEqual(40);
		expect(loop.failures().length).toBeGreaterThan(0);
		const sentAfter = answers.filter(answer => answer.startedAt > fault);
		expect(loop.failuresStartedAfter(fault).length).toBe(sentAfter.length);
		// Only requests already in flight when the server flipped (one per lane) can fail having
		// started before it. Clock times are whole milliseconds: a request started in the very
		// millisecond of the flip, before or after it, is neither counted nor excused.
		expect(loop.failures().filter(answer => answer.startedAt < fault).length).toBeLessThanOrEqual(2);
		expect(loop.pidsBetween(0, fault)).toEqual(new Set([1]));
	});

	it('stops by itself at its request bound', async () => {
		const client = new TrafficClient(baseUrl);
		failing = false;
		const loop = new LoadLoop({client, lanes: 3, path: () => '/', maxMs: 10_000, maxRequests: 30});
		await loop.waitForAnswers(1000);
		const answers = await loop.stop();
		await client.close();
		expect(answers.length).toBe(30);
	});
});
