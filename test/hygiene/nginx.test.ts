/**
Lab 10-nginx runs real nginx beside the learner's tree, under a keeper of its
own (cli/harness/nginx.ts). However the kit's run ends (the run passes, or the
kit is stopped by SIGINT, SIGTERM or SIGKILL in the middle of it), no nginx
process of the run is left, workers included (as root they run as nobody).
nginx runs with the lab folder as its cwd, so processesIn() sees it.

And on a machine without nginx, the first step says how to install it and the
run ends at once.
*/
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {findNginx} from '../../cli/harness/nginx.js';
import {describeProcs, killGroup, leftoversAfter, nginxIn, solutionCopy, startKit, waitFor} from './helpers.js';

const GONE_WITHIN_MS = 5000;
/** nginx starts after the backends listen (tsx compiles four files): seconds on a busy machine. */
const NGINX_WITHIN_MS = 40_000;

const folder = solutionCopy('10-nginx', 'ncl-nginx-hygiene-');

describe.runIf(findNginx() !== undefined)('lab 10-nginx leaves no nginx behind', () => {
	it('after a run that passes', async () => {
		const kit = startKit(['verify', '10-nginx', '--dir', folder.tmp]);
		const seen = new Set<number>();
		let finished = false;
		void kit.done.then(() => (finished = true));
		// Sample nginx's processes while the run goes, to prove there was something to end.
		await waitFor(() => {
			for (const proc of nginxIn(folder.labDir)) seen.add(proc.pid);
			return finished ? true : undefined;
		}, 120_000, 50);
		const {code} = await kit.done;
		expect(code, kit.stdout()).toBe(0);
		expect(seen.size, 'nginx processes seen during the run (a master and a worker at least)').toBeGreaterThanOrEqual(2);
		const left = await leftoversAfter(folder.labDir, GONE_WITHIN_MS);
		expect(left, describeProcs(left)).toEqual([]);
	}, 150_000);

	for (const signal of ['SIGKILL', 'SIGTERM', 'SIGINT'] as const) {
		it(`when the kit gets ${signal} while nginx runs`, async () => {
			const kit = startKit(['verify', '10-nginx', '--dir', folder.tmp]);
			try {
				const running = await waitFor(() => {
					const found = nginxIn(folder.labDir);
					return found.length >= 2 ? found : undefined;
				}, NGINX_WITHIN_MS, 50);
				expect(running, `nginx never started: ${kit.stdout()}${kit.stderr()}`).toBeDefined();
				// The kit's own process only: its children and nginx must be ended by the kit's handlers or the keepers.
				process.kill(kit.pid, signal);
				await kit.done;
				const left = await leftoversAfter(folder.labDir, GONE_WITHIN_MS);
				expect(left, `left after ${signal} of the kit (nginx was ${describeProcs(running!)})\n${describeProcs(left)}`).toEqual([]);
			} finally {
				killGroup(kit.pid);
			}
		}, 90_000);
	}
});

describe('lab 10-nginx without nginx', () => {
	it('fails its first step with the install commands, at once', async () => {
		const started = Date.now();
		const kit = startKit(['verify', '10-nginx', '--dir', folder.tmp], {...process.env, NCL_NGINX: path.join(folder.tmp, 'no-nginx-here')});
		const timer = setTimeout(() => killGroup(kit.pid), 30_000);
		try {
			const {code} = await kit.done;
			const out = kit.stdout();
			expect(code, out).toBe(1);
			expect(out).toMatch(/nginx is installed/);
			expect(out).toMatch(/nginx is not installed/);
			for (const line of ['apt-get install nginx-light', 'dnf install nginx', 'brew install nginx']) expect(out).toContain(line);
			expect(out).toMatch(/Three backend processes[^\n]*\(skipped/);
			expect(Date.now() - started, 'nothing waits for an nginx that is not there').toBeLessThan(20_000);
		} finally {
			clearTimeout(timer);
		}
		const left = await leftoversAfter(folder.labDir, GONE_WITHIN_MS);
		expect(left, describeProcs(left)).toEqual([]);
	}, 40_000);
});
