import {fork, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {probeOwner} from '../../cli/harness/owner-probe.js';

const started: ChildProcess[] = [];
afterEach(() => {
	for (const child of started.splice(0)) child.kill('SIGKILL');
});

/** A server in a child process that claims to be pid `claim` in x-worker-pid. */
async function liar(claim: string): Promise<{pid: number; port: number}> {
	const source = `require('http').createServer((q, s) => { s.setHeader('x-worker-pid', ${JSON.stringify(claim)}); s.end('hi'); }).listen(0, '127.0.0.1', function () { process.send(this.address().port); });`;
	const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ncl-liar-')), 'liar.cjs');
	writeFileSync(file, source);
	const child = fork(file, [], {stdio: 'ignore'});
	started.push(child);
	const [port] = (await once(child, 'message')) as [number];
	return {pid: child.pid!, port};
}

describe('probeOwner', () => {
	it('names the process that really holds the server side of the connection', async () => {
		const {pid, port} = await liar('1');
		const answer = await probeOwner({host: '127.0.0.1', port, path: '/'});
		expect(answer.status).toBe(200);
		expect(answer.pid).toBe(1); // what the server claims
		expect(answer.owners).toEqual([pid]); // what /proc says
	});

	it('finds this process as the owner of an in-process server', async () => {
		const server = http.createServer((_, response) => response.end('ok'));
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		const {port} = server.address() as AddressInfo;
		const answer = await probeOwner({host: '127.0.0.1', port, path: '/', pids: [process.pid]});
		server.closeAllConnections();
		server.close();
		expect(answer.owners).toEqual([process.pid]);
	});

	it('reports a refused connection instead of throwing', async () => {
		const answer = await probeOwner({host: '127.0.0.1', port: 1, path: '/', timeoutMs: 1000});
		expect(answer.status).toBe(0);
		expect(answer.error).toBe('ECONNREFUSED');
	});
});
