import {mkdtempSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {startLabProcess, type LabProcess} from '../../cli/harness/lab-process.js';
import {pickFreePort} from '../../cli/harness/ports.js';
import {waitForListening} from '../../cli/harness/readiness.js';

const started: LabProcess[] = [];
afterEach(async () => {
	await Promise.all(started.splice(0).map(async lab => lab.stop()));
});

/** A throwaway lab folder holding one ESM file. */
function program(source: string): string {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'ncl-ready-'));
	writeFileSync(path.join(dir, 'main.mjs'), source);
	return dir;
}

async function start(source: string) {
	const port = await pickFreePort();
	const lab = startLabProcess({cwd: program(source), entry: 'main.mjs', env: {PORT: String(port), HOST: '127.0.0.1'}});
	started.push(lab);
	return {lab, port};
}

describe('waitForListening', () => {
	it('is ready as soon as the program listens', async () => {
		const {lab, port} = await start("import net from 'node:net'; net.createServer().listen(Number(process.env.PORT), process.env.HOST);");
		const result = await waitForListening(lab, '127.0.0.1', port, 5000);
		expect(result.ready).toBe(true);
	});

	it('notices at once that the program exited, without waiting out the deadline', async () => {
		const {lab, port} = await start('process.exit(3);');
		const begun = Date.now();
		const result = await waitForListening(lab, '127.0.0.1', port, 10_000);
		expect(result).toMatchObject({ready: false, reason: 'exited', code: 3});
		expect(Date.now() - begun).toBeLessThan(5000);
	});

	it('gives up at the deadline when nothing listens', async () => {
		const {lab, port} = await start('setInterval(() => {}, 1000);');
		const result = await waitForListening(lab, '127.0.0.1', port, 700);
		expect(result).toMatchObject({ready: false, reason: 'timeout'});
	});
});

describe('LabProcess', () => {
	it('reports the primary pid, its output lines, and ends the whole group on stop', async () => {
		const {lab} = await start("import {fork} from 'node:child_process'; if (process.argv[2] !== 'child') { fork(new URL(import.meta.url).pathname, ['child']); console.log('primary up'); } setInterval(() => {}, 1000);");
		const pid = await lab.primaryPid;
		expect(pid).toBeGreaterThan(0);
		const {pollUntil} = await import('../../cli/checks/common.js');
		expect(await pollUntil(() => (lab.members().length >= 2 ? true : undefined), 5000)).toBe(true);
		expect(await pollUntil(() => (lab.output().includes('primary up') ? true : undefined), 5000)).toBe(true);
		await lab.stop();
		expect(lab.members()).toEqual([]);
	});
});
