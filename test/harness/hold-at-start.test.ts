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
import {armHold, holdEnvironment} from '../../cli/harness/hold-at-start.js';
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

function start(env: Record<string, string>): {lines: () => string[]; done: ResultPromise} {
	let out = '';
	running = execa(process.execPath, [fixture], {env: {PATH: process.env.PATH ?? '', ...env}, extendEnv: false, detached: true, stdin: 'ignore', reject: false, buffer: false});
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
});
