/**
The trace command's timeline on a hand-written trace: one line per message
(the receiver's copy folded in), roles, act names, acks paired with what they
answer, the program's own messages only with --all, and the summary.
*/
import {describe, expect, it} from 'vitest';
import type {TraceEvent} from '../../cli/harness/ipc-trace.js';
import {Timeline} from '../../cli/harness/trace-timeline.js';

const P = 100;
const W = 200;
const key = '127.0.0.1:3000:4:undefined';
let clock = 1000;
const at = () => (clock += 1);
const start = (pid: number, ppid: number, uniqueId: string | null): TraceEvent => ({t: at(), pid, ppid, event: 'start', argv: ['/usr/bin/node', '/labs/app.js'], uniqueId});
/** Both sides of one message: the sender's out line, then the receiver's in line. */
const both = (from: number, to: number, msg: unknown, handle: string | null = null): TraceEvent[] => [
	{t: at(), pid: from, peer: to, dir: 'out', internal: JSON.stringify(msg).includes('"NODE_'), msg, handle},
	{t: at(), pid: to, peer: from, dir: 'in', internal: JSON.stringify(msg).includes('"NODE_'), msg, handle},
];
const cluster = (fields: Record<string, unknown>) => ({cmd: 'NODE_CLUSTER', ...fields});
const envelope = (msg: unknown) => ({cmd: 'NODE_HANDLE', type: 'net.Native', msg});

function trace(): TraceEvent[] {
	clock = 1000;
	return [
		start(P, 1, null),
		// The worker's online arrives before its spy has loaded: only the primary's in line exists.
		{t: at(), pid: P, peer: W, dir: 'in', internal: true, msg: cluster({act: 'online', seq: 0}), handle: null},
		start(W, P, '1'),
		...both(W, P, cluster({act: 'queryServer', address: '127.0.0.1', port: 3000, addressType: 4, seq: 1})),
		...both(P, W, cluster({errno: null, key, ack: 1, seq: 0})),
		...both(W, P, cluster({act: 'listening', address: '127.0.0.1', port: 3000, seq: 2})),
		...both(P, W, envelope(cluster({act: 'newconn', key, seq: 1})), 'TCP'),
		...both(W, P, {cmd: 'NODE_HANDLE_ACK'}),
		...both(W, P, cluster({ack: 1, accepted: true, seq: 3})),
		...both(P, W, envelope(cluster({act: 'newconn', key, seq: 2})), 'TCP'),
		...both(W, P, {cmd: 'NODE_HANDLE_ACK'}),
		...both(W, P, cluster({ack: 2, accepted: false, seq: 4})),
		...both(P, W, {hello: 'from the program'}),
		...both(P, W, cluster({act: 'disconnect', seq: 3})),
		...both(W, P, cluster({act: 'close', key, seq: 5})),
		{t: at(), pid: W, event: 'exit', code: 0},
	];
}

function render(all: boolean, procs?: {uniqueId: (pid: number) => string | null | undefined}) {
	const timeline = new Timeline({all, cwd: '/labs', procs});
	const lines = trace().flatMap(event => timeline.add(event));
	return {lines, timeline};
}

describe('Timeline', () => {
	it('prints one line per message, from sender to receiver, with act, key, handle and seq/ack', () => {
		const {lines} = render(false, {uniqueId: pid => (pid === W ? '1' : null)});
		const text = lines.map(line => line.replace(/^ +\d+\.\d {2}/, '').replace(/ +/g, ' '));
		expect(text).toEqual([
			'node 100 started: node app.js',
			"worker#1 200 → primary 100 online (seq 0) [receiver's copy: sent before the spy loaded]",
			'worker#1 200 started: node app.js',
			'worker#1 200 → primary 100 queryServer 127.0.0.1:3000 (seq 1)',
			`primary 100 → worker#1 200 reply to queryServer: key ${key}, no handle (round-robin: the primary accepts) (ack 1, seq 0)`,
			'worker#1 200 → primary 100 listening 127.0.0.1:3000 (seq 2)',
			`primary 100 → worker#1 200 newconn key ${key} + TCP handle (seq 1)`,
			'worker#1 200 → primary 100 NODE_HANDLE_ACK: the handle arrived, the next one may be sent',
			'worker#1 200 → primary 100 accepted (ack 1, seq 3)',
			`primary 100 → worker#1 200 newconn key ${key} + TCP handle (seq 2)`,
			'worker#1 200 → primary 100 NODE_HANDLE_ACK: the handle arrived, the next one may be sent',
			'worker#1 200 → primary 100 not accepted (worker at maxConnections): the primary tries another worker (ack 2, seq 4)',
			'primary 100 → worker#1 200 disconnect (seq 3)',
			`worker#1 200 → primary 100 close key ${key} (seq 5)`,
			'worker#1 200 exits with code 0',
		]);
		// Milliseconds since the first event.
		expect(lines[0]).toMatch(/^ +0\.0 {2}/);
		expect(lines[1]).toMatch(/^ +1\.0 {2}/);
	});

	it('tells roles from the cluster messages when /proc cannot (worker#? until its start line)', () => {
		const {lines} = render(false, {uniqueId: () => undefined});
		expect(lines[1]).toMatch(/worker#\? 200 +→ primary 100 +online/);
		expect(lines[3]).toMatch(/worker#1 200 +→ primary 100 +queryServer/);
	});

	it("shows the program's own messages only with --all", () => {
		expect(render(false).lines.join('\n')).not.toContain('from the program');
		expect(render(true).lines.join('\n')).toMatch(/primary 100 +→ worker#1 200 +message \{"hello":"from the program"\}/);
	});

	it('sums up: processes with their exits, counts, keys, the policy the replies show, connections per worker', () => {
		const {timeline} = render(false);
		timeline.killedBy(P, 'SIGTERM');
		const summary = timeline.summary();
		expect(summary[0]).toBe("2 processes, 12 internal messages (10 NODE_CLUSTER, 2 carrying a handle, 2 NODE_HANDLE_ACK), 1 of the program's own messages (--all shows them).");
		expect(summary).toContain('  primary 100       node app.js  killed by SIGTERM');
		expect(summary).toContain('  worker#1 200      node app.js  exit code 0');
		expect(summary.join('\n')).toContain(`Handle keys (the primary's name for each listening address): ${key}`);
		expect(summary.join('\n')).toContain('No queryServer reply carried a handle');
		expect(summary.join('\n')).toContain('Connections handed out (newconn): worker#1 200: 2');
	});
});
