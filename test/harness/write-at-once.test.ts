import {fork, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {writtenWhileFrozen} from '../../cli/harness/write-at-once.js';

const fixture = path.join(import.meta.dirname, 'fixtures', 'hand-over.cjs');
const started: ChildProcess[] = [];
afterEach(() => {
	// Disconnecting makes the primary kill its child and exit.
	for (const primary of started.splice(0)) primary.kill('SIGKILL');
});

async function primary(mode: 'paused' | 'reads'): Promise<{pid: number; port: number}> {
	const child = fork(fixture, [mode], {stdio: 'ignore'});
	started.push(child);
	const [port] = (await once(child, 'message')) as [number];
	return {pid: child.pid!, port};
}

describe('writtenWhileFrozen', () => {
	it('sees a primary that reads on accept take every request before the hand-over, and gives them up at once', async () => {
		const {pid, port} = await primary('reads');
		const started = Date.now();
		const outcome = await writtenWhileFrozen({acceptor: pid, host: '127.0.0.1', port, count: 6, timeoutMs: 20_000});
		expect(outcome.judged).toBe(true);
		expect(outcome.readByAcceptor).toBe(6);
		expect(outcome.results.every(result => result.hung && /read by pid/.test(result.error ?? ''))).toBe(true);
		// Not the 20 s timeout: the verdict came from /proc.
		expect(Date.now() - started).toBeLessThan(15_000);
	});

	it('finds every request unread with pauseOnConnect, and each answered by the child once it goes on', async () => {
		const {pid, port} = await primary('paused');
		const outcome = await writtenWhileFrozen({acceptor: pid, host: '127.0.0.1', port, count: 6, timeoutMs: 20_000});
		expect(outcome.judged).toBe(true);
		expect(outcome.readByAcceptor).toBe(0);
		expect(outcome.results.map(result => result.status)).toEqual([200, 200, 200, 200, 200, 200]);
		expect(new Set(outcome.results.map(result => result.pid)).has(pid)).toBe(false);
	});
});
