/**
End to end: every command except verify's checker runs, through the bundled CLI
in a child process. (verify is in verify.test.ts.)
*/
import fs from 'node:fs';
import path from 'node:path';
import {parse as parseYaml} from 'yaml';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {loadCatalog, lessonBody} from '../../cli/catalog.js';
import {buildCli, initWorkspace, kitVersion, readState, removeTempDirs, repoRoot, runCli, snapshotTree, stackLines, survivors, tempDir, writeState} from './helpers.js';

const COMMANDS = ['init', 'list', 'lesson', 'verify', 'hint', 'solution', 'reset', 'doctor', 'load', 'trace', 'report', 'workshop', 'unlock'];
const LAB = '01-ipc';
const starterDir = path.join(repoRoot, 'labs', LAB);
const solutionDir = path.join(repoRoot, 'solutions', LAB);

function lab() {
	const found = loadCatalog().find(candidate => candidate.id === LAB);
	if (!found) throw new Error(`lessons/${LAB}.md is missing`);
	return found;
}

beforeAll(() => {
	buildCli();
}, 60_000);

afterEach(() => {
	expect(survivors()).toEqual([]);
});

afterAll(() => {
	removeTempDirs();
});

describe('version and help', () => {
	it('--version and -v print the package version', async () => {
		for (const flag of ['--version', '-v']) {
			const result = await runCli([flag], {cwd: tempDir()});
			expect(result.code).toBe(0);
			expect(result.stdout).toBe(`${kitVersion}\n`);
			expect(result.stderr).toBe('');
		}
	});

	it('--help lists every command with the usage line', async () => {
		const result = await runCli(['--help'], {cwd: tempDir()});
		expect(result.code).toBe(0);
		expect(result.stdout).toContain(`node-cluster-lab ${kitVersion}`);
		expect(result.stdout).toContain('usage: node-cluster-lab <command> [options]');
		for (const name of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${name}\\s+\\S`, 'm'));
		expect(result.stderr).toBe('');
	});

	it('no arguments opens the app, which without a terminal says to run verify instead (exit 1; test/app/non-tty.test.ts has more)', async () => {
		const bare = await runCli([], {cwd: tempDir()});
		expect(bare.code).toBe(1);
		expect(bare.stdout).toBe('');
		expect(bare.stderr).toContain('npx node-cluster-lab verify');
	});

	it('help verify prints verify\'s usage and options', async () => {
		const result = await runCli(['help', 'verify'], {cwd: tempDir()});
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^usage: node-cluster-lab verify /);
		for (const option of ['--all', '--solutions', '--dir', '--reporter']) expect(result.stdout).toContain(option);
	});

	it.each(COMMANDS)('%s --help prints its own usage', async name => {
		const result = await runCli([name, '--help'], {cwd: tempDir()});
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(new RegExp(`^usage: node-cluster-lab ${name}\\b`));
		// More than the usage line: an explanation follows.
		expect(result.stdout.trim().split('\n').length).toBeGreaterThan(2);
		expect(result.stderr).toBe('');
		// -h is the same.
		const short = await runCli([name, '-h'], {cwd: tempDir()});
		expect(short.stdout).toBe(result.stdout);
	});

	it('an unknown command exits 2 with the usage on stderr', async () => {
		const result = await runCli(['frobnicate'], {cwd: tempDir()});
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('');
		expect(result.stderr).toContain("unknown command 'frobnicate'");
		expect(result.stderr).toContain('usage: node-cluster-lab <command>');
	});

	it('an unknown flag exits 2 with a short message and no stack trace', async () => {
		const result = await runCli(['verify', '--bogus'], {cwd: tempDir()});
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('');
		expect(result.stderr).toContain("Unknown option '--bogus'");
		expect(result.stderr).toContain('usage: node-cluster-lab verify');
		expect(stackLines(result.stderr)).toEqual([]);
		expect(result.stderr.trim().split('\n').length).toBeLessThanOrEqual(4);
	});

	it('a flag that needs a value and gets none exits 2', async () => {
		const result = await runCli(['list', '--dir'], {cwd: tempDir()});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--dir');
		expect(stackLines(result.stderr)).toEqual([]);
	});
});

describe('init', () => {
	it('creates a workspace with the starters, README, package.json, tsconfig, workflow and state file', async () => {
		const parent = tempDir();
		const result = await runCli(['init', 'my-labs'], {cwd: parent});
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('Created my-labs');
		expect(result.stdout).toContain('cd my-labs');
		const root = path.join(parent, 'my-labs');

		// Every lab's starter, file for file.
		for (const known of loadCatalog()) {
			expect(snapshotTree(path.join(root, 'labs', known.id))).toEqual(snapshotTree(path.join(repoRoot, 'labs', known.id)));
		}
		expect(fs.readdirSync(path.join(root, 'labs', LAB))).toContain(lab().entry);

		expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toContain('node-cluster-lab verify');
		expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8')).toMatch(/^node_modules\/$/m);
		expect(fs.existsSync(path.join(root, 'gitignore'))).toBe(false);

		const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {scripts: Record<string, string>; devDependencies: Record<string, string>};
		expect(pkg.scripts.test).toBe('node-cluster-lab verify --all');
		expect(pkg.devDependencies['node-cluster-lab']).toBe(kitVersion);

		const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8')) as {compilerOptions: {strict?: boolean}; include: string[]};
		expect(tsconfig.compilerOptions.strict).toBe(true);
		expect(tsconfig.include).toContain('labs');

		const workflow = parseYaml(fs.readFileSync(path.join(root, '.github', 'workflows', 'labs.yml'), 'utf8')) as {jobs: Record<string, {steps: Array<{run?: string}>}>};
		const runs = Object.values(workflow.jobs).flatMap(job => job.steps.map(step => step.run ?? ''));
		const verifyRun = runs.find(run => /node-cluster-lab verify\b/.test(run));
		expect(verifyRun).toBeDefined();
		expect(verifyRun).toContain('--reporter github');
		expect(verifyRun).toMatch(/--reporter junit=\S+\.xml/);
		// The JSON results an instructor's `report` reads, uploaded as an artifact.
		expect(verifyRun).toContain('--reporter json=labs-results.json');
		expect(JSON.stringify(workflow)).toContain('labs-results.json');

		const state = readState(root);
		expect(state).toEqual({format: 1, kit: kitVersion, current: loadCatalog()[0]!.id, labs: {}});
	});

	it('with no folder name creates node-cluster-labs', async () => {
		const parent = tempDir();
		const result = await runCli(['init'], {cwd: parent});
		expect(result.code).toBe(0);
		expect(fs.existsSync(path.join(parent, 'node-cluster-labs', 'node-cluster-lab.json'))).toBe(true);
	});

	it('refuses a non-empty folder and changes nothing', async () => {
		const parent = tempDir();
		const root = path.join(parent, 'my-labs');
		fs.mkdirSync(root);
		fs.writeFileSync(path.join(root, 'notes.txt'), 'mine\n');
		const result = await runCli(['init', 'my-labs'], {cwd: parent});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('my-labs exists and is not empty');
		expect(stackLines(result.stderr)).toEqual([]);
		expect(snapshotTree(root)).toEqual({'notes.txt': 'mine\n'});
		expect(fs.readdirSync(parent)).toEqual(['my-labs']);
	});

	it('run twice says it is already a workspace and leaves it alone', async () => {
		const root = await initWorkspace();
		writeState(root, state => {
			state.labs = {[LAB]: {status: 'failing', lastRun: '2020-01-01T00:00:00.000Z', hintsShown: 2}};
		});
		fs.writeFileSync(path.join(root, 'labs', LAB, lab().entry), '// my work\n');
		const before = snapshotTree(root);
		const result = await runCli(['init', 'my-labs'], {cwd: path.dirname(root)});
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('my-labs is already a workspace; nothing changed.');
		expect(snapshotTree(root)).toEqual(before);
	});

	it('refuses two folder names', async () => {
		const parent = tempDir();
		const result = await runCli(['init', 'a', 'b'], {cwd: parent});
		expect(result.code).toBe(1);
		expect(fs.readdirSync(parent)).toEqual([]);
	});
});

describe('list', () => {
	let root: string;
	beforeAll(async () => {
		root = await initWorkspace();
	});

	const notStarted = new RegExp(`^> ${LAB}\\s+\\S.*\\s+not started$`, 'm');

	it('in the workspace shows the lab as not started, marked current', async () => {
		const result = await runCli(['list'], {cwd: root});
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(notStarted);
		expect(result.stdout).toContain(lab().title);
		const total = loadCatalog().length;
		expect(result.stdout).toMatch(new RegExp(`^0 of ${total} lab${total === 1 ? '' : 's'} passed\\.$`, 'm'));
	});

	it('finds the workspace from a subfolder', async () => {
		const result = await runCli(['list'], {cwd: path.join(root, 'labs', LAB)});
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(notStarted);
		expect(result.stdout).not.toContain('Not in a workspace');
	});

	it('--dir names the workspace from elsewhere', async () => {
		const elsewhere = tempDir();
		const result = await runCli(['list', '--dir', root], {cwd: elsewhere});
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(notStarted);
		const relative = await runCli(['list', '--dir', path.relative(elsewhere, root)], {cwd: elsewhere});
		expect(relative.stdout).toBe(result.stdout);
	});

	it('--dir to a missing folder exits 1', async () => {
		const result = await runCli(['list', '--dir', 'no-such-folder'], {cwd: tempDir()});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('--dir no-such-folder: no such folder');
	});

	it('outside a workspace lists the labs without a status and suggests init', async () => {
		const result = await runCli(['list'], {cwd: tempDir()});
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(new RegExp(`^  ${LAB}\\s+${lab().title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
		expect(result.stdout).not.toContain('not started');
		expect(result.stdout).not.toMatch(/^>/m);
		expect(result.stdout).toContain('Not in a workspace. Create one with: npx node-cluster-lab init my-labs');
	});

	it('a lab with hints seen but never verified is still not started', async () => {
		const fresh = await initWorkspace();
		expect((await runCli(['hint', LAB], {cwd: fresh})).code).toBe(0);
		const result = await runCli(['list'], {cwd: fresh});
		expect(result.stdout).toMatch(notStarted);
	});
});

describe('lesson', () => {
	it('prints the lab\'s lesson as Markdown without its front matter', async () => {
		const result = await runCli(['lesson', LAB], {cwd: tempDir()});
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(new RegExp(`^# ${lab().title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
		expect(result.stdout).toMatch(/^## /m);
		// The title heading once, not twice.
		expect(result.stdout.split('\n').filter(line => line === `# ${lab().title}`)).toHaveLength(1);
		expect(result.stdout).toContain(lessonBody(lab()).trim());
		expect(result.stdout).not.toMatch(/^hints:/m);
	});

	it('accepts a short lab name', async () => {
		const cwd = tempDir();
		const [full, short] = await Promise.all([runCli(['lesson', LAB], {cwd}), runCli(['lesson', LAB.split('-')[0]!], {cwd})]);
		expect(short.code).toBe(0);
		expect(short.stdout).toBe(full.stdout);
	});

	it('with no lab inside a workspace prints the current lab', async () => {
		const root = await initWorkspace();
		const full = await runCli(['lesson', LAB], {cwd: root});
		const current = await runCli(['lesson'], {cwd: path.join(root, 'labs')});
		expect(current.code).toBe(0);
		expect(current.stdout).toBe(full.stdout);
		// It really reads "current": a bogus one is reported.
		writeState(root, state => {
			state.current = 'no-such-lab';
		});
		const bogus = await runCli(['lesson'], {cwd: root});
		expect(bogus.code).toBe(1);
		expect(bogus.stderr).toContain("unknown lab 'no-such-lab'");
	});

	it('with no lab, inside labs/<id> (or below) prints that lab\'s lesson, not the current one', async () => {
		const root = await initWorkspace();
		const other = loadCatalog().find(lab => lab.id !== LAB)!;
		fs.mkdirSync(path.join(root, 'labs', other.id, 'lib'), {recursive: true});
		const [named, here, below] = await Promise.all([
			runCli(['lesson', other.id], {cwd: root}),
			runCli(['lesson'], {cwd: path.join(root, 'labs', other.id)}),
			runCli(['lesson'], {cwd: path.join(root, 'labs', other.id, 'lib')}),
		]);
		expect(here.code).toBe(0);
		expect(here.stdout).toBe(named.stdout);
		expect(below.stdout).toBe(named.stdout);
	});

	it('an unknown lab is a usage error (exit 2) and names the labs', async () => {
		const result = await runCli(['lesson', 'nope'], {cwd: tempDir()});
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('');
		expect(result.stderr).toContain("unknown lab 'nope'. Labs: ");
		expect(result.stderr).toContain(LAB);
	});
});

describe('hint', () => {
	it('shows one more hint each time, remembered in node-cluster-lab.json; --all shows every hint', async () => {
		const root = await initWorkspace();
		const hints = lab().hints;
		const total = hints.length;

		const first = await runCli(['hint', LAB], {cwd: root});
		expect(first.code).toBe(0);
		expect(first.stdout).toContain(`Hint 1 of ${total}: ${hints[0]}`);
		expect(first.stdout).not.toContain('Hint 2 of');
		expect(readState(root).labs[LAB]?.hintsShown).toBe(1);

		const second = await runCli(['hint'], {cwd: path.join(root, 'labs', LAB)});
		expect(second.code).toBe(0);
		expect(second.stdout).toContain(`Hint 1 of ${total}: ${hints[0]}`);
		if (total >= 2) {
			expect(second.stdout).toContain(`Hint 2 of ${total}: ${hints[1]}`);
			expect(second.stdout).not.toContain('Hint 3 of');
			expect(readState(root).labs[LAB]?.hintsShown).toBe(2);
		}

		const all = await runCli(['hint', LAB, '--all'], {cwd: root});
		expect(all.code).toBe(0);
		hints.forEach((hint, index) => expect(all.stdout).toContain(`Hint ${index + 1} of ${total}: ${hint}`));
		expect(all.stdout).toContain('That was the last hint.');
		expect(readState(root).labs[LAB]?.hintsShown).toBe(total);
	});

	it('outside a workspace exits 1 and says how to make one', async () => {
		const result = await runCli(['hint', LAB], {cwd: tempDir()});
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('');
		expect(result.stderr).toContain('no workspace here');
		expect(result.stderr).toContain('node-cluster-lab init my-labs');
		expect(stackLines(result.stderr)).toEqual([]);
	});
});

describe('solution (before passing; after passing is in verify.test.ts)', () => {
	let root: string;
	beforeAll(async () => {
		root = await initWorkspace();
	});

	it('before a pass exits 1 and suggests --force', async () => {
		const result = await runCli(['solution', LAB], {cwd: root});
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('');
		expect(result.stderr).toContain(`you have not passed ${LAB} yet`);
		expect(result.stderr).toContain('--force');
	});

	it('--force prints every solution file', async () => {
		const result = await runCli(['solution', LAB, '--force'], {cwd: root});
		expect(result.code).toBe(0);
		for (const file of lab().files) {
			expect(result.stdout).toContain(`// ===== solutions/${LAB}/${file} =====`);
			expect(result.stdout).toContain(fs.readFileSync(path.join(solutionDir, file), 'utf8').trim());
		}
	});

	it('NCL_LOCK_SOLUTIONS=1 refuses even with --force', async () => {
		const result = await runCli(['solution', LAB, '--force'], {cwd: root, env: {NCL_LOCK_SOLUTIONS: '1'}});
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('');
		expect(result.stderr).toContain('solutions are locked');
	});

	it('"solutionsLocked": true refuses even with --force', async () => {
		const locked = await initWorkspace();
		writeState(locked, state => {
			state.solutionsLocked = true;
		});
		const result = await runCli(['solution', LAB, '--force'], {cwd: locked});
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('');
		expect(result.stderr).toContain('solutions are locked');
	});

	it('outside a workspace exits 1', async () => {
		const result = await runCli(['solution', LAB, '--force'], {cwd: tempDir()});
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('');
		expect(result.stderr).toContain('no workspace here');
	});
});

describe('reset', () => {
	it('without a terminal and without --yes exits 1 and changes nothing', async () => {
		const root = await initWorkspace();
		const entry = path.join(root, 'labs', LAB, lab().entry);
		fs.writeFileSync(entry, '// my edit\n');
		const before = snapshotTree(root);
		const result = await runCli(['reset', LAB], {cwd: root});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('--yes');
		expect(snapshotTree(root)).toEqual(before);
		expect(fs.existsSync(path.join(root, '.node-cluster-lab'))).toBe(false);
	});

	it('--yes restores the starter and backs the edited files up', async () => {
		const root = await initWorkspace();
		const labDir = path.join(root, 'labs', LAB);
		fs.writeFileSync(path.join(labDir, lab().entry), '// my edit\n');
		fs.writeFileSync(path.join(labDir, 'scratch.ts'), '// extra file\n');
		writeState(root, state => {
			state.labs = {[LAB]: {status: 'failing', lastRun: '2020-01-01T00:00:00.000Z', hintsShown: 2}};
		});

		const result = await runCli(['reset', LAB, '--yes'], {cwd: root});
		expect(result.code).toBe(0);
		expect(result.stdout).toContain(`labs/${LAB} is the starter again.`);
		expect(snapshotTree(labDir)).toEqual(snapshotTree(starterDir));

		const backups = fs.readdirSync(path.join(root, '.node-cluster-lab', 'backups'));
		expect(backups).toHaveLength(1);
		expect(backups[0]).toMatch(new RegExp(`^${LAB}-`));
		const backup = path.join(root, '.node-cluster-lab', 'backups', backups[0]!);
		expect(fs.readFileSync(path.join(backup, lab().entry), 'utf8')).toBe('// my edit\n');
		expect(fs.readFileSync(path.join(backup, 'scratch.ts'), 'utf8')).toBe('// extra file\n');
		expect(result.stdout).toContain(path.join('.node-cluster-lab', 'backups', backups[0]!));
		// Hints seen stay seen.
		expect(readState(root).labs[LAB]?.hintsShown).toBe(2);
	});

	it('without a lab name exits 1', async () => {
		const root = await initWorkspace();
		const result = await runCli(['reset', '--yes'], {cwd: root});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('name the lab to reset');
	});
});

describe('doctor', () => {
	it('exits 0 here and reports Node.js, /proc, loopback, tsx and nginx', async () => {
		const result = await runCli(['doctor'], {cwd: tempDir()});
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^ok\s+Node\.js\s+v\d+\.\d+\.\d+/m);
		expect(result.stdout).toMatch(/^ok\s+\/proc\s/m);
		expect(result.stdout).toMatch(/^(ok|warn)\s+loopback\s/m);
		expect(result.stdout).toMatch(/^ok\s+tsx\s+loader at \//m);
		expect(result.stdout).toMatch(/^(ok|warn)\s+nginx\s/m);
		expect(result.stdout).not.toMatch(/^FAIL/m);
		expect(result.stdout).toContain('workspace: none here');
	});

	it('names the workspace it is in', async () => {
		const root = await initWorkspace();
		const result = await runCli(['doctor'], {cwd: path.join(root, 'labs')});
		expect(result.code).toBe(0);
		expect(result.stdout).toContain(`workspace: ${root}`);
	});
});

describe('a corrupted node-cluster-lab.json', () => {
	it.each([{args: ['list']}, {args: ['hint', LAB]}, {args: ['lesson']}, {args: ['solution', LAB, '--force']}, {args: ['verify', LAB]}])('$args: a clear message, exit 1, no stack trace', async ({args}) => {
		const root = await initWorkspace();
		fs.writeFileSync(path.join(root, 'node-cluster-lab.json'), '{"format": 1, "labs": {');
		const result = await runCli(args, {cwd: path.join(root, 'labs')});
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('');
		expect(result.stderr).toContain(`${path.join(root, 'node-cluster-lab.json')} is not valid JSON`);
		expect(result.stderr).toContain('Fix it by hand');
		expect(result.stderr).not.toContain('internal error');
		expect(stackLines(result.stderr)).toEqual([]);
	});
});
