/**
The hold at start (cli/harness/hold-at-start.cjs and .ts) in a real process
tree: armed, every Node process waits before its first line until release();
armed for IPC children only, the parent runs on and its fork()ed child waits,
at most its maxMs. The fixture prints when each process gets to run.
*/
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execa, type ResultPromise} from 'execa';
import {afterAll, afterEach, describe, expect, it} from 'vitest';
import {armHold, holdEnvironment, restartWithChildrenHeldUnlessWaiting} from '../../cli/harness/hold-at-start.js';
import {eventually} from '../eventually.js';

const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ncl-hold-test-'));
afterAll(() => fs.rmSync(tempRoot, {recursive: true, force: true}));

// The parent prints "parent <pid>", forks itself as the child, which prints "child <pid>" and exits;
// the parent exits once its child has.
const fixture = path.join(tempRoot, 'tree.cjs');
fs.writeFileSync(
	fixture,
	`const {fork} = require('child_process');
if (process.send) { console.log('child ' + process.pid); process.exit(0); }
console.log('parent ' + process.pid);
fork(__filename, [], {stdio: ['ignore', 'inherit', 'inherit', 'ipc']}).on('exit', () => process.exit(0));
`,
);

// A primary that waits for its child: it forks it, says "waiting <pid>", and exits once the child's
// "ready" comes (the child sends it and exits).
const waiter = path.join(tempRoot, 'waiter.cjs');
fs.writeFileSync(
	waiter,
	`const {fork} = require('child_process');
if (process.send) { process.send('ready', () => process.exit(0)); } else {
const child = fork(__filename, [], {stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
child.on('message', () => { console.log('ready'); child.on('exit', () => process.exit(0)); });
console.log('waiting ' + process.pid);
}
`,
);

let running: ResultPromise | undefined;
afterEach(() => {
	if (running?.pid) {
		try {
			process.kill(-running.pid, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}
	running = undefined;
});

function start(env: Record<string, string>, file = fixture): {lines: () => string[]; done: ResultPromise} {
	let out = '';
	running = execa(process.execPath, [file], {env: {PATH: process.env.PATH ?? '', ...env}, extendEnv: false, detached: true, stdin: 'ignore', reject: false, buffer: false});
	running.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
	return {lines: () => out.split('\n').filter(Boolean), done: running};
}

describe('hold at start', () => {
	it('holds every process of the tree until released', async () => {
		const env = holdEnvironment('ncl-hold-test-all');
		const hold = armHold(env.NCL_HOLD_FILE);
		const tree = start(env);
		const held = await eventually(() => {
			const pids = hold.held();
			expect(pids).toHaveLength(1);
			return pids;
		});
		expect(tree.lines()).toEqual([]); // the parent itself waits
		expect(held[0]).toBeGreaterThan(0);
		hold.release();
		await tree.done;
		expect(tree.lines().map(line => line.split(' ')[0])).toEqual(['parent', 'child']);
	});

	it('with ipcChildrenOnly, lets the parent run and holds its child until released', async () => {
		const env = holdEnvironment('ncl-hold-test-children');
		const hold = armHold(env.NCL_HOLD_FILE, {ipcChildrenOnly: {maxMs: 20_000}});
		const tree = start(env);
		const [child] = await eventually(() => {
			const pids = hold.held();
			expect(pids).toHaveLength(1);
			return pids;
		});
		const parent = Number(tree.lines()[0]?.split(' ')[1]);
		expect(tree.lines()).toEqual([`parent ${parent}`]);
		expect(child).not.toBe(parent);
		hold.release();
		await tree.done;
		expect(tree.lines()).toEqual([`parent ${parent}`, `child ${child}`]);
	});

	it('with ipcChildrenOnly, a child goes on by itself after maxMs, and is no longer listed as held', async () => {
		const env = holdEnvironment('ncl-hold-test-expires');
		const hold = armHold(env.NCL_HOLD_FILE, {ipcChildrenOnly: {maxMs: 600}});
		try {
			const tree = start(env);
			await eventually(() => expect(hold.held()).toHaveLength(1));
			await tree.done; // never released: the child's own limit lets it go
			expect(tree.lines().map(line => line.split(' ')[0])).toEqual(['parent', 'child']);
			expect(hold.held()).toEqual([]);
		} finally {
			hold.release();
		}
	});

	describe('unless the primary is seen waiting (restartWithChildrenHeldUnlessWaiting)', () => {
		const MAX_MS = 25_000;

		it('lets the child go once its primary sleeps with nothing listening, long before maxMs', async () => {
			const env = holdEnvironment('ncl-hold-test-waiting');
			let tree: ReturnType<typeof start> | undefined;
			const primaryPid = () => Number(tree?.lines()[0]?.split(' ')[1] ?? 0);
			const started = Date.now();
			// "restart" ends when the child's ready arrives: only once the hold is released.
			const {hold, waited} = await restartWithChildrenHeldUnlessWaiting(env.NCL_HOLD_FILE, {maxMs: MAX_MS, children: 1, quietMs: 300, primaryPid, listening: () => false}, async () => {
				tree = start(env, waiter);
				await eventually(() => expect(tree!.lines()).toContain('ready'), {timeout: MAX_MS + 5000});
			});
			expect(waited).toBe(true);
			expect(Date.now() - started).toBeLessThan(MAX_MS - 5000);
			expect(hold.held()).toEqual([]);
			await tree!.done;
		});

		it('keeps the child held when its primary listens (here: says so) while the child is held', async () => {
			const env = holdEnvironment('ncl-hold-test-listens');
			let tree: ReturnType<typeof start> | undefined;
			const primaryPid = () => Number(tree?.lines()[0]?.split(' ')[1] ?? 0);
			const {hold, waited} = await restartWithChildrenHeldUnlessWaiting(env.NCL_HOLD_FILE, {maxMs: MAX_MS, children: 1, quietMs: 300, primaryPid, listening: () => true}, async () => {
				tree = start(env, waiter);
				// As long as the watcher would need to see the primary idle, and longer.
				await eventually(() => expect(fs.readFileSync(env.NCL_HOLD_FILE, 'utf8').split('\n').filter(line => /^\d+ /.test(line))).toHaveLength(1));
				await new Promise(resolve => setTimeout(resolve, 1000));
			});
			try {
				expect(waited).toBe(false);
				expect(hold.held()).toHaveLength(1);
				expect(hold.registered()).toEqual(hold.held());
				expect(tree!.lines()).not.toContain('ready');
			} finally {
				hold.release();
			}
			await tree!.done;
			expect(tree!.lines()).toContain('ready');
		});
	});
});
