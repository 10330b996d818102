/**
doctor's nginx probe through the bundled CLI, with a fake `nginx` first on PATH:
a probe that fails, hangs or is missing gives one plain line naming the command
and what it said, never a stack trace; Ctrl-C or SIGTERM during the probe leave
no nginx running (execa's cleanup, since the kit exits at once).
*/
import {chmodSync, existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {isAlive} from '../../cli/harness/procfs.js';
import {eventually} from '../eventually.js';
import {buildCli, removeTempDirs, runCli, stackLines, startCli, survivors, tempDir} from './helpers.js';

beforeAll(() => {
	buildCli();
}, 60_000);

afterEach(async () => {
	await eventually(() => expect(survivors()).toEqual([]));
});

afterAll(() => {
	removeTempDirs();
});

/** A folder holding only a fake nginx with this shell body, to put first on PATH. */
function fakeNginx(body: string): string {
	const bin = tempDir('ncl-fake-nginx-');
	writeFileSync(path.join(bin, 'nginx'), `#!/bin/sh\n${body}\n`);
	chmodSync(path.join(bin, 'nginx'), 0o755);
	return bin;
}

const nginxLine = (stdout: string) => stdout.split('\n').find(line => /^\S+\s+nginx\s/.test(line));

describe('doctor: nginx -v', () => {
	it('a working nginx: ok, with its version banner (printed on stderr)', async () => {
		const bin = fakeNginx('echo "nginx version: nginx/9.9.9" >&2');
		const result = await runCli(['doctor'], {cwd: tempDir(), env: {PATH: `${bin}:${process.env.PATH}`}});
		expect(nginxLine(result.stdout)).toBe(`ok    nginx     nginx/9.9.9 at ${bin}/nginx (for lab 10-nginx)`);
	});

	it('an nginx that exits 3 with a message: one line with the command, the code and its message', async () => {
		const bin = fakeNginx('echo "nginx: [alert] could not open error log file: Permission denied" >&2\nexit 3');
		const result = await runCli(['doctor'], {cwd: tempDir(), env: {PATH: `${bin}:${process.env.PATH}`}});
		expect(result.code).toBe(0); // only the nginx lab needs it: a warning
		expect(nginxLine(result.stdout)).toBe(`warn  nginx     \`${bin}/nginx -v\` failed with exit code 3: nginx: [alert] could not open error log file: Permission denied.`);
		expect(stackLines(result.stdout + result.stderr)).toEqual([]);
	});

	it('no nginx anywhere: says so, with how to install it', async () => {
		const empty = tempDir('ncl-no-nginx-');
		// NCL_NGINX names where to look instead of PATH and /usr/sbin: nowhere, here.
		const result = await runCli(['doctor'], {cwd: tempDir(), env: {PATH: empty, NCL_NGINX: path.join(empty, 'nginx')}});
		expect(nginxLine(result.stdout)).toBe('warn  nginx     not found on PATH nor in /usr/sbin (only lab 10-nginx needs it)');
		expect(result.stdout).toContain('fix: Debian/Ubuntu: sudo apt-get install nginx');
	});

	it('an nginx that hangs: stopped after 5 s, one line saying so', async () => {
		const bin = fakeNginx('exec sleep 60');
		const started = Date.now();
		const result = await runCli(['doctor'], {cwd: tempDir(), env: {PATH: `${bin}:${process.env.PATH}`}});
		expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
		expect(nginxLine(result.stdout)).toBe(`warn  nginx     \`${bin}/nginx -v\` did not finish within 5 s and was stopped.`);
		expect(stackLines(result.stdout + result.stderr)).toEqual([]);
	}, 30_000);

	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		it(`${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} while the probe hangs: the kit exits and no nginx is left`, async () => {
			const pidFile = path.join(tempDir('ncl-nginx-pid-'), 'pid');
			const bin = fakeNginx(`echo $$ > "${pidFile}"\nexec sleep 60`);
			const run = startCli(['doctor'], {cwd: tempDir(), env: {PATH: `${bin}:${process.env.PATH}`}});
			await eventually(() => expect(existsSync(pidFile) && /^\d+\n$/.test(readFileSync(pidFile, 'utf8'))).toBe(true));
			const pid = Number(readFileSync(pidFile, 'utf8'));
			expect(isAlive(pid)).toBe(true);
			run.subprocess.kill(signal);
			const result = await run.exited;
			expect(result.code).toBe(signal === 'SIGINT' ? 130 : 143);
			await eventually(() => expect(isAlive(pid)).toBe(false));
		}, 30_000);
	}
});
