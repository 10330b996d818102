/**
End to end: `verify` runs the real checker against real learner code (the
starter, a mutant, the reference solution) through the bundled CLI. The failing
starter stops early, so most tests use it; the solution runs twice in all.
*/
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {loadCatalog} from '../../cli/catalog.js';
import {checks} from '../../cli/checks/index.js';
import type {JsonReport} from '../../cli/reporters/json.js';
import {applyMutantPatch} from '../labs/mutant-patch.js';
import {buildCli, initWorkspace, readState, removeTempDirs, repoRoot, runCli, stackLines, survivors, tempDir} from './helpers.js';

const LAB = '01-ipc';
const solutionDir = path.join(repoRoot, 'solutions', LAB);
const mutantsDir = path.join(repoRoot, 'test', 'mutants', LAB);
const stepTitles = () => checks[LAB]!.steps.map(step => step.title);
const entry = () => loadCatalog().find(lab => lab.id === LAB)!.entry;

/** The title of the one step the pretty reporter marked failed ("  ✗ title"). */
function failedSteps(stdout: string): string[] {
	return [...stdout.matchAll(/^ {2}✗ (.+)$/gm)].map(match => match[1]!);
}

function copyInto(from: string, to: string): void {
	for (const name of fs.readdirSync(from)) {
		if (name === 'mutant.json') continue;
		fs.cpSync(path.join(from, name), path.join(to, name), {recursive: true});
	}
}

beforeAll(() => {
	buildCli();
}, 60_000);

afterEach(() => {
	// The CLI has exited: nothing it or the learner's program started may still run.
	expect(survivors()).toEqual([]);
});

afterAll(() => {
	removeTempDirs();
});

describe('verify in a workspace: the starter fails, the solution passes', () => {
	let root: string;
	beforeAll(async () => {
		root = await initWorkspace();
	});

	it('the fresh starter fails (exit 1), names the failing step and records "failing"', async () => {
		const result = await runCli(['verify', LAB], {cwd: root});
		expect(result.code).toBe(1);
		expect(result.stdout).toMatch(new RegExp(`^${LAB} `, 'm'));
		const failed = failedSteps(result.stdout);
		expect(failed).toHaveLength(1);
		expect(stepTitles()).toContain(failed[0]);
		expect(result.stdout).toMatch(/^ {4}expected: /m);
		expect(result.stdout).toContain(`1 lab failed: ${LAB}`);
		expect(result.stdout).toMatch(/^0 of 1 lab passed/m);
		expect(stackLines(result.stdout + result.stderr)).toEqual([]);

		const progress = readState(root).labs[LAB];
		expect(progress?.status).toBe('failing');
		expect(Date.parse(progress!.lastRun)).not.toBeNaN();
		expect(progress?.passedAt).toBeUndefined();

		const list = await runCli(['list'], {cwd: root});
		expect(list.stdout).toMatch(new RegExp(`^> ${LAB}\\s.*\\sfailing$`, 'm'));
	});

	it('solution is still refused after a failing run', async () => {
		const result = await runCli(['solution', LAB], {cwd: root});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('--force');
	});

	it('with the solution copied in, verify (the current lab) passes and list shows "passed"', async () => {
		copyInto(solutionDir, path.join(root, 'labs', LAB));
		const result = await runCli(['verify'], {cwd: path.join(root, 'labs', LAB)});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		for (const title of stepTitles()) expect(result.stdout).toContain(`✓ ${title}`);
		expect(failedSteps(result.stdout)).toEqual([]);
		expect(result.stdout).toMatch(/^1 of 1 lab passed/m);

		const progress = readState(root).labs[LAB];
		expect(progress?.status).toBe('passed');
		expect(Date.parse(progress?.passedAt ?? '')).not.toBeNaN();

		const list = await runCli(['list'], {cwd: root});
		expect(list.stdout).toMatch(new RegExp(`^> ${LAB}\\s.*\\spassed$`, 'm'));
		const total = loadCatalog().length;
		expect(list.stdout).toMatch(new RegExp(`^1 of ${total} lab${total === 1 ? '' : 's'} passed\\.$`, 'm'));

		// Once passed, the solution is shown without --force.
		const solution = await runCli(['solution', LAB], {cwd: root});
		expect(solution.code).toBe(0);
		expect(solution.stdout).toContain(`// ===== solutions/${LAB}/${entry()} =====`);
		expect(solution.stdout).toContain(fs.readFileSync(path.join(solutionDir, entry()), 'utf8').trim());
	}, 120_000);

	it('an unknown lab is a usage error: exit 2, as the README says, with the usage line', async () => {
		const result = await runCli(['verify', 'nope'], {cwd: root});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain("unknown lab 'nope'");
		expect(result.stderr).toContain('usage: node-cluster-lab verify');
	});
});

describe('reporters (on the failing starter)', () => {
	let root: string;
	beforeAll(async () => {
		root = await initWorkspace();
	});

	it('with no lab named, checks the lab whose folder you stand in (labs/<id> or below), not the current one', async () => {
		const current = readState(root).current;
		const other = loadCatalog().find(lab => lab.id !== current && checks[lab.id])!;
		const inside = path.join(root, 'labs', other.id);
		const result = await runCli(['verify', '--reporter', 'json'], {cwd: inside});
		const report = JSON.parse(result.stdout) as JsonReport;
		expect(report.labs.map(lab => lab.id)).toEqual([other.id]);
		// At the workspace's root it is the current lab.
		const now = readState(root).current;
		const atRoot = await runCli(['verify', '--reporter', 'json'], {cwd: root});
		expect((JSON.parse(atRoot.stdout) as JsonReport).labs.map(lab => lab.id)).toEqual([now]);
	}, 120_000);

	it('json: stdout is one JSON document with the lab and its steps', async () => {
		const result = await runCli(['verify', LAB, '--reporter', 'json'], {cwd: root});
		expect(result.code).toBe(1);
		const report = JSON.parse(result.stdout) as JsonReport;
		expect(report.status).toBe('fail');
		expect(report.labs).toHaveLength(1);
		expect(report.labs[0]!.id).toBe(LAB);
		expect(report.labs[0]!.steps.map(step => step.name)).toEqual(stepTitles());
		const statuses = report.labs[0]!.steps.map(step => step.status);
		const failedAt = statuses.indexOf('fail');
		expect(failedAt).toBeGreaterThanOrEqual(0);
		expect(statuses.slice(0, failedAt).every(status => status === 'pass')).toBe(true);
		expect(statuses.slice(failedAt + 1).every(status => status === 'skip')).toBe(true);
		expect(report.labs[0]!.steps[failedAt]!.message).toBeTruthy();
	});

	it('junit=<file> and json=<file> write files while the pretty report goes to stdout', async () => {
		const result = await runCli(['verify', LAB, '--reporter', 'junit=reports/out.xml', '--reporter', 'json=report.json'], {cwd: root});
		expect(result.code).toBe(1);
		expect(failedSteps(result.stdout)).toHaveLength(1);
		expect(result.stdout).toContain(`1 lab failed: ${LAB}`);

		const xml = fs.readFileSync(path.join(root, 'reports', 'out.xml'), 'utf8');
		expect(xml).toMatch(/^<\?xml /);
		expect(xml).toContain('<testsuite');
		expect(xml.match(/<testcase\b/g)).toHaveLength(stepTitles().length);
		expect(xml.match(/<failure\b/g)).toHaveLength(1);
		expect(xml).not.toContain('✗');

		const report = JSON.parse(fs.readFileSync(path.join(root, 'report.json'), 'utf8')) as JsonReport;
		expect(report.labs[0]!.steps).toHaveLength(stepTitles().length);
	});

	it('tap: stdout starts with "TAP version 14"', async () => {
		const result = await runCli(['verify', LAB, '--reporter', 'tap'], {cwd: root});
		expect(result.code).toBe(1);
		expect(result.stdout.startsWith('TAP version 14\n')).toBe(true);
		expect(result.stdout).toMatch(new RegExp(`^not ok 1 - ${LAB}`, 'm'));
		expect(result.stdout).not.toContain('✗');
	});

	it('github: ::error annotations on stdout and a Markdown summary appended to $GITHUB_STEP_SUMMARY', async () => {
		const summaryFile = path.join(tempDir(), 'summary.md');
		fs.writeFileSync(summaryFile, 'earlier step\n');
		const result = await runCli(['verify', LAB, '--reporter', 'github'], {cwd: root, env: {GITHUB_STEP_SUMMARY: summaryFile}});
		expect(result.code).toBe(1);
		const errors = result.stdout.split('\n').filter(line => line.startsWith('::error '));
		expect(errors).toHaveLength(1);
		expect(errors[0]).toMatch(new RegExp(`^::error file=labs/${LAB}/${entry().replace('.', '\\.')},line=\\d+,title=${LAB}%3A `));
		const summary = fs.readFileSync(summaryFile, 'utf8');
		expect(summary.startsWith('earlier step\n')).toBe(true);
		expect(summary).toContain('## node-cluster-lab: 0 of 1 lab passed');
		expect(summary).toContain('| Lab | Status |');
		expect(summary).toContain('<details>');
	});

	it('an unknown reporter exits 2 before running anything', async () => {
		const before = readState(root);
		const result = await runCli(['verify', LAB, '--reporter', 'xml'], {cwd: root});
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('');
		expect(result.stderr).toContain("unknown reporter 'xml'; choose from pretty, json, junit, tap, github");
		expect(stackLines(result.stderr)).toEqual([]);
		expect(readState(root)).toEqual(before);
	});
});

describe('verify without a workspace', () => {
	it('--solutions passes from any folder and writes nothing there', async () => {
		const cwd = tempDir();
		const result = await runCli(['verify', '--solutions', LAB], {cwd});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^1 of 1 lab passed/m);
		expect(fs.readdirSync(cwd)).toEqual([]);
	}, 90_000);

	it('--dir <folder laid out like labs/> checks a mutant there: exit 1 at the step it must fail', async () => {
		const mutants = fs.readdirSync(mutantsDir).sort();
		const mutant = mutants.includes('single-process') ? 'single-process' : mutants[0]!;
		const {rejectedBy} = JSON.parse(fs.readFileSync(path.join(mutantsDir, mutant, 'mutant.json'), 'utf8')) as {rejectedBy: string};
		const folder = tempDir();
		applyMutantPatch(path.join(repoRoot, 'solutions', LAB), fs.readFileSync(path.join(mutantsDir, mutant, 'mutant.patch'), 'utf8'), path.join(folder, LAB));

		const result = await runCli(['verify', LAB, '--dir', folder, '--reporter', 'json'], {cwd: tempDir()});
		expect(result.code).toBe(1);
		const report = JSON.parse(result.stdout) as JsonReport;
		expect(report.labs[0]!.steps.find(step => step.status === 'fail')?.id).toBe(rejectedBy);
		// No progress is recorded in a plain folder.
		expect(fs.readdirSync(folder)).toEqual([LAB]);
	});

	it('--dir to a folder without the lab fails the first step and says how to restore it', async () => {
		const folder = tempDir();
		const result = await runCli(['verify', LAB, '--dir', folder], {cwd: folder});
		expect(result.code).toBe(1);
		expect(result.stdout).toContain(`${path.join(LAB, entry())} is missing`);
		expect(result.stdout).toContain(`node-cluster-lab reset ${LAB}`);
	});

	it('without --dir exits 1 and suggests init (and --solutions)', async () => {
		const result = await runCli(['verify', LAB], {cwd: tempDir()});
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('');
		expect(result.stderr).toContain('no workspace here and no --dir');
		expect(result.stderr).toContain('node-cluster-lab init my-labs');
		expect(result.stderr).toContain('--solutions');
	});

	it('--all with a lab name exits 2', async () => {
		const result = await runCli(['verify', '--all', LAB], {cwd: tempDir()});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('name labs or pass --all, not both');
		expect(result.stderr).toContain('usage: node-cluster-lab verify');
	});

	it('--solutions with --dir exits 2', async () => {
		const cwd = tempDir();
		const result = await runCli(['verify', '--solutions', '--dir', cwd, LAB], {cwd});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--solutions and --dir');
	});
});
