/**
What an instructor copies to wire the kit into a grader (templates/classroom50,
gradescope, prairielearn): pinned to this kit's version, using the right
reporter, and the Classroom 50 autograder run for real in a fresh workspace.
*/
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {execaSync} from 'execa';
import {classroom50Problem} from '../reporters/specs.js';
import {buildCli, initWorkspace, kitVersion, removeTempDirs, repoRoot, tempDir} from './helpers.js';

const templates = path.join(repoRoot, 'templates');
const read = (file: string) => fs.readFileSync(path.join(templates, file), 'utf8');
const hasPython = execaSync('python3', ['--version'], {reject: false}).exitCode === 0;

beforeAll(buildCli);
afterAll(removeTempDirs);

describe('grader templates', () => {
	it("pin this kit's version and use their grader's reporter", () => {
		expect(read('classroom50/autograder.py')).toContain(`KIT_VERSION = "${kitVersion}"`);
		expect(read('classroom50/autograder.py')).toContain('classroom50={RESULT}');
		expect(read('gradescope/setup.sh')).toContain(`KIT_VERSION=${kitVersion}\n`);
		expect(read('gradescope/run_autograder')).toContain('"gradescope=$RESULTS"');
		expect(read('prairielearn/Dockerfile')).toContain(`ARG KIT_VERSION=${kitVersion}\n`);
		expect(read('prairielearn/run.sh')).toContain('"prairielearn=$RESULTS"');
		for (const file of ['classroom50/autograder.py', 'gradescope/run_autograder', 'gradescope/setup.sh', 'prairielearn/run.sh']) {
			expect(fs.statSync(path.join(templates, file)).mode & 0o111, file).not.toBe(0);
		}
		const syntax = execaSync('bash', ['-n', path.join(templates, 'gradescope/run_autograder'), path.join(templates, 'prairielearn/run.sh')], {reject: false});
		expect(syntax.exitCode, syntax.stderr).toBe(0);
	});

	it.skipIf(!hasPython)('the Classroom 50 autograder grades a workspace: exit 0 with a failing lab, and a valid result.json', async () => {
		const workspace = await initWorkspace();
		const env = {
			PATH: process.env.PATH ?? '',
			HOME: process.env.HOME ?? '',
			CLASSROOM: 'cs101',
			ASSIGNMENT: 'cluster-labs',
			SUBMISSION_TAG: 'submit/20260102T030405Z-abc1234',
			OWNER: 'alice',
			ASSIGNMENT_TYPE: 'individual',
			COMMIT_URL: 'https://github.com/org/cs101-cluster-labs-alice/commit/abc1234',
			RELEASE_URL: 'https://github.com/org/cs101-cluster-labs-alice/releases/tag/submit%2F20260102T030405Z-abc1234',
			REVIEW_URL: 'https://github.com/org/cs101-cluster-labs-alice/commit/abc1234',
			NCL_KIT_PACKAGE: repoRoot,
			NCL_LABS: '01-ipc',
			npm_config_cache: tempDir('ncl-npm-cache-'),
			npm_config_update_notifier: 'false',
		};
		const result = execaSync('python3', [path.join(templates, 'classroom50/autograder.py')], {cwd: workspace, env, extendEnv: false, timeout: 180_000, reject: false});
		expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
		const doc = JSON.parse(fs.readFileSync(path.join(workspace, 'result.json'), 'utf8')) as {score: number; 'max-score': number; tests: Array<{'test-name': string}>};
		expect(classroom50Problem(doc, {classroom: 'cs101', assignment: 'cluster-labs', type: 'individual', owner: 'alice'})).toBeUndefined();
		expect(doc.score).toBeLessThan(doc['max-score']);
		expect(doc.tests.every(test => test['test-name'].startsWith('01-ipc: '))).toBe(true);
	}, 200_000);

	it.skipIf(!hasPython)('the Classroom 50 autograder fails (an error result) outside a workspace', () => {
		const dir = tempDir('ncl-not-a-workspace-');
		const result = execaSync('python3', [path.join(templates, 'classroom50/autograder.py')], {cwd: dir, env: {PATH: process.env.PATH ?? ''}, extendEnv: false, reject: false});
		expect(result.exitCode).toBe(1);
		expect(result.stderr).toMatch(/no labs\/ folder here/);
		expect(fs.existsSync(path.join(dir, 'result.json'))).toBe(false);
	});
});
