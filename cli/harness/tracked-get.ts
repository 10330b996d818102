import http from 'node:http';
import {workerPidFrom, type Answer} from './traffic.js';

/**
A GET on its own connection (no agent) whose client port is known once it has
connected, so that /proc can tell who holds its server side or whether its
bytes were read (see open-connections.ts). `done()` is true once it settled.
*/
export function trackedGet(host: string, port: number, pathAndQuery: string, timeoutMs: number): {answer: Promise<Answer>; clientPort: () => number | undefined; done: () => boolean} {
	let clientPort: number | undefined;
	let finished = false;
	const started = Date.now();
	const answer = new Promise<Answer>(resolve => {
		const finish = (result: Omit<Answer, 'path' | 'ms' | 'finishedAt'>) => {
			if (finished) return;
			finished = true;
			clearTimeout(timer);
			const now = Date.now();
			resolve({path: pathAndQuery, ms: now - started, finishedAt: now, ...result});
		};
		const request = http.get({host, port, path: pathAndQuery, agent: false}, response => {
			let body = '';
			response.setEncoding('utf8');
			response.on('data', chunk => (body += chunk));
			response.on('end', () => finish({status: response.statusCode ?? 0, headers: Object.fromEntries(Object.entries(response.headers).map(([key, value]) => [key, String(value)])), body, pid: workerPidFrom(response.headers['x-worker-pid'])}));
			response.on('error', error => finish({status: 0, headers: {}, body, error: error.message}));
		});
		request.on('socket', socket => socket.once('connect', () => (clientPort = socket.localPort)));
		request.on('error', error => finish({status: 0, headers: {}, body: '', error: (error as NodeJS.ErrnoException).code ?? error.message}));
		const timer = setTimeout(() => {
			request.destroy();
			finish({status: 0, headers: {}, body: '', error: `no answer within ${timeoutMs} ms`});
		}, timeoutMs);
	});
	return {answer, clientPort: () => clientPort, done: () => finished};
}

