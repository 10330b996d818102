/**
The IPC spy (cli/harness/ipc-spy.cjs) in real process trees, and the trace
reader (cli/harness/ipc-trace.ts): both directions and handles are recorded,
the program behaves the same with and without it, and nothing happens without
NCL_TRACE_FILE.
*/
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterAll, describe, expect, it} from 'vitest';
import {clusterMessages, ipcSpyFile, isExit, isMessage, isStart, pairMessages, parseTrace, processRoles, readTrace, spyEnvironment, TraceParser, unwrap, type TraceEvent, type TraceMessage} from '../../cli/harness/ipc-trace.js';

const clusterApp = fileURLToPath(new URL('../fixtures/trace/cluster-app.cjs', import.meta.url));
const handlesApp = fileURLToPath(new URL('./fixtures/ipc-handles.cjs', import.meta.url));

const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ncl-spy-test-'));
let files = 0;
afterAll(() => fs.rmSync(tempRoot, {recursive: true, force: true}));

type Run = {code: number | null; stdout: string; stderr: string; events: TraceEvent[]; file: string};

/**
Run a fixture in its own process group, with the spy when `traced`, and wait
(bounded) for it to exit on its own; on timeout the whole group is killed.
*/
async function run(script: string, options: {traced: boolean; env?: Record<string, string>; spyOnly?: boolean}): Promise<Run> {
	const file = path.join(tempRoot, `trace-${files++}.jsonl`);
	const env: Record<string, string> = {PATH: process.env.PATH ?? '', ...options.env};
	if (options.traced) Object.assign(env, spyEnvironment(file));
	if (options.spyOnly) env.NODE_OPTIONS = spyEnvironment(file).NODE_OPTIONS;
	const child = execa(process.execPath, [script], {env, extendEnv: false, detached: true, stdin: 'ignore', stripFinalNewline: false, reject: false});
	// execa's own timeout would end the fixture alone: a SIGKILL of the group ends its workers too.
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		process.kill(-child.pid!, 'SIGKILL');
	}, 8000);
	const result = await child.finally(() => clearTimeout(timer));
	if (timedOut) throw new Error(`${path.basename(script)} did not exit within 8 s: ${result.stderr}`);
	if (result.exitCode === undefined && result.signal === undefined) throw result;
	return {code: result.exitCode ?? null, stdout: result.stdout, stderr: result.stderr, events: readTrace(file), file};
}

const messagesOf = (events: TraceEvent[]) => events.filter(isMessage);
const json = (value: unknown) => JSON.stringify(value);

describe('the spy in a real cluster with traffic (round-robin)', () => {
	let result: Run;
	it('records the cluster handshake and every connection, on both sides', async () => {
		result = await run(clusterApp, {traced: true, env: {NODE_CLUSTER_SCHED_POLICY: 'rr', WORKERS: '2', REQUESTS: '4'}});
		expect(result.code, result.stderr).toBe(0);
		const {events} = result;
		const roles = processRoles(events);
		const workers = [...roles.values()].filter(role => role.role === 'worker');
		const primary = [...roles.values()].find(role => role.role === 'primary');
		expect(workers.map(worker => worker.workerId).sort()).toEqual([1, 2]);
		expect(primary).toBeDefined();
		expect(events.filter(isExit).map(event => event.code)).toEqual([0, 0, 0]);

		const cluster = clusterMessages(events);
		const sent = (act: string) => cluster.filter(message => message.dir === 'out' && message.act === act);
		const received = (act: string) => cluster.filter(message => message.dir === 'in' && message.act === act);
		// online is sent during the worker's bootstrap, before preloads: only the primary's side sees it.
		expect(received('online').map(message => message.pid)).toEqual([primary!.pid, primary!.pid]);
		expect(sent('online')).toEqual([]);
		for (const act of ['queryServer', 'listening', 'close']) {
			expect(sent(act).map(message => message.pid).sort(), act).toEqual(workers.map(worker => worker.pid).sort());
			expect(received(act).every(message => message.pid === primary!.pid), act).toBe(true);
		}
		expect(sent('disconnect')).toHaveLength(2);
		expect(received('disconnect')).toHaveLength(2);

		// Under round-robin the queryServer reply carries no handle, and every connection
		// travels as newconn + a TCP handle, ACKed, then accepted.
		const replies = cluster.filter(message => message.dir === 'out' && message.pid === primary!.pid && message.ack === 1);
		expect(replies).toHaveLength(2);
		expect(replies.every(message => message.handle === null && typeof message.key === 'string')).toBe(true);
		expect(sent('newconn')).toHaveLength(4);
		expect(received('newconn')).toHaveLength(4);
		expect([...sent('newconn'), ...received('newconn')].every(message => message.handle === 'TCP')).toBe(true);
		const acks = messagesOf(events).filter(event => json(event.msg) === json({cmd: 'NODE_HANDLE_ACK'}));
		expect(acks.filter(event => event.dir === 'out')).toHaveLength(4);
		expect(acks.filter(event => event.dir === 'in')).toHaveLength(4);
		const accepted = cluster.filter(message => message.msg.accepted === true);
		expect(accepted.filter(message => message.dir === 'out')).toHaveLength(4);
	});

	it('writes the wire form: the NODE_HANDLE envelope around a message that carries a handle', () => {
		const newconn = messagesOf(result.events).find(event => event.dir === 'out' && event.handle === 'TCP')!;
		expect(newconn.msg).toMatchObject({cmd: 'NODE_HANDLE', type: 'net.Native', msg: {cmd: 'NODE_CLUSTER', act: 'newconn'}});
		expect(newconn.internal).toBe(true);
		expect(unwrap(newconn.msg)).toMatchObject({envelope: 'net.Native', inner: {act: 'newconn'}});
	});

	it('pairs each sent message with its receipt: every message but online is seen by both sides', () => {
		const messages = pairMessages(result.events);
		const unsent = messages.filter(message => message.sentAt === undefined);
		expect(unsent.map(message => (unwrap(message.msg).inner as {act?: string}).act)).toEqual(['online', 'online']);
		const unreceived = messages.filter(message => message.receivedAt === undefined);
		expect(unreceived).toEqual([]);
		// The file order is causal: the out line comes before the matching in line.
		for (const message of messages) if (message.sentAt !== undefined) expect(message.receivedAt! - message.sentAt).toBeGreaterThan(-1);
	});
});

describe('the spy with the shared-handle policy', () => {
	it('sees the queryServer reply carry the listening TCP handle, and no newconn', async () => {
		const {code, events, stderr} = await run(clusterApp, {traced: true, env: {NODE_CLUSTER_SCHED_POLICY: 'none', WORKERS: '2', REQUESTS: '2'}});
		expect(code, stderr).toBe(0);
		const cluster = clusterMessages(events);
		const replies = cluster.filter(message => message.ack === 1 && message.act === undefined);
		expect(replies).toHaveLength(4); // 2 workers, both sides
		expect(replies.every(message => message.handle === 'TCP' && message.msg.errno === 0)).toBe(true);
		expect(cluster.filter(message => message.act === 'newconn')).toEqual([]);
	});
});

describe('the spy with fork() and user messages', () => {
	it('records user messages and a sent net.Server, queues behind the handle, takes back a send that threw', async () => {
		const {code, events, stderr} = await run(handlesApp, {traced: true});
		expect(code, stderr).toBe(0);
		const [parent, child] = events.filter(isStart);
		expect(child!.ppid).toBe(parent!.pid);
		expect(child!.channel).toBe(true);
		const messages = messagesOf(events);
		const line = (event: TraceMessage) => `${event.pid === parent!.pid ? 'parent' : 'child'} ${event.dir} ${json(event.msg)}${event.handle ? ` ${event.handle}` : ''}`;
		expect(messages.map(line)).toEqual(
			expect.arrayContaining([
				'parent out {"kind":"plain"}',
				'child in {"kind":"plain"}',
				'parent out {"cmd":"NODE_HANDLE","type":"net.Server","msg":{"kind":"server"}} TCP',
				'child in {"cmd":"NODE_HANDLE","type":"net.Server","msg":{"kind":"server"}} TCP',
				'child out {"cmd":"NODE_HANDLE_ACK"}',
				'parent in {"cmd":"NODE_HANDLE_ACK"}',
				'child out {"got":"server","handle":"Server"}',
			]),
		);
		// Every message once per side: 3 sent by the parent (the BigInt one never left), 4 by the child.
		expect(messages.filter(event => event.dir === 'out')).toHaveLength(7);
		expect(messages.filter(event => event.dir === 'in')).toHaveLength(7);
		expect(messages.some(event => json(event.msg).includes('big'))).toBe(false);
		// 'after' waited in Node's queue for the ACK: it leaves after the ACK came back.
		const order = messages.filter(event => event.pid === parent!.pid).map(line);
		expect(order.indexOf('parent out {"kind":"after"}')).toBeGreaterThan(order.indexOf('parent in {"cmd":"NODE_HANDLE_ACK"}'));
		expect(messages.find(event => json(event.msg) === json({cmd: 'NODE_HANDLE_ACK'}))!.internal).toBe(true);
		expect(messages.find(event => json(event.msg) === json({kind: 'plain'}))!.internal).toBe(false);
	});

	it('does not change what the program does: same output, send() results and callbacks, and it exits by itself', async () => {
		const plain = await run(handlesApp, {traced: false});
		const traced = await run(handlesApp, {traced: true});
		expect(plain.code).toBe(0);
		expect(traced.code).toBe(0);
		expect(traced.stdout).toBe(plain.stdout);
		expect(JSON.parse(traced.stdout)).toEqual({
			returns: [true, true, true],
			callbacks: 3,
			answers: [
				{got: 'plain', handle: null},
				{got: 'server', handle: 'Server'},
				{got: 'after', handle: null},
			],
			bigint: 'TypeError',
		});
	});
});

describe('without NCL_TRACE_FILE', () => {
	it('preloaded, the spy wraps nothing and writes nothing', async () => {
		const probe = path.join(tempRoot, 'probe.cjs');
		fs.writeFileSync(
			probe,
			[
				"const {ChildProcess, fork} = require('node:child_process');",
				"const names = target => ({send: target._send.name, emit: target.emit.name});",
				"if (process.argv[2] === 'child') { console.log(JSON.stringify(names(process))); process.disconnect(); }",
				"else { const child = fork(__filename, ['child'], {stdio: ['ignore', 'inherit', 'inherit', 'ipc']}); console.log(JSON.stringify({spawn: ChildProcess.prototype.spawn.name, ...names(child)})); }",
			].join('\n'),
		);
		const result = await run(probe, {traced: false, spyOnly: true});
		expect(result.code, result.stderr).toBe(0);
		const lines = result.stdout.trim().split('\n');
		expect(lines).toHaveLength(2);
		// The spy's wrappers are named spiedSpawn, spiedSend, spiedEmit.
		expect(lines.join('\n')).not.toMatch(/spied/);
		expect(fs.existsSync(result.file)).toBe(false);
		expect(fs.readdirSync(tempRoot).filter(name => name.endsWith('.jsonl') && name === path.basename(result.file))).toEqual([]);
		expect(ipcSpyFile.endsWith(path.join('cli', 'harness', 'ipc-spy.cjs'))).toBe(true);
	});
});

describe('readTrace and the parser', () => {
	const start = {t: 1, pid: 10, ppid: 1, event: 'start', argv: ['node', 'a.js'], uniqueId: null};
	const out = {t: 2, pid: 10, peer: 11, dir: 'out', internal: true, msg: {cmd: 'NODE_CLUSTER', act: 'disconnect', seq: 3}, handle: null};

	it('tolerates a torn last line, blank lines and junk', () => {
		const file = path.join(tempRoot, 'torn.jsonl');
		fs.writeFileSync(file, `${json(start)}\n\nnot json\n${json(out)}\n{"t":3,"pid":11,"peer":10,"dir":"in","inte`);
		expect(readTrace(file)).toEqual([start, out]);
	});

	it('reads a missing file as no events', () => {
		expect(readTrace(path.join(tempRoot, 'nothing-here.jsonl'))).toEqual([]);
	});

	it('parses a line only once its newline has arrived', () => {
		const parser = new TraceParser();
		const text = `${json(start)}\n${json(out)}\n`;
		expect(parser.push(text.slice(0, 30))).toEqual([]);
		expect(parser.push(text.slice(30, text.length - 5))).toEqual([start]);
		expect(parser.push(text.slice(text.length - 5))).toEqual([out]);
		expect(parser.end()).toEqual([]);
	});

	it('tells roles from start lines, or from the cluster messages when a start line is missing', () => {
		const online = {t: 3, pid: 10, peer: 12, dir: 'in', internal: true, msg: {cmd: 'NODE_CLUSTER', act: 'online', seq: 0}, handle: null};
		const worker = {t: 4, pid: 11, ppid: 10, event: 'start', argv: ['node', 'a.js'], uniqueId: '1'};
		const roles = processRoles(parseTrace([start, worker, online].map(event => json(event)).join('\n')));
		expect([...roles.values()].map(({pid, role, workerId}) => ({pid, role, workerId}))).toEqual([
			{pid: 10, role: 'primary', workerId: undefined},
			{pid: 11, role: 'worker', workerId: 1},
			{pid: 12, role: 'worker', workerId: undefined},
		]);
	});

	it('pairs a sent net.Socket with its receipt although Node adds the server\'s key to the envelope on the way', () => {
		const inner = {cmd: 'NODE_CLUSTER', act: 'newconn', seq: 3};
		const sent: TraceMessage = {t: 1, pid: 10, peer: 11, dir: 'out', internal: true, msg: {cmd: 'NODE_HANDLE', type: 'net.Socket', msg: inner}, handle: 'TCP'};
		const received: TraceMessage = {...sent, t: 2, pid: 11, peer: 10, dir: 'in', msg: {cmd: 'NODE_HANDLE', type: 'net.Socket', msg: inner, key: '4:127.0.0.1:3000'}};
		const messages = pairMessages([sent, received]);
		expect(messages).toHaveLength(1);
		expect(messages[0]).toMatchObject({from: 10, to: 11, sentAt: 1, receivedAt: 2});
	});

	it('drops the out line of a send that threw', () => {
		expect(parseTrace(`${json(start)}\n${json(out)}\n${json({t: 2, pid: 10, event: 'unsent'})}\n`)).toEqual([start]);
	});
});
