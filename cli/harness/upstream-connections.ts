// Counting a proxy's connections to its backends from /proc/net/tcp: the proof
// that upstream keep-alive works is in the kernel's socket table, not in the
// proxy's configuration. Every TCP connection to a backend leaves a row there
// (ESTABLISHED while open, then TIME_WAIT on whichever side closed first, for
// 60 s), so the connections opened during a burst are the rows that are new
// since a snapshot taken before it.
import {readFileSync} from 'node:fs';
import {parseTcpTable, type TcpRow} from './procfs.js';

/** Rows whose local or remote port is `port` (a cheap text filter first: the table may hold thousands of rows). */
export function rowsTouching(port: number): TcpRow[] {
	const needle = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
	const read = (file: string) => {
		try {
			return readFileSync(file, 'utf8');
		} catch {
			return '';
		}
	};
	const lines = (text: string) =>
		text
			.split('\n')
			.filter(line => line.includes(needle))
			.join('\n');
	return [...parseTcpTable(lines(read('/proc/net/tcp'))), ...parseTcpTable(lines(read('/proc/net/tcp6')))];
}

/**
Every connection to `backends` (addresses) on `port` the table knows, open or
closed but still in TIME_WAIT, as keys "proxyAddress:proxyPort>backendAddress".
Both ends of a loopback connection appear in the table; the key is the same
for both, so each connection counts once. A connect still in SYN_SENT is not a
connection yet: refused, it leaves a row for an instant and never was one.
*/
export function upstreamConnections(backends: readonly string[], port: number): Set<string> {
	const keys = new Set<string>();
	for (const row of rowsTouching(port)) {
		if (row.state === 'LISTEN' || row.state === 'SYN_SENT') continue;
		if (row.localPort === port && backends.includes(row.localAddress)) keys.add(`${row.remoteAddress}:${row.remotePort}>${row.localAddress}`);
		else if (row.remotePort === port && backends.includes(row.remoteAddress)) keys.add(`${row.localAddress}:${row.localPort}>${row.remoteAddress}`);
	}
	return keys;
}

/** Connections in `after` that were not in `before`, counted per backend address. */
export function newConnections(before: ReadonlySet<string>, after: ReadonlySet<string>): {total: number; byBackend: Map<string, number>} {
	const byBackend = new Map<string, number>();
	let total = 0;
	for (const key of after) {
		if (before.has(key)) continue;
		total++;
		const backend = key.slice(key.indexOf('>') + 1);
		byBackend.set(backend, (byBackend.get(backend) ?? 0) + 1);
	}
	return {total, byBackend};
}
