import {copyFileSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {findNginx} from '../../cli/harness/nginx.js';
import {runProgramSync} from '../../cli/harness/run-program.js';
import {packageRoot} from '../../cli/paths.js';

// A newcomer's path: the packed tarball, npx from an empty folder, an empty npm cache.
let scratch: string;
let tarball: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
	scratch = mkdtempSync(path.join(os.tmpdir(), 'ncl-pack-'));
	const packed = runProgramSync('npm', ['pack', '--silent', '--pack-destination', scratch], {cwd: packageRoot, timeoutMs: 120_000}).stdout.trim().split('\n').at(-1)!;
	tarball = path.join(scratch, packed);
	// A fresh cache: tsx and esbuild come from the registry as they would for a newcomer.
	env = {...process.env, npm_config_cache: path.join(scratch, 'npm-cache'), npm_config_update_notifier: 'false'};
	delete env.NODE_OPTIONS;
}, 120_000);

afterAll(() => rmSync(scratch, {recursive: true, force: true}));

async function npx(cwd: string, ...args: string[]) {
	// extendEnv: false, or execa would put back the NODE_OPTIONS deleted above.
	const result = await execa('npx', ['--yes', `--package=${tarball}`, '--', 'node-cluster-lab', ...args], {cwd, env, extendEnv: false, timeout: 120_000, forceKillAfterDelay: 5000, reject: false});
	return {code: result.exitCode, stdout: result.stdout, stderr: result.stderr || result.message};
}

describe('npm pack + npx from an empty folder', () => {
	it('ships the bundle, lessons, starters, solutions, keeper and templates, and no tests', () => {
		const listing = runProgramSync('tar', ['-tzf', tarball]).stdout;
		for (const file of ['package/dist/cli.js', 'package/dist/front-matter.json', 'package/cli/harness/keeper.mjs', 'package/cli/harness/ipc-spy.cjs', 'package/cli/harness/start-log.cjs', 'package/cli/harness/trace-launcher.mjs', 'package/lessons/01-ipc.md', 'package/labs/01-ipc/main.ts', 'package/solutions/01-ipc/main.ts', 'package/templates/workspace/gitignore', 'package/templates/workspace/.github/workflows/labs.yml']) {
			expect(listing, file).toContain(file);
		}
		expect(listing).not.toContain('package/test/');
		expect(listing).not.toContain('package/cli/main.ts');
	});

	it('creates a workspace, and its checkers run from there (tsx resolved from the kit, not the cwd)', async () => {
		const empty = mkdtempSync(path.join(scratch, 'empty-'));
		const init = await npx(empty, 'init', 'my-labs');
		expect(init.code, init.stderr).toBe(0);
		expect(readdirSync(path.join(empty, 'my-labs'))).toEqual(expect.arrayContaining(['labs', 'README.md', '.gitignore', 'package.json', '.github', 'node-cluster-lab.json']));

		const workspace = path.join(empty, 'my-labs');
		const starter = await npx(workspace, 'verify', '--reporter', 'json');
		expect(starter.code, starter.stderr).toBe(1);
		const report = JSON.parse(starter.stdout) as {status: string; labs: Array<{steps: Array<{status: string}>}>};
		expect(report.status).toBe('fail');
		// It got past start-up: the learner's TypeScript ran under the kit's tsx.
		expect(report.labs[0]!.steps[0]!.status).toBe('pass');

		const solutions = await npx(workspace, 'verify', '--solutions', '01-ipc');
		expect(solutions.code, `${solutions.stdout}\n${solutions.stderr}`).toBe(0);

		// trace preloads its spy from the installed package into every process of the tree.
		copyFileSync(path.join(packageRoot, 'test', 'fixtures', 'trace', 'cluster-app.cjs'), path.join(workspace, 'cluster-app.cjs'));
		const trace = await npx(workspace, 'trace', '--timeout', '20', '--', 'node', 'cluster-app.cjs');
		expect(trace.code, `${trace.stdout}\n${trace.stderr}`).toBe(0);
		expect(trace.stdout).toMatch(/queryServer/);
		expect(trace.stdout).toMatch(/newconn .*TCP handle/);

		// bench starts the packaged reference solutions and loads them with the bundled generator.
		// The proxy (lab 02) and nginx (lab 10, skipped with why where nginx is not installed) from the package too.
		const bench = await npx(workspace, 'bench', '--quick', '--json', '--workers', '2', 'single', 'cluster-rr', 'proxy', 'nginx');
		expect(bench.code, `${bench.stdout}\n${bench.stderr}`).toBe(0);
		const benchReport = JSON.parse(bench.stdout) as {results: Array<{id: string; failed?: string; skipped?: string; samples: Record<string, unknown[]>}>};
		const nginxRuns = findNginx() ? 3 : 0;
		expect(benchReport.results.map(result => [result.id, result.failed, result.samples['keep-alive']!.length, result.samples.fresh!.length])).toEqual([
			['single', undefined, 3, 3],
			['cluster-rr', undefined, 3, 3],
			['proxy', undefined, 3, 3],
			['nginx', undefined, nginxRuns, nginxRuns],
		]);
	}, 300_000);
});
