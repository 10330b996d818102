import net from 'node:net';
import {listenInodes} from './procfs.js';

/**
Ports below 32768: Linux hands out outgoing (ephemeral) ports from 32768-60999,
and a listen port in that range can clash with another program's connection.
*/
const LOW = 20_000;
const HIGH = 32_767;

function canBind(host: string, port: number): Promise<boolean> {
	return new Promise(resolve => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen({host, port, exclusive: true}, () => server.close(() => resolve(true)));
	});
}

/** A port nothing listens on right now, chosen at random so parallel runs rarely meet. */
export async function pickFreePort(host = '127.0.0.1'): Promise<number> {
	for (let attempt = 0; attempt < 50; attempt++) {
		const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
		if (listenInodes(port).length === 0 && (await canBind(host, port))) return port;
	}
	throw new Error(`no free port found between ${LOW} and ${HIGH} on ${host}`);
}
