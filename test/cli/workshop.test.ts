/**
Workshop codes, end to end through the bundled CLI: the instructor locks the
solutions of a template workspace with `workshop`, a learner opens one lab's
with `unlock <code>`, and only that one opens.
*/
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {codeFor, labOpenedBy, looksLikeCode, normalizeCode, verifierFor} from '../../cli/workshop.js';
import {buildCli, initWorkspace, readState, removeTempDirs, runCli, stackLines, writeState} from './helpers.js';

const PASSPHRASE = 'correct horse battery staple';
const env = {NCL_WORKSHOP_PASSPHRASE: PASSPHRASE};
/** The progress file's workshop fields. */
const stateOf = (workspace: string) => readState(workspace) as unknown as {workshop?: {solutions: Record<string, string>}; unlocked?: string[]};

beforeAll(() => {
	buildCli();
}, 60_000);

afterAll(() => {
	removeTempDirs();
});

describe('codes', () => {
	it('are 8 characters in two groups, the same for the same passphrase and lab, different otherwise', () => {
		const code = codeFor(PASSPHRASE, '03-shared-handle');
		expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
		expect(codeFor(PASSPHRASE, '03-shared-handle')).toBe(code);
		expect(codeFor(PASSPHRASE, '04-dispatch')).not.toBe(code);
		expect(codeFor(`${PASSPHRASE}!`, '03-shared-handle')).not.toBe(code);
	});

	it('are read as typed: any case, dashes and spaces, O for 0 and I or L for 1', () => {
		expect(normalizeCode(' k7m2-qx9p ')).toBe('K7M2QX9P');
		expect(normalizeCode('1O1L-2I22')).toBe('10112122');
		expect(looksLikeCode('K7M2 QX9P')).toBe(true);
		expect(looksLikeCode('K7M2-QX9')).toBe(false);
		expect(looksLikeCode('K7M2-QX9U')).toBe(false);
	});

	it('open only the lab whose verifier they match', () => {
		const verifiers = {'01-ipc': verifierFor(codeFor(PASSPHRASE, '01-ipc'), '01-ipc'), '04-dispatch': verifierFor(codeFor(PASSPHRASE, '04-dispatch'), '04-dispatch')};
		expect(labOpenedBy(codeFor(PASSPHRASE, '04-dispatch').toLowerCase(), verifiers)).toBe('04-dispatch');
		expect(labOpenedBy(codeFor(PASSPHRASE, '05-auto-restart'), verifiers)).toBeUndefined();
		// A verifier is bound to its lab: 01's code does not open 04 even if copied over.
		expect(labOpenedBy(codeFor(PASSPHRASE, '01-ipc'), {'04-dispatch': verifiers['01-ipc']})).toBeUndefined();
	});
});

describe('workshop and unlock', () => {
	let template: string;
	let printed: Map<string, string>;

	beforeAll(async () => {
		template = await initWorkspace();
		const result = await runCli(['workshop', '01-ipc', '04-dispatch'], {cwd: template, env});
		expect(result.code, result.stderr).toBe(0);
		printed = new Map(result.stdout.split('\n').flatMap(line => {
			const match = /^(\S+)\s+([0-9A-Z]{4}-[0-9A-Z]{4})$/.exec(line);
			return match ? [[match[1]!, match[2]!] as const] : [];
		}));
	}, 60_000);

	it('prints a code per lab and stores only verifiers of them', () => {
		expect(printed).toEqual(new Map([['01-ipc', codeFor(PASSPHRASE, '01-ipc')], ['04-dispatch', codeFor(PASSPHRASE, '04-dispatch')]]));
		const text = fs.readFileSync(path.join(template, 'node-cluster-lab.json'), 'utf8');
		for (const code of printed.values()) {
			expect(text).not.toContain(code);
			expect(text).not.toContain(normalizeCode(code));
		}
		expect(Object.keys(stateOf(template).workshop!.solutions)).toEqual(['01-ipc', '04-dispatch']);
	});

	it('--print shows the same codes again and writes nothing', async () => {
		const before = fs.readFileSync(path.join(template, 'node-cluster-lab.json'), 'utf8');
		const result = await runCli(['workshop', '01-ipc', '04-dispatch', '--print'], {cwd: template, env});
		expect(result.code).toBe(0);
		expect(result.stdout).toContain(`01-ipc       ${printed.get('01-ipc')}`);
		expect(fs.readFileSync(path.join(template, 'node-cluster-lab.json'), 'utf8')).toBe(before);
	});

	it('without a passphrase, or a short one, says what to set (no stack trace)', async () => {
		const none = await runCli(['workshop'], {cwd: template});
		expect(none.code).toBe(2);
		expect(none.stderr).toContain('set NCL_WORKSHOP_PASSPHRASE');
		const short = await runCli(['workshop'], {cwd: template, env: {NCL_WORKSHOP_PASSPHRASE: 'secret'}});
		expect(short.code).toBe(1);
		expect(short.stderr).toContain('use at least 12');
		expect(stackLines(none.stderr + short.stderr)).toEqual([]);
	});

	it('a learner: the lab stays locked, even with --force, until its code; then it opens, and only it', async () => {
		const learner = await initWorkspace();
		writeState(learner, state => {
			state.workshop = stateOf(template).workshop;
		});
		const locked = await runCli(['solution', '04-dispatch', '--force'], {cwd: learner});
		expect(locked.code).toBe(1);
		expect(locked.stderr).toContain('the solution of 04-dispatch opens when your instructor reads out its code');

		const wrong = await runCli(['unlock', 'AAAA-AAAA'], {cwd: learner});
		expect(wrong.code).toBe(1);
		expect(wrong.stderr).toContain('AAAAAAAA opens no lab of this workshop');
		const junk = await runCli(['unlock', '<script>'], {cwd: learner});
		expect(junk.code).toBe(1);
		expect(junk.stderr).toContain('is not a workshop code');
		expect(stackLines(wrong.stderr + junk.stderr)).toEqual([]);

		// As a learner types it: lower case, in two words.
		const [first, second] = printed.get('04-dispatch')!.toLowerCase().split('-');
		const right = await runCli(['unlock', first!, second!], {cwd: learner});
		expect(right.code, right.stderr).toBe(0);
		expect(right.stdout).toContain('Opened the solution of 04-dispatch');
		expect(stateOf(learner).unlocked).toEqual(['04-dispatch']);

		// Opened for the room: shown without a pass and without --force.
		const shown = await runCli(['solution', '04-dispatch'], {cwd: learner});
		expect(shown.code, shown.stderr).toBe(0);
		expect(shown.stdout).toContain('// ===== solutions/04-dispatch/');
		const other = await runCli(['solution', '01-ipc', '--force'], {cwd: learner});
		expect(other.code).toBe(1);
		// A lab outside the workshop is as before: --force shows it.
		expect((await runCli(['solution', '03-shared-handle', '--force'], {cwd: learner})).code).toBe(0);
		// The instructor's hard lock is stronger than any code.
		const hard = await runCli(['solution', '04-dispatch'], {cwd: learner, env: {NCL_LOCK_SOLUTIONS: '1'}});
		expect(hard.code).toBe(1);
		expect(hard.stderr).toContain('solutions are locked');
	}, 60_000);

	it('a hand-edited workshop or unlocked field gets a plain sentence, not a stack trace', async () => {
		const broken = await initWorkspace();
		writeState(broken, state => {
			state.workshop = {solutions: {'01-ipc': 'not a verifier'}};
		});
		const result = await runCli(['solution', '01-ipc'], {cwd: broken});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('"workshop" should be');
		writeState(broken, state => {
			delete state.workshop;
			state.unlocked = 'all';
		});
		const unlocked = await runCli(['unlock', 'K7M2-QX9P'], {cwd: broken});
		expect(unlocked.code).toBe(1);
		expect(unlocked.stderr).toContain('"unlocked" should be a list of lab ids');
		expect(stackLines(result.stderr + unlocked.stderr)).toEqual([]);
	});
});
