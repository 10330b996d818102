/**
`bench` runs real nginx in front of lab 10's backends, under a keeper of its
own, as lab 10's checker does (cli/harness/nginx.ts). However the bench ends (it
passes; it fails because another row could not start; it is stopped by SIGINT,
SIGTERM or SIGKILL in the middle of a round), no nginx process is left, workers
included (as root they run as nobody), nor any backend.

The bench runs with --labs on a copy of the reference in a folder of this test,
so that nginx and the backends run there (their cwd) and processesIn() sees them.
*/
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {findNginx} from '../../cli/harness/nginx.js';
import {describeProcs, killGroup, leftoversAfter, nginxIn, solutionCopy, startKit, waitFor} from './helpers.js';

const GONE_WITHIN_MS = 5000;
/** nginx starts once the backends listen (tsx compiles them): seconds on a busy machine. */
const NGINX_WITHIN_MS = 40_000;

const folder = solutionCopy('10-nginx', 'ncl-bench-nginx-');

/** The bench on the nginx row only (and, to make it fail, a row whose lab folder is missing). */
const benchArgs = (...rows: string[]) => ['bench', '--labs', '--dir', folder.tmp, '--quick', '--workers', '2', ...rows];

/** Runs the bench to its end, sampling nginx's processes meanwhile: the pids seen. */
async function runSampling(args: string[]): Promise<{code: number | null; seen: Set<number>; output: string}> {
	const kit = startKit(args);
	try {
		const seen = new Set<number>();
		let finished = false;
		void kit.done.then(() => (finished = true));
		await waitFor(() => {
			for (const proc of nginxIn(folder.labDir)) seen.add(proc.pid);
			return finished ? true : undefined;
		}, 90_000, 50);
		const {code} = await kit.done;
		return {code, seen, output: `${kit.stdout()}${kit.stderr()}`};
	} finally {
		killGroup(kit.pid);
	}
}

describe.runIf(findNginx() !== undefined)('bench leaves no nginx behind', () => {
	it('after a run that passes', async () => {
		const {code, seen, output} = await runSampling(benchArgs('nginx'));
		expect(code, output).toBe(0);
		expect(output).toMatch(/^nginx +\d/m);
		expect(seen.size, 'nginx processes seen during the bench (a master and a worker at least)').toBeGreaterThanOrEqual(2);
		const left = await leftoversAfter(folder.labDir, GONE_WITHIN_MS);
		expect(left, describeProcs(left)).toEqual([]);
	}, 120_000);

	it('after a run that fails (another row could not start)', async () => {
		// No 02-proxy in the folder: that row fails and the bench exits 1, after measuring nginx.
		const {code, seen, output} = await runSampling(benchArgs('proxy', 'nginx'));
		expect(code, output).toBe(1);
		expect(output).toContain(`proxy          not measured: no such folder: ${path.join(folder.tmp, '02-proxy')}`);
		expect(seen.size, 'nginx processes seen during the bench').toBeGreaterThanOrEqual(2);
		const left = await leftoversAfter(folder.labDir, GONE_WITHIN_MS);
		expect(left, describeProcs(left)).toEqual([]);
	}, 120_000);

	for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
		it(`when the bench gets ${signal} while nginx runs`, async () => {
			// Default length (not --quick): nginx is up for a good while.
			const kit = startKit(['bench', '--labs', '--dir', folder.tmp, '--workers', '2', 'nginx']);
			try {
				const running = await waitFor(() => {
					const found = nginxIn(folder.labDir);
					return found.length >= 2 ? found : undefined;
				}, NGINX_WITHIN_MS, 50);
				expect(running, `nginx never started: ${kit.stdout()}${kit.stderr()}`).toBeDefined();
				// The kit's own process only: nginx and the backends must be ended by the kit's handlers or the keepers.
				process.kill(kit.pid, signal);
				const {code} = await kit.done;
				if (signal === 'SIGINT') expect(code).toBe(130);
				if (signal !== 'SIGKILL') expect(kit.stderr()).toContain('every process it started has been ended');
				const left = await leftoversAfter(folder.labDir, GONE_WITHIN_MS);
				expect(left, `left after ${signal} of the bench (nginx was ${describeProcs(running!)})\n${describeProcs(left)}`).toEqual([]);
			} finally {
				killGroup(kit.pid);
			}
		}, 90_000);
	}
});
