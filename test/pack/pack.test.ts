import {execFile, execFileSync} from 'node:child_process';
import {copyFileSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {packageRoot} from '../../cli/paths.js';

const run = promisify(execFile);

// A newcomer's path: the packed tarball, npx from an empty folder, an empty npm cache.
let scratch: string;
let tarball: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
	scratch = mkdtempSync(path.join(os.tmpdir(), 'ncl-pack-'));
	const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], {cwd: packageRoot, encoding: 'utf8'}).trim().split('\n').at(-1)!;
	tarball = path.join(scratch, packed);
	// A fresh cache: tsx and esbuild come from the registry as they would for a newcomer.
	env = {...process.env, npm_config_cache: path.join(scratch, 'npm-cache'), npm_config_update_notifier: 'false'};
	delete env.NODE_OPTIONS;
}, 120_000);

afterAll(() => rmSync(scratch, {recursive: true, force: true}));

function npx(cwd: string, ...args: string[]) {
	return run('npx', ['--yes', `--package=${tarball}`, '--', 'node-cluster-lab', ...args], {cwd, env, timeout: 120_000}).then(
		result => ({code: 0, ...result}),
		(error: {code: number; stdout: string; stderr: string}) => ({code: error.code, stdout: error.stdout, stderr: error.stderr}),
	);
}

describe('npm pack + npx from an empty folder', () => {
	it('ships the bundle, lessons, starters, solutions, keeper and templates, and no tests', () => {
		const listing = execFileSync('tar', ['-tzf', tarball], {encoding: 'utf8'});
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
	}, 240_000);
});
