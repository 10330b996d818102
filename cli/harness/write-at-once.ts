import net from 'node:net';
import {setTimeout as delay} from 'node:timers/promises';
import {descendantsOf, inEpollWait, readProc} from './procfs.js';
import {rowsTouching} from './upstream-connections.js';

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
export function writeAtOnce(
	host: string,
	port: number,
	timeoutMs: number,
	localAddress?: string,
	onWritten?: (client: string) => void,
	giveUp?: Promise<{clients: Set<string>; reason: string}>,
): Promise<RawResult> {
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
		void giveUp?.then(({clients, reason}) => {
			if (clients.has(`${socket.localAddress}:${socket.localPort}`)) finish({status: 0, hung: true, error: reason});
		});
		socket.setEncoding('latin1');
		socket.on('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`, () => onWritten?.(`${socket.localAddress}:${socket.localPort}`)));
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

async function freeze(pids: number[]): Promise<void> {
	for (const pid of pids) process.kill(pid, 'SIGSTOP');
	const stoppedBy = Date.now() + 1000;
	while (pids.some(pid => (readProc(pid)?.state ?? 'T') !== 'T') && Date.now() < stoppedBy) await delay(5);
}

function thaw(pids: number[]): void {
	for (const pid of pids) {
		try {
			process.kill(pid, 'SIGCONT');
		} catch {
			// Gone meanwhile: nothing to wake.
		}
	}
}

/** How long the acceptor may take to accept the frozen connections and go idle; past it the trap judges nothing early. */
const ACCEPTOR_IDLE_MS = 15_000;

export type FrozenOutcome = {
	results: RawResult[];
	/** Connections whose request bytes the acceptor read itself, while every receiver was still paused. */
	readByAcceptor: number;
	/** False when the acceptor did not go idle within ACCEPTOR_IDLE_MS: then readByAcceptor is 0 and judges nothing. */
	judged: boolean;
};

/**
`count` raw requests written while `acceptor` and the processes it hands
connections to (every process below it) are all frozen (SIGSTOP): the kernel
completes each handshake and queues the bytes, so the acceptor, thawed alone,
accepts connections whose request is already waiting. The checker then waits, bounded, until it has
accepted them all and sleeps in epoll_wait (its event loop has nothing left to
do: a socket it had started reading would have been read by then), and reads
each connection's receive queue in /proc/net/tcp. Bytes gone while every
receiver was paused were read by the acceptor: a process that starts reading
on accept (no pauseOnConnect) is caught whatever the machine's timing, since a
receiver cannot win the race for the bytes while it is stopped. Such
connections are given up at once (error "… read by pid …"); the others get their
answers once the receivers go on. SIGCONT is sent to everyone on every path.
`localAddress(index)` picks each client's address.
*/
export async function writtenWhileFrozen(options: {acceptor: number; host: string; port: number; count: number; timeoutMs: number; localAddress?: (index: number) => string | undefined}): Promise<FrozenOutcome> {
	const {acceptor, host, port, count, timeoutMs, localAddress = () => undefined} = options;
	let requests: Array<Promise<RawResult>> = [];
	let readByAcceptor = 0;
	let judged = false;
	let giveUp!: (what: {clients: Set<string>; reason: string}) => void;
	const gaveUp = new Promise<{clients: Set<string>; reason: string}>(resolve => (giveUp = resolve));
	/** "address:port" of each client that has written its request. */
	const clients = new Set<string>();
	// Every process below the acceptor: whichever it hands a connection to.
	const receivers = descendantsOf(acceptor).map(proc => proc.pid);
	try {
		await freeze([...receivers, acceptor]);
		requests = Array.from({length: count}, (_, index) => writeAtOnce(host, port, timeoutMs, localAddress(index), client => clients.add(client), gaveUp));
		// Every request in the kernel's buffers before the acceptor runs again (bounded: a
		// refused or failed connection never writes).
		const writtenBy = Date.now() + 3000;
		while (clients.size < count && Date.now() < writtenBy) await delay(5);
		// Our connections, server side, still open: matched by the client's address and port, since
		// a TIME_WAIT row of an earlier connection may have the same port from another address.
		const serverSide = () => rowsTouching(port).filter(row => row.localPort === port && row.state === 'ESTABLISHED' && clients.has(`${row.remoteAddress}:${row.remotePort}`));
		thaw([acceptor]);
		const idleBy = Date.now() + ACCEPTOR_IDLE_MS;
		let rows: ReturnType<typeof serverSide> = [];
		while (Date.now() < idleBy) {
			// Idle first, then one read of the table: what it shows is what the idle acceptor left.
			// Accepted: a connection in the listen queue has no inode yet.
			if (inEpollWait(acceptor) && (rows = serverSide()).every(row => row.inode !== 0)) {
				judged = true;
				break;
			}
			await delay(5);
		}
		if (judged) {
			const drained = rows.filter(row => row.rxQueue === 0);
			readByAcceptor = drained.length;
			// Those will never be answered: no need to wait out their timeout.
			if (readByAcceptor > 0) giveUp({clients: new Set(drained.map(row => `${row.remoteAddress}:${row.remotePort}`)), reason: `its request was read by pid ${acceptor} before any hand-over`});
		}
	} finally {
		thaw([acceptor, ...receivers]);
	}
	return {results: await Promise.all(requests), readByAcceptor, judged};
}
