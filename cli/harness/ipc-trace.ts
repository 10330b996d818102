/**
Reading what the IPC spy (ipc-spy.cjs) wrote: the event types, a reader that
tolerates a torn last line, and pure functions that pair and summarise the
messages. Used by the `trace` command and by checkers.
*/
import {closeSync, openSync, readFileSync, readSync} from 'node:fs';
import {StringDecoder} from 'node:string_decoder';
import path from 'node:path';
import {packageRoot} from '../paths.js';
import {requireOption} from './preload.js';

/** The spy itself: plain CommonJS, preloaded with --require. */
export const ipcSpyFile = path.join(packageRoot, 'cli', 'harness', 'ipc-spy.cjs');

/**
The environment that makes every Node process of a tree load the spy and write
to traceFile: NODE_OPTIONS is inherited by children whatever their execArgv.
Add it on top of a lab environment. Note that it also reaches the process you
start directly (e.g. the keeper), which then writes a start line of its own.
*/
export function spyEnvironment(traceFile: string): {NODE_OPTIONS: string; NCL_TRACE_FILE: string} {
	return {NODE_OPTIONS: requireOption(ipcSpyFile), NCL_TRACE_FILE: traceFile};
}

/** One process loaded the spy. */
export type TraceStart = {
	t: number;
	pid: number;
	ppid: number;
	event: 'start';
	argv: string[];
	execArgv?: string[];
	/** NODE_UNIQUE_ID it was started with: the cluster worker id, or null for anything else. */
	uniqueId: string | null;
	/** Whether it has an IPC channel to its parent. */
	channel?: boolean;
};

/** A process ran its 'exit' handlers (not written when a signal killed it). */
export type TraceExit = {t: number; pid: number; event: 'exit'; code: number | null};

/** One IPC message, seen by one side: the sender ("out") or the receiver ("in"). */
export type TraceMessage = {
	t: number;
	/** The process that wrote this line. */
	pid: number;
	/** The other end of the channel: the child's pid on the parent's side, the parent's pid on the child's. */
	peer: number | null;
	dir: 'out' | 'in';
	/** cmd starts with NODE_: Node's own plumbing (cluster, handle passing), never a 'message' event. */
	internal: boolean;
	/** The message as it travelled, made JSON-safe; a handle travels inside {cmd:'NODE_HANDLE', type, msg}. */
	msg: unknown;
	/** Constructor name of the native handle that travelled with it (TCP, Pipe, UDP), or null. */
	handle: string | null;
};

export type TraceEvent = TraceStart | TraceExit | TraceMessage;

export function isMessage(event: TraceEvent): event is TraceMessage {
	return 'dir' in event;
}

export function isStart(event: TraceEvent): event is TraceStart {
	return 'event' in event && event.event === 'start';
}

export function isExit(event: TraceEvent): event is TraceExit {
	return 'event' in event && event.event === 'exit';
}

/** The spy's "this send threw, the out line with my pid and t never left" line. */
type Unsent = {t: number; pid: number; event: 'unsent'};

function isSend(candidate: TraceEvent, unsent: Unsent): boolean {
	return isMessage(candidate) && candidate.dir === 'out' && candidate.pid === unsent.pid && candidate.t === unsent.t;
}

function parseLine(line: string): TraceEvent | Unsent | undefined {
	if (line.trim() === '') return undefined;
	try {
		const value = JSON.parse(line) as Record<string, unknown>;
		if (typeof value !== 'object' || value === null || typeof value.t !== 'number' || typeof value.pid !== 'number') return undefined;
		return value as unknown as TraceEvent | Unsent;
	} catch {
		return undefined;
	}
}

/**
Incremental parser for a trace file that is still being written: push bytes as
they come, get whole events back. A line is only parsed once its newline has
arrived; a line that is not valid JSON (torn by a crash) is skipped.
*/
export class TraceParser {
	private rest = '';

	push(text: string): TraceEvent[] {
		const lines = (this.rest + text).split('\n');
		this.rest = lines.pop()!;
		return this.take(lines);
	}

	/** Whatever is left without a newline: a torn line if it does not parse. */
	end(): TraceEvent[] {
		const lines = [this.rest];
		this.rest = '';
		return this.take(lines);
	}

	private take(lines: string[]): TraceEvent[] {
		const events: TraceEvent[] = [];
		for (const line of lines) {
			const event = parseLine(line);
			if (!event) continue;
			if ('event' in event && event.event === 'unsent') {
				// Its out line came just before; drop it if it is in this batch (a live reader
				// may have had it in the previous one: that send threw in the program too).
				let at = events.length - 1;
				while (at >= 0 && !isSend(events[at]!, event)) at--;
				if (at >= 0) events.splice(at, 1);
				continue;
			}
			events.push(event as TraceEvent);
		}
		return events;
	}
}

/**
Every event in the file, in the order the processes wrote them. That order is
causal for each message: the sender writes its "out" line before the bytes
leave, so it always precedes the receiver's "in" line. Timestamps (`t`, epoch
ms with sub-ms precision) come from each process's own clock and may disagree
by a fraction of a millisecond between processes. A missing file reads as no
events.
*/
export function readTrace(file: string): TraceEvent[] {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
		throw error;
	}
	return parseTrace(text);
}

export function parseTrace(text: string): TraceEvent[] {
	const parser = new TraceParser();
	return [...parser.push(text), ...parser.end()];
}

/**
Follows a trace file while the traced processes still write to it: each read()
returns the events whose lines were completed since the last one.
*/
export class TraceTail {
	private offset = 0;
	private readonly parser = new TraceParser();
	private readonly decoder = new StringDecoder('utf8');
	private readonly buffer = Buffer.alloc(64 * 1024);

	constructor(private readonly file: string) {}

	read(): TraceEvent[] {
		let fd: number;
		try {
			fd = openSync(this.file, 'r');
		} catch {
			return [];
		}
		let text = '';
		try {
			for (;;) {
				const count = readSync(fd, this.buffer, 0, this.buffer.length, this.offset);
				if (count === 0) break;
				this.offset += count;
				text += this.decoder.write(this.buffer.subarray(0, count));
			}
		} finally {
			closeSync(fd);
		}
		return text === '' ? [] : this.parser.push(text);
	}

	/** The last events, once every writer is gone; a torn last line is dropped. */
	end(): TraceEvent[] {
		return [...this.read(), ...this.parser.push(this.decoder.end()), ...this.parser.end()];
	}
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
The message inside its handle envelope: `{cmd:'NODE_HANDLE', type, msg}` gives
msg and the envelope's type ('net.Native', 'net.Socket', 'net.Server'...); any
other message is its own inside.
*/
export function unwrap(msg: unknown): {inner: unknown; envelope: string | null} {
	if (isObject(msg) && msg.cmd === 'NODE_HANDLE' && 'msg' in msg) return {inner: msg.msg, envelope: typeof msg.type === 'string' ? msg.type : null};
	return {inner: msg, envelope: null};
}

/** A cluster message (cmd NODE_CLUSTER) as one side saw it, out of its handle envelope. */
export type ClusterMessage = {
	t: number;
	pid: number;
	peer: number | null;
	dir: 'out' | 'in';
	/** 'online', 'queryServer', 'listening', 'newconn', 'disconnect', 'close'...; undefined on a reply. */
	act: string | undefined;
	seq: number | undefined;
	/** On a reply: the seq of the message it answers. */
	ack: number | undefined;
	key: string | undefined;
	/** The native handle that came with it (TCP...), or null. */
	handle: string | null;
	/** The whole cluster message, without its envelope. */
	msg: Json;
};

/** Every NODE_CLUSTER message, unwrapped, in file order. Filter by dir to count each message once. */
export function clusterMessages(events: TraceEvent[]): ClusterMessage[] {
	const found: ClusterMessage[] = [];
	for (const event of events) {
		if (!isMessage(event)) continue;
		const {inner} = unwrap(event.msg);
		if (!isObject(inner) || inner.cmd !== 'NODE_CLUSTER') continue;
		found.push({
			t: event.t,
			pid: event.pid,
			peer: event.peer,
			dir: event.dir,
			act: typeof inner.act === 'string' ? inner.act : undefined,
			seq: typeof inner.seq === 'number' ? inner.seq : undefined,
			ack: typeof inner.ack === 'number' ? inner.ack : undefined,
			key: typeof inner.key === 'string' ? inner.key : undefined,
			handle: event.handle,
			msg: inner,
		});
	}
	return found;
}

/** One message with both its sides joined: who sent it to whom, and when each side saw it. */
export type IpcMessage = {
	from: number;
	to: number | null;
	/** When the sender handed it to Node; undefined if the sender did not record it (not spied, or a worker's 'online', sent before preloads run). */
	sentAt: number | undefined;
	/** When the receiver's 'message'/'internalMessage' fired; undefined if it never did (it died, or was not spied). */
	receivedAt: number | undefined;
	internal: boolean;
	msg: unknown;
	handle: string | null;
};

/**
A message as both sides can compare it. Sending an accepted net.Socket, Node
adds `key` (the server's connection key, "4:127.0.0.1:3000") to the
NODE_HANDLE envelope after the spy has written the sender's line, so the
receiver's copy has it and the sender's does not.
*/
function wireIdentity(msg: unknown): string {
	if (typeof msg === 'object' && msg !== null && (msg as {cmd?: unknown}).cmd === 'NODE_HANDLE') {
		const {key: _addedBySender, ...envelope} = msg as Record<string, unknown>;
		return JSON.stringify(envelope);
	}
	return JSON.stringify(msg);
}

/**
Joins "out" and "in" lines into messages, fed in file order. A channel keeps
order, so the first unmatched "out" from A to B is the one B's next "in" from A
received. What an "in" does not match (its sender was not spied) becomes a
message of its own.
*/
export class MessagePairer {
	private readonly waiting = new Map<string, IpcMessage[]>();

	/** Returns the message when the event starts one (an "out", or an "in" nobody sent); undefined when it completes one. */
	add(event: TraceMessage): IpcMessage | undefined {
		if (event.dir === 'out') {
			const message: IpcMessage = {from: event.pid, to: event.peer, sentAt: event.t, receivedAt: undefined, internal: event.internal, msg: event.msg, handle: event.handle};
			const channel = `${event.pid}>${event.peer}`;
			const queue = this.waiting.get(channel) ?? [];
			queue.push(message);
			this.waiting.set(channel, queue);
			return message;
		}
		const queue = this.waiting.get(`${event.peer}>${event.pid}`);
		const received = wireIdentity(event.msg);
		const sameMessage = queue?.findIndex(candidate => wireIdentity(candidate.msg) === received) ?? -1;
		if (queue && sameMessage >= 0) {
			// Anything queued before it was lost on the way (its receiver never emitted it).
			const [message] = queue.splice(0, sameMessage + 1).slice(-1);
			message!.receivedAt = event.t;
			if (event.handle && !message!.handle) message!.handle = event.handle;
			return undefined;
		}
		return {from: event.peer ?? -1, to: event.pid, sentAt: undefined, receivedAt: event.t, internal: event.internal, msg: event.msg, handle: event.handle};
	}
}

/** All messages of a trace, each once, in the order they were sent (or received, when the send was not seen). */
export function pairMessages(events: TraceEvent[]): IpcMessage[] {
	const pairer = new MessagePairer();
	const messages: IpcMessage[] = [];
	for (const event of events) {
		if (!isMessage(event)) continue;
		const started = pairer.add(event);
		if (started) messages.push(started);
	}
	return messages;
}

/** Who a process is, from its start line: the primary of a cluster, worker N, or another process. */
export type ProcessRole = {pid: number; role: 'primary' | 'worker' | 'other'; workerId: number | undefined; start: TraceStart | undefined};

/**
Roles of every pid in the trace: a worker is a process started with
NODE_UNIQUE_ID (or, if its start line is missing, one that sent a cluster
worker's message: online, queryServer...); a primary is the parent of a worker
(or the receiver of such a message).
*/
export function processRoles(events: TraceEvent[]): Map<number, ProcessRole> {
	const starts = new Map<number, TraceStart>();
	const pids = new Set<number>();
	const workers = new Set<number>();
	const primaries = new Set<number>();
	for (const event of events) {
		pids.add(event.pid);
		if (isStart(event)) starts.set(event.pid, event);
		if (isMessage(event) && event.peer !== null) pids.add(event.peer);
	}
	for (const start of starts.values()) if (start.uniqueId !== null) primaries.add(start.ppid);
	for (const message of clusterMessages(events)) {
		if (message.peer === null || message.act === undefined || !WORKER_ACTS.has(message.act)) continue;
		workers.add(message.dir === 'out' ? message.pid : message.peer);
		primaries.add(message.dir === 'out' ? message.peer : message.pid);
	}
	const roles = new Map<number, ProcessRole>();
	for (const pid of pids) {
		const start = starts.get(pid);
		const workerId = start?.uniqueId != null ? Number(start.uniqueId) : undefined;
		const role = workerId !== undefined || (!start && workers.has(pid)) ? 'worker' : primaries.has(pid) ? 'primary' : 'other';
		roles.set(pid, {pid, role, workerId, start});
	}
	return roles;
}

/** Cluster messages (act) only a worker sends to its primary. */
const WORKER_ACTS = new Set(['online', 'queryServer', 'listening', 'close', 'exitedAfterDisconnect']);
