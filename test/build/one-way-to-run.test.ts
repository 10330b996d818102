import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect, it} from 'vitest';

const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
Where the kit and its tests may use node:child_process themselves, and why.
Everywhere else a program is run through cli/harness/run-program.ts (execa):
one sentence for every failure, a timeout with a forced kill, cleanup.
*/
const allowed: Record<string, string> = {
	'cli/harness/run-program.ts': 'the ChildProcess type of a started program',
	'cli/harness/lab-process.ts': 'the ChildProcess type of the keeper (started with execa)',
	'cli/harness/keeper.mjs': 'a plain script with no dependencies: it must start before anything can fail to load',
	'cli/harness/ipc-spy.cjs': "wraps ChildProcess's send() to record IPC: the module it spies on",
	'cli/harness/trace-launcher.mjs': 'spawns the traced command with inherited stdio, as a shell would',
	'test/fixtures/broken/orphans/01-ipc/main.ts': "a learner's program: fork() is the subject",
	'test/fixtures/broken/orphans-busy/01-ipc/main.ts': "a learner's program: fork() is the subject",
	'test/harness/fixtures/hand-over.cjs': 'a primary that hands connections to a forked child over IPC: what the frozen-acceptor trap is tested on',
	'test/harness/fixtures/ipc-handles.cjs': 'fork() and IPC are what the spy is tested on',
	'test/harness/fixtures/shared-listener.mjs': 'fork() and a shared handle are what procfs is tested on',
	'test/harness/fixtures/zombie.mjs': 'a child it never reaps: a zombie on purpose',
	'test/harness/owner-probe.test.ts': 'a forked child with an IPC channel is what the probe looks for',
	'test/harness/write-at-once.test.ts': 'the hand-over fixture reports its port over IPC, and dies with its channel',
	'test/harness/procfs.test.ts': 'the ChildProcess type of its fixtures',
	'test/harness/readiness.test.ts': "a learner-like program that forks (in the program's source)",
	'test/harness/ts-loader.test.ts': "a learner-like program that forks a .ts child (in the program's source)",
	'test/harness/ipc-spy.test.ts': "fork() in the traced program's source",
	'test/harness/hold-at-start.test.ts': "fork() in the held program's source: forked children are what the hold tells apart",
};

function sourceFiles(dir: string): string[] {
	return readdirSync(path.join(repoRoot, dir), {withFileTypes: true, recursive: true})
		.filter(entry => entry.isFile() && /\.(ts|tsx|mjs|cjs|js)$/.test(entry.name))
		.map(entry => path.relative(repoRoot, path.join(entry.parentPath, entry.name)))
		.filter(file => !file.includes('node_modules'));
}

it('runs other programs one way: node:child_process only where the list says why', () => {
	const users = ['cli', 'scripts', 'test']
		.flatMap(sourceFiles)
		.filter(file => /(from|require\()\s*['"](node:)?child_process['"]/.test(readFileSync(path.join(repoRoot, file), 'utf8')))
		.sort();
	expect(users).toEqual(Object.keys(allowed).sort());
});
