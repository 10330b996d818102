import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {isAlive, listenInodes} from './procfs.js';

/**
Ports below 32768: Linux hands out outgoing (ephemeral) ports from 32768-60999,
and a listen port in that range can clash with another program's connection.
*/
const LOW = 20_000;
const HIGH = 32_767;
/**
A run owns a block of ports: its PORT is the block's first, and a lab may use
the ones after it (lab 02's backends listen on PORT+1 to PORT+WORKERS, and its
checker looks 3 further). Checked free one port at a time, two runs at once
(two suites on one machine, or a suite's concurrent checks) once met there: a
run picked PORT while another's backends, on PORT-1+1 and on, were not yet
listening, and its own backends found their ports taken.
*/
export const PORT_BLOCK = 16;

/** Blocks taken by runs of any process of this user, one file each: "<pid>". */
const reservations = path.join(os.tmpdir(), `node-cluster-lab-ports-${process.getuid?.() ?? 'user'}`);

function canBind(host: string, port: number): Promise<boolean> {
	return new Promise(resolve => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen({host, port, exclusive: true}, () => server.close(() => resolve(true)));
	});
}

function blockOf(port: number): number {
	return LOW + Math.floor((port - LOW) / PORT_BLOCK) * PORT_BLOCK;
}

/** Whether a live process (this one or another) holds the block that `port` is in. */
function reserved(port: number): boolean {
	try {
		return isAlive(Number(readFileSync(path.join(reservations, String(blockOf(port))), 'utf8')));
	} catch {
		return false;
	}
}

/** Take the block starting at `first` for this process, unless a live one holds it. */
function reserve(first: number): boolean {
	mkdirSync(reservations, {recursive: true});
	const file = path.join(reservations, String(first));
	try {
		writeFileSync(file, String(process.pid), {flag: 'wx'});
		return true;
	} catch {
		if (reserved(first)) return false;
		// Left by a process that is gone: take it over.
		writeFileSync(file, String(process.pid));
		return true;
	}
}

/** A port nothing listens on right now, outside every block a run holds, chosen at random so parallel runs rarely meet. */
export async function pickFreePort(host = '127.0.0.1'): Promise<number> {
	for (let attempt = 0; attempt < 50; attempt++) {
		const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
		if (!reserved(port) && listenInodes(port).length === 0 && (await canBind(host, port))) return port;
	}
	throw new Error(`no free port found between ${LOW} and ${HIGH} on ${host}`);
}

/**
A block of PORT_BLOCK ports for one run, none listened on, held for this
process until release(): no other run of the kit picks a port in it meanwhile,
also while the run's own program is restarted and its ports are briefly free.
*/
export async function reservePortBlock(host = '127.0.0.1'): Promise<{port: number; release: () => void}> {
	const blocks = Math.floor((HIGH - LOW + 1) / PORT_BLOCK);
	for (let attempt = 0; attempt < 50; attempt++) {
		const first = LOW + Math.floor(Math.random() * blocks) * PORT_BLOCK;
		if (!reserve(first)) continue;
		const ports = Array.from({length: PORT_BLOCK}, (_, offset) => first + offset);
		let free = ports.every(port => listenInodes(port).length === 0);
		for (let index = 0; free && index < ports.length; index++) free = await canBind(host, ports[index]!);
		const release = () => rmSync(path.join(reservations, String(first)), {force: true});
		if (free) return {port: first, release};
		release();
	}
	throw new Error(`no free block of ${PORT_BLOCK} ports found between ${LOW} and ${HIGH} on ${host}`);
}
