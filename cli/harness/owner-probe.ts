import http from 'node:http';
import net from 'node:net';
import {connectionOwners} from './procfs.js';
import {workerPidFrom} from './traffic.js';

export type OwnedAnswer = {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: string;
	/** x-worker-pid, when numeric. */
	pid?: number;
	/** The checker's end of the connection. */
	clientPort?: number;
	/**
	Pids whose fd tables hold the server side of this very connection, read from
	/proc while the connection is still open. A process that writes someone
	else's pid into x-worker-pid is caught here. Empty if the server closed the
	connection before it could be looked up.
	*/
	owners: number[];
	error?: string;
};

export type ProbeOptions = {
	host: string;
	port: number;
	path: string;
	/** Only these pids are scanned (faster, and no stranger can match). */
	pids?: number[];
	localAddress?: string;
	timeoutMs?: number;
	/**
	Read the owners again (every 20 ms, for at most withinMs) until accept() says
	they have settled: a primary that hands accepted sockets to workers holds each
	one for a moment before the handoff.
	*/
	settle?: {accept: (owners: number[]) => boolean; withinMs: number};
};

/**
One GET on a fresh connection that stays open (keep-alive, one socket) until the
server side of it has been found in /proc, then closed. The recipe is
owners.js from the research notes: client port -> /proc/net/tcp row -> inode ->
the processes holding it.
*/
export function probeOwner(options: ProbeOptions): Promise<OwnedAnswer> {
	const {host, port, path, pids, localAddress, timeoutMs = 5000, settle} = options;
	const agent = new http.Agent({keepAlive: true, maxSockets: 1});
	return new Promise<OwnedAnswer>(resolve => {
		let settled = false;
		const finish = (answer: OwnedAnswer) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			agent.destroy();
			resolve(answer);
		};
		const request = http.get({host, port, path, agent, localAddress}, response => {
			const socket = response.socket;
			const clientPort = socket.localPort;
			let body = '';
			response.setEncoding('utf8');
			response.on('data', chunk => {
				body += chunk;
			});
			response.on('end', () => {
				// The connection is still open here: look it up before closing it.
				const read = () => (clientPort === undefined ? [] : connectionOwners(port, clientPort, pids));
				const settleBy = Date.now() + (settle?.withinMs ?? 0);
				const report = () => {
					const owners = read();
					if (settle && !settle.accept(owners) && Date.now() < settleBy) {
						setTimeout(report, 20);
						return;
					}
					finish({status: response.statusCode ?? 0, headers: response.headers, body, pid: workerPidFrom(response.headers['x-worker-pid']), clientPort, owners});
				};
				report();
			});
		});
		const timer = setTimeout(() => {
			request.destroy();
			finish({status: 0, headers: {}, body: '', owners: [], error: `no answer within ${timeoutMs} ms`});
		}, timeoutMs);
		request.on('error', error => finish({status: 0, headers: {}, body: '', owners: [], error: (error as NodeJS.ErrnoException).code ?? error.message}));
	});
}

export type HandedOverAnswer = {status: number; body: string; pid?: number; error?: string; handedOver: boolean};

/**
One GET, whose bytes are sent only once the connection has left the process that
accepted it: connect, poll /proc until the server side is held by someone other
than `acceptor` (for at most settleMs), then write the request. A primary that
reads connections before handing them over (no pauseOnConnect) loses a request
sent at once, but never this one: a step that must not judge that mistake asks
this way, and the step that does judge it sends at once. `handedOver` says
whether the wait saw the hand-over or gave up and sent anyway.
*/
export function getAfterHandOver(options: {host: string; port: number; path: string; acceptor: number; pids: number[]; settleMs?: number; timeoutMs?: number}): Promise<HandedOverAnswer> {
	const {host, port, path, acceptor, pids, settleMs = 2000, timeoutMs = 5000} = options;
	return new Promise<HandedOverAnswer>(resolve => {
		let finished = false;
		let handedOver = false;
		const finish = (answer: Omit<HandedOverAnswer, 'handedOver'>) => {
			if (finished) return;
			finished = true;
			clearTimeout(timer);
			socket.destroy();
			resolve({...answer, handedOver});
		};
		const timer = setTimeout(() => finish({status: 0, body: '', error: `no answer within ${timeoutMs} ms`}), timeoutMs);
		const socket = net.connect({host, port});
		socket.on('error', error => finish({status: 0, body: '', error: (error as NodeJS.ErrnoException).code ?? error.message}));
		socket.once('connect', () => {
			const clientPort = socket.localPort!;
			const sendBy = Date.now() + settleMs;
			const poll = () => {
				if (finished) return;
				const owners = connectionOwners(port, clientPort, pids);
				handedOver = owners.length > 0 && !owners.includes(acceptor);
				if (!handedOver && Date.now() < sendBy) {
					setTimeout(poll, 10);
					return;
				}
				// http over the socket we hold: the request is written now, not at connect.
				const request = http.get({host, port, path, headers: {connection: 'close'}, createConnection: () => socket}, response => {
					let body = '';
					response.setEncoding('utf8');
					response.on('data', chunk => {
						body += chunk;
					});
					response.on('end', () => finish({status: response.statusCode ?? 0, body, pid: workerPidFrom(response.headers['x-worker-pid'])}));
					response.on('error', error => finish({status: 0, body, error: error.message}));
				});
				request.on('error', error => finish({status: 0, body: '', error: (error as NodeJS.ErrnoException).code ?? error.message}));
			};
			poll();
		});
	});
}
