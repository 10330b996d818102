import net from 'node:net';
import {setTimeout as delay} from 'node:timers/promises';
import {readProc} from './procfs.js';

/** A raw request's outcome; `hung` means no answer and no close within the timeout. */
export type RawResult = {status: number; pid?: number; error?: string; hung: boolean};

function describeError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException).code ?? '';
	if (code === 'ECONNREFUSED') return 'connection refused (nothing listening)';
	if (code === 'ECONNRESET') return 'connection reset by the server';
	return (error as Error).message || String(error);
}

/**
GET / on a raw socket, written in the 'connect' callback, the earliest a client
can: the bytes may reach the server before it has accepted the connection.
Connection: close, so the answer ends when the server closes.
*/
export function writeAtOnce(host: string, port: number, timeoutMs: number, localAddress?: string, onWritten?: () => void): Promise<RawResult> {
	return new Promise(resolve => {
		const socket = net.connect({host, port, ...(localAddress ? {localAddress} : {})});
		let data = '';
		let settled = false;
		const finish = (result: RawResult) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			socket.destroy();
			resolve(result);
		};
		const timer = setTimeout(() => finish({status: 0, hung: true, error: `no answer within ${timeoutMs} ms`}), timeoutMs);
		socket.setEncoding('latin1');
		socket.on('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`, () => onWritten?.()));
		socket.on('data', chunk => {
			data += chunk;
		});
		socket.on('error', error => finish({status: 0, hung: false, error: describeError(error)}));
		socket.on('close', () => {
			const status = /^HTTP\/1\.[01] (\d{3})/.exec(data);
			if (!status) {
				finish({status: 0, hung: false, error: data === '' ? 'the server closed the connection without answering' : `an answer that is not HTTP: ${JSON.stringify(data.slice(0, 60))}`});
				return;
			}
			const pid = /\r\nx-worker-pid:\s*(\d+)\s*\r\n/i.exec(data);
			finish({status: Number(status[1]), hung: false, pid: pid ? Number(pid[1]) : undefined});
		});
	});
}

/**
`count` raw requests written while `acceptor` is frozen (SIGSTOP): the kernel
completes each handshake and queues the bytes, so when the acceptor goes on
(SIGCONT) it accepts connections whose request is already waiting. A process
that starts reading on accept (no pauseOnConnect) then takes those bytes
before any hand-over, every time, whatever the machine's timing: the
deterministic form of a race that a plain client wins or loses by luck.
`localAddress(index)` picks each client's address. SIGCONT is sent on every path.
*/
export async function writtenWhileFrozen(options: {acceptor: number; host: string; port: number; count: number; timeoutMs: number; localAddress?: (index: number) => string | undefined}): Promise<RawResult[]> {
	const {acceptor, host, port, count, timeoutMs, localAddress = () => undefined} = options;
	let requests: Array<Promise<RawResult>> = [];
	process.kill(acceptor, 'SIGSTOP');
	try {
		const stoppedBy = Date.now() + 1000;
		while (readProc(acceptor)?.state !== 'T' && Date.now() < stoppedBy) await delay(5);
		let written = 0;
		requests = Array.from({length: count}, (_, index) => writeAtOnce(host, port, timeoutMs, localAddress(index), () => written++));
		// Every request in the kernel's buffers before the acceptor runs again (bounded: a
		// refused or failed connection never writes).
		const writtenBy = Date.now() + 3000;
		while (written < count && Date.now() < writtenBy) await delay(5);
	} finally {
		process.kill(acceptor, 'SIGCONT');
	}
	return Promise.all(requests);
}
