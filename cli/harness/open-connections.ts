import {readFileSync} from 'node:fs';
import net from 'node:net';
import {decodeAddress} from './procfs.js';

/**
Bytes not yet read by the server plus bytes not yet delivered by the client, for
one loopback connection; undefined once it is gone. /proc/net/tcp can hold
thousands of rows on a busy machine (12725 once, 60 ms to read), so lines are
matched on the hex ports before being split. `accepted` says whether some
process holds the server side (a connection still in the listen queue has
inode 0).
*/
export function connectionQueue(serverPort: number, clientPort: number): {unread: number; accepted: boolean} | undefined {
	const hex = (value: number) => `:${value.toString(16).toUpperCase().padStart(4, '0')} `;
	const serverHex = hex(serverPort);
	const clientHex = hex(clientPort);
	let unread = 0;
	let accepted = false;
	let found = false;
	for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n')) {
		if (!line.includes(clientHex) || !line.includes(serverHex)) continue;
		const cols = line.trim().split(/\s+/);
		if (cols.length < 10 || !/^\d+:$/.test(cols[0]!)) continue;
		const local = decodeAddress(cols[1]!).port;
		const remote = decodeAddress(cols[2]!).port;
		const [tx, rx] = cols[4]!.split(':').map(value => Number.parseInt(value, 16));
		if (local === serverPort && remote === clientPort) {
			found = true;
			unread += rx!;
			accepted ||= cols[9] !== '0';
		} else if (local === clientPort && remote === serverPort) {
			found = true;
			unread += tx!;
		}
	}
	return found ? {unread, accepted} : undefined;
}

/** connectionQueue's unread bytes alone. */
export function unreadBytes(serverPort: number, clientPort: number): number | undefined {
	return connectionQueue(serverPort, clientPort)?.unread;
}

/**
Work in flight that no deadline of the program's own ends: an idle keep-alive
connection (one request answered, the connection left open) and a request whose
headers never end. Resolves once both are where a server holds them: the first
answer has come, and the half-sent request was accepted and read by some process
(a handshake through /proc, not a sleep). `close()` destroys both. Bounded:
after `withinMs` it resolves anyway, with `ready: false`.
*/
export async function holdIdleAndHalfSent(host: string, port: number, withinMs = 10_000): Promise<{ready: boolean; close: () => void}> {
	const idle = net.connect({host, port});
	const half = net.connect({host, port});
	for (const socket of [idle, half]) socket.on('error', () => {});
	const close = () => {
		idle.destroy();
		half.destroy();
	};
	const stopAt = Date.now() + withinMs;
	const answered = new Promise<boolean>(resolve => {
		idle.once('data', () => resolve(true));
		idle.once('close', () => resolve(false));
		idle.once('connect', () => idle.write(`GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: keep-alive\r\n\r\n`));
	});
	const written = new Promise<boolean>(resolve => {
		half.once('close', () => resolve(false));
		half.once('connect', () => half.write(`GET / HTTP/1.1\r\nHost: ${host}:${port}\r\n`, () => resolve(true)));
	});
	const timeout = new Promise<boolean>(resolve => setTimeout(() => resolve(false), withinMs).unref());
	const ok = (await Promise.race([Promise.all([answered, written]).then(all => all.every(Boolean)), timeout])) && half.localPort !== undefined;
	if (!ok) return {ready: false, close};
	for (;;) {
		const queue = connectionQueue(port, half.localPort!);
		if (queue && queue.accepted && queue.unread === 0) return {ready: true, close};
		if (!queue || half.destroyed || Date.now() >= stopAt) return {ready: false, close};
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}
