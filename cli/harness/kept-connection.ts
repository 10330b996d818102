import http from 'node:http';
import {workerPidFrom} from './traffic.js';

/** One answer on a kept connection, with the body as bytes and when it was sent and received. */
export type KeptAnswer = {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: Buffer;
	/** x-worker-pid, when numeric. */
	pid?: number;
	/** Whether the request travelled on the connection an earlier request opened. */
	reused: boolean;
	/** Date.now() when the request was handed to the socket, and when the whole answer (or the error) arrived. */
	sentAt: number;
	doneAt: number;
	/** Why there was no whole answer: "no answer within 3000 ms", "ECONNRESET", … */
	error?: string;
};

export type KeptRequest = {
	method?: string;
	body?: Buffer | string;
	timeoutMs?: number;
	/** Called once the whole request has been handed to the kernel (the request's 'finish'). */
	onWritten?: () => void;
};

/**
One keep-alive connection the checker controls (Node's agent, one socket), so
that every request on it goes to the process that accepted it first: with
several workers behind one port, this is how a check talks to one worker on
purpose ("write through worker A, read through worker B"), or keeps a
connection that needs nobody else to reach its worker (a stopped primary).
`pid` is the process that answered the first request.
*/
export class KeptConnection {
	private readonly agent = new http.Agent({keepAlive: true, maxSockets: 1});
	pid?: number;

	constructor(
		readonly host: string,
		readonly port: number,
	) {}

	request(path: string, options: KeptRequest = {}): Promise<KeptAnswer> {
		const {method = 'GET', body, timeoutMs = 5000} = options;
		return new Promise<KeptAnswer>(resolve => {
			const sentAt = Date.now();
			let done = false;
			const finish = (answer: Omit<KeptAnswer, 'sentAt' | 'doneAt' | 'reused'>) => {
				if (done) return;
				done = true;
				clearTimeout(timer);
				const pid = answer.pid;
				if (this.pid === undefined && pid !== undefined) this.pid = pid;
				resolve({...answer, reused: request.reusedSocket, sentAt, doneAt: Date.now()});
			};
			const headers = body === undefined ? {} : {'content-length': String(Buffer.byteLength(body))};
			const request = http.request({host: this.host, port: this.port, path, method, agent: this.agent, headers}, response => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () => finish({status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), pid: workerPidFrom(response.headers['x-worker-pid'])}));
				response.on('aborted', () => finish({status: 0, headers: {}, body: Buffer.alloc(0), error: 'the connection was closed before the answer was complete'}));
			});
			const timer = setTimeout(() => {
				finish({status: 0, headers: {}, body: Buffer.alloc(0), error: `no answer within ${timeoutMs} ms`});
				request.destroy();
			}, timeoutMs);
			request.on('error', error => finish({status: 0, headers: {}, body: Buffer.alloc(0), error: (error as NodeJS.ErrnoException).code ?? error.message}));
			if (options.onWritten) request.once('finish', options.onWritten);
			request.end(body);
		});
	}

	close(): void {
		this.agent.destroy();
	}
}

/**
One kept connection to each of `pids`: connections are opened one at a time
(each with a GET of `path`) until every pid has one, at most `maxTries` in all;
connections to a pid already covered, or answered by a stranger, are closed.
Returns the connections by pid; a pid that never answered is missing.
*/
export async function keepOnePerPid(options: {host: string; port: number; pids: readonly number[]; path: string; maxTries?: number; timeoutMs?: number; signal?: AbortSignal}): Promise<Map<number, KeptConnection>> {
	const {host, port, pids, path, maxTries = 6 * pids.length, timeoutMs = 5000, signal} = options;
	const kept = new Map<number, KeptConnection>();
	for (let tries = 0; tries < maxTries && kept.size < pids.length && !signal?.aborted; tries++) {
		const connection = new KeptConnection(host, port);
		const answer = await connection.request(path, {timeoutMs});
		if (answer.pid !== undefined && pids.includes(answer.pid) && !kept.has(answer.pid)) kept.set(answer.pid, connection);
		else connection.close();
	}
	return kept;
}

/**
A request whose body stops half-way: `bytes` bytes are written (chunked, no
content-length, so the server cannot know the size in advance) and the request
is never ended. Resolves with the answer if one comes within `timeoutMs` while
the body is still unfinished, or with an error; the connection is destroyed
either way. The probe for "decided as the bytes arrive": a server that waits
for the end of the body never answers it.
*/
export function stalledUpload(options: {host: string; port: number; path: string; method?: string; bytes: number; timeoutMs: number}): Promise<{status: number; pid?: number; ms: number; error?: string}> {
	const {host, port, path, method = 'PUT', bytes, timeoutMs} = options;
	const started = Date.now();
	return new Promise(resolve => {
		let done = false;
		const finish = (result: {status: number; pid?: number; error?: string}) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			request.destroy();
			resolve({...result, ms: Date.now() - started});
		};
		const request = http.request({host, port, path, method, agent: false, headers: {'transfer-encoding': 'chunked'}}, response => {
			response.resume();
			finish({status: response.statusCode ?? 0, pid: workerPidFrom(response.headers['x-worker-pid'])});
		});
		request.on('error', error => finish({status: 0, error: (error as NodeJS.ErrnoException).code ?? error.message}));
		const timer = setTimeout(() => finish({status: 0, error: `no answer within ${timeoutMs} ms while the body was still coming`}), timeoutMs);
		const chunk = Buffer.alloc(64 * 1024, 0x61);
		let written = 0;
		const write = () => {
			while (written < bytes && !done) {
				const size = Math.min(chunk.length, bytes - written);
				written += size;
				if (!request.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
					request.once('drain', write);
					return;
				}
			}
		};
		write();
	});
}
