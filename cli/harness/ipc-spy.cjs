'use strict';
// The IPC spy: preloaded into every Node process of a traced tree with
// NODE_OPTIONS="--require <this file>", it appends one JSON line per IPC message
// the process sends or receives to the file named by NCL_TRACE_FILE. Without
// that variable it does nothing at all.
//
// Line shapes (see ipc-trace.ts for the reader and the TraceEvent type):
//   {"t","pid","ppid","event":"start","argv","execArgv","uniqueId","channel"}  once, at load
//   {"t","pid","peer","dir":"out"|"in","internal","msg","handle"}              per message
//   {"t","pid","event":"exit","code"}                                          at a normal exit
//   {"t","pid","event":"unsent"}   send() threw: the "out" line with this t and pid never left
//
// What is recorded is the message as it travels on the wire, once per side:
// - A message sent with a handle is recorded as Node's envelope
//   {cmd:'NODE_HANDLE', type:'net.Native'|'net.Socket'|..., msg:<the message>},
//   with "handle" the constructor name of the native handle that travels (TCP,
//   Pipe, UDP). The receiver's second delivery of the inner message (with the
//   rebuilt Socket/Server) is not recorded again.
// - NODE_HANDLE_ACK / NACK and every cluster message (cmd NODE_CLUSTER) are
//   recorded like any other message.
// - A message sent while an earlier handle waits for its ACK sits in Node's
//   queue; it is recorded when it really leaves, not when send() was called.
//
// The spy must not change the program's behaviour: it adds no 'message'
// listener (one would keep the channel referenced and change when queued
// messages are delivered), it wraps send/emit and returns what they return,
// and it swallows its own errors.
//
// Known blind spots: a cluster worker sends {act:'online'} during Node's
// bootstrap, before preloads run, so only the primary's side records it; a
// user message that arrives before any 'message' listener exists is recorded
// when Node hands it over (when the first listener is added), or never.
// Worker threads are not traced (they share the process's channel and pid).

const file = process.env.NCL_TRACE_FILE;
if (file && isMainThread()) install(file);

function isMainThread() {
	try {
		return require('worker_threads').isMainThread;
	} catch {
		return true;
	}
}

function install(traceFile) {
	const fs = require('fs');
	let fd;
	try {
		// O_APPEND: every write lands at the end, so whole lines from many processes never
		// interleave. (libuv adds O_CLOEXEC: programs this process execs do not inherit it.)
		fd = fs.openSync(traceFile, 'a');
	} catch {
		return;
	}
	const {performance} = require('perf_hooks');
	const now = () => performance.timeOrigin + performance.now();
	const MAX_MESSAGE_CHARS = 64 * 1024;
	const WRAPPED = Symbol('ncl ipc spy');

	function writeLine(line) {
		try {
			fs.writeSync(fd, `${line}\n`);
		} catch {
			// A full disk or a removed file must not break the program.
		}
	}

	/** The message as JSON text: BigInt as "10n", too long cut, anything else failing noted. */
	function messageJson(message) {
		try {
			const text = JSON.stringify(message, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value));
			if (text === undefined) return 'null';
			if (text.length > MAX_MESSAGE_CHARS) return JSON.stringify({$truncated: text.length, head: text.slice(0, 256)});
			return text;
		} catch (error) {
			return JSON.stringify({$unserializable: String(error && error.message)});
		}
	}

	function isInternal(message) {
		return message !== null && typeof message === 'object' && typeof message.cmd === 'string' && message.cmd.startsWith('NODE_');
	}

	function isEnvelope(message) {
		return message !== null && typeof message === 'object' && message.cmd === 'NODE_HANDLE';
	}

	function record(t, dir, peer, message, handleName) {
		const head = JSON.stringify({t, pid: process.pid, peer: peer ?? null, dir, internal: isInternal(message)});
		writeLine(`${head.slice(0, -1)},"msg":${messageJson(message)},"handle":${JSON.stringify(handleName ?? null)}}`);
	}

	function constructorName(value) {
		return (value && value.constructor && value.constructor.name) || typeof value;
	}

	/**
	What send(message, handle) will put on the wire, computed before the call
	(sending a net.Socket empties its _handle): the NODE_HANDLE envelope and the
	native handle's name, or the bare message when no handle will travel (Node
	then drops the handle silently, e.g. a net.Server that is not listening).
	*/
	function wireForm(message, handle) {
		if (!handle) return {message, handleName: null};
		const net = require('net');
		let type;
		let native;
		if (handle instanceof net.Socket) {
			type = 'net.Socket';
			native = handle._handle;
		} else if (handle instanceof net.Server) {
			type = 'net.Server';
			native = handle._handle;
		} else if (constructorName(handle) === 'TCP' || constructorName(handle) === 'Pipe') {
			type = 'net.Native';
			native = handle;
		} else if (constructorName(handle) === 'UDP') {
			type = 'dgram.Native';
			native = handle;
		} else if (handle instanceof require('dgram').Socket) {
			type = 'dgram.Socket';
			native = {constructor: {name: 'UDP'}};
		} else {
			// Node throws ERR_INVALID_HANDLE_TYPE; the line is taken back ("unsent").
			return {message, handleName: constructorName(handle)};
		}
		if (!native) return {message, handleName: null};
		return {message: {cmd: 'NODE_HANDLE', type, msg: message}, handleName: constructorName(native)};
	}

	/** Wrap one side's _send (what send() and Node's own ACKs go through) and emit (how messages arrive). */
	function spyOn(target, peerOf) {
		if (target[WRAPPED] || typeof target._send !== 'function') return;
		target[WRAPPED] = true;

		const originalSend = target._send;
		target._send = function spiedSend(message, handle) {
			// Node's own rule (internal/child_process.js, same in 20, 22 and 24): while a sent
			// handle waits for its ACK, everything but ACK/NACK is queued and sent again
			// through _send after the ACK. Record it then, when it really leaves.
			const isAck = message !== null && typeof message === 'object' && (message.cmd === 'NODE_HANDLE_ACK' || message.cmd === 'NODE_HANDLE_NACK');
			const queued = Boolean(this._handleQueue) && (Boolean(handle) || !isAck);
			if (queued || message === undefined) return originalSend.apply(this, arguments);
			// Written before the real send, so a message's "out" line always precedes the
			// receiver's "in" line in the file.
			const t = now();
			let wire;
			try {
				wire = wireForm(message, handle);
			} catch {
				wire = {message, handleName: null};
			}
			record(t, 'out', peerOf(this), wire.message, wire.handleName);
			// No catch and rethrow: an error must reach the program exactly as Node threw it.
			let threw = true;
			try {
				const result = originalSend.apply(this, arguments);
				threw = false;
				return result;
			} finally {
				// It never left (a BigInt in json mode, an invalid handle...): take the line back.
				if (threw) writeLine(JSON.stringify({t, pid: process.pid, event: 'unsent'}));
			}
		};

		const originalEmit = target.emit;
		target.emit = function spiedEmit(event, message, handle) {
			if (event === 'message' || event === 'internalMessage') {
				// A handle with a non-envelope message is Node delivering the inside of an
				// envelope already recorded, now with the rebuilt Socket/Server.
				if (handle == null || isEnvelope(message)) record(now(), 'in', peerOf(this), message, handle == null ? null : constructorName(handle));
			}
			return originalEmit.apply(this, arguments);
		};
	}

	const uniqueId = process.env.NODE_UNIQUE_ID ?? uniqueIdFromProc();
	const startLine = {t: now(), pid: process.pid, ppid: process.ppid, event: 'start', argv: process.argv, execArgv: process.execArgv, uniqueId, channel: Boolean(process.channel)};
	writeLine(JSON.stringify(startLine));

	// The child side: Node set up process.send/_send before preloads run.
	if (process.channel) {
		const parent = process.ppid;
		spyOn(process, () => parent);
	}

	// The parent side: every ChildProcess gets its channel inside spawn().
	const {ChildProcess} = require('child_process');
	const originalSpawn = ChildProcess.prototype.spawn;
	ChildProcess.prototype.spawn = function spiedSpawn() {
		const result = originalSpawn.apply(this, arguments);
		try {
			if (this.channel) spyOn(this, child => child.pid);
		} catch {
			// Never break a spawn.
		}
		return result;
	};

	process.on('exit', code => writeLine(JSON.stringify({t: now(), pid: process.pid, event: 'exit', code})));
}

/**
Cluster workers lose NODE_UNIQUE_ID from process.env during bootstrap (before
preloads run); the environment they were started with still has it.
*/
function uniqueIdFromProc() {
	try {
		const entry = require('fs')
			.readFileSync('/proc/self/environ', 'latin1')
			.split('\0')
			.find(pair => pair.startsWith('NODE_UNIQUE_ID='));
		return entry === undefined ? null : entry.slice('NODE_UNIQUE_ID='.length);
	} catch {
		return null;
	}
}
