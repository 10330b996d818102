/**
`npx node-cluster-lab` with no command opens the Ink app, which needs a
terminal. Without one (stdin not a TTY, or CI set, where Ink draws nothing live)
it must not crash with Ink's "Raw mode is not supported": it says which command
to run instead and exits 1. --help keeps printing the help.
*/
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {buildCli, cliFile, removeTempDirs, runCli, tempDir} from '../cli/helpers.js';
import {shellQuote, TmuxSession} from './helpers/tmux.js';

/** node dist/cli.js with stdin from /dev/null, in a plain environment plus `env`. */
const runWithoutTerminal = (args: string[], env: Record<string, string> = {}) => runCli(args, {cwd: tempDir(), env, timeoutMs: 30_000});

let session: TmuxSession | undefined;

beforeAll(() => {
	buildCli();
}, 60_000);

afterEach(() => {
	session?.kill();
	session = undefined;
});

afterAll(() => {
	removeTempDirs();
});

describe('the app without a terminal', () => {
	it('stdin from /dev/null: exit 1, and the message names verify (no crash, no stack)', async () => {
		const result = await runWithoutTerminal([]);
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('');
		expect(result.stderr).toContain('the interactive app needs a terminal (its input is not a terminal)');
		expect(result.stderr).toContain('npx node-cluster-lab verify');
		expect(result.stderr).not.toMatch(/Raw mode|^\s+at /m);
	});

	it('CI=true: exit 1 with the same advice', async () => {
		const result = await runWithoutTerminal([], {CI: 'true'});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('(CI is set)');
		expect(result.stderr).toContain('npx node-cluster-lab verify');
	});

	it('CI=true even in a real terminal: exit 1 with the advice on screen', async () => {
		session = new TmuxSession(`env CI=true ${shellQuote(process.execPath)} ${shellQuote(cliFile)}`, {width: 100, height: 20, cwd: tempDir()});
		expect(await session.waitForExit(15_000)).toBe(1);
		expect(session.captureAll()).toContain('npx node-cluster-lab verify');
	});

	it('--dir and other app options take the same path', async () => {
		const result = await runWithoutTerminal(['--dir', '.']);
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('npx node-cluster-lab verify');
	});

	it('--help and -h still print the help (exit 0), which mentions the app', async () => {
		for (const flag of ['--help', '-h']) {
			const result = await runWithoutTerminal([flag]);
			expect(result.code).toBe(0);
			expect(result.stdout).toContain('usage: node-cluster-lab <command> [options]');
			expect(result.stdout).toContain('node-cluster-lab [--dir <workspace>]   the interactive app');
		}
	});

	it('an unknown option is a usage error (exit 2), not the app', async () => {
		const result = await runWithoutTerminal(['--colour']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain("Unknown option '--colour'");
	});
});
