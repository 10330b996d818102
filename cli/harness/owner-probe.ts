import http from 'node:http';
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
