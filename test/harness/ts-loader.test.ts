/**
The kit's light TypeScript loader (cli/harness/ts-loader.mjs, ts-hooks.mjs) on
what learners write in an ES module folder: types, `./x.js` imports of x.ts,
extensionless imports, import.meta.url, top-level await, a forked .ts child
(which inherits the loader), stack traces that point at the .ts line, and a file
changed between two runs. And the choice: tsx where the folder is CommonJS.
*/
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {execa} from 'execa';
import {afterAll, describe, expect, it} from 'vitest';
import {typeScriptLoader} from '../../cli/harness/lab-process.js';
import {tsLoaderFile, tsxLoaderUrl} from '../../cli/paths.js';

const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ncl-ts-loader-test-'));
afterAll(() => fs.rmSync(tempRoot, {recursive: true, force: true}));

function folder(name: string, type: 'module' | 'commonjs', files: Record<string, string>): string {
	const dir = path.join(tempRoot, name);
	fs.mkdirSync(dir, {recursive: true});
	fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({type}));
	for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
	return dir;
}

function run(dir: string, entry: string) {
	return execa(process.execPath, ['--import', pathToFileURL(tsLoaderFile).href, entry], {cwd: dir, reject: false, timeout: 30_000});
}

describe('the light TypeScript loader', () => {
	const dir = folder('esm', 'module', {
		'main.ts': `import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { twice } from './lib.js';
import { greeting } from './greet';
type Reply = { pid: number; value: number };
const child = fork(fileURLToPath(new URL('./child.ts', import.meta.url)));
const reply: Reply = await new Promise(resolve => child.once('message', resolve));
console.log(greeting, twice(21), reply.value, reply.pid !== process.pid);
child.disconnect();
`,
		'lib.ts': 'export const twice = (n: number): number => n * 2;\n',
		'greet.ts': "export const greeting: string = 'hello';\n",
		'child.ts': 'const value: number = 7;\nprocess.send!({ pid: process.pid, value });\n',
		'crash.ts': "interface Nothing {}\n\n\nthrow new Error('line four');\n",
		'broken.ts': 'const x: number = ;\n',
	});

	it('runs what learners write: types, ./x.js for x.ts, no extension, import.meta.url, top-level await, a forked .ts child', async () => {
		const result = await run(dir, 'main.ts');
		expect(result.stderr).toBe('');
		expect(result.stdout).toBe('hello 42 7 true');
	});

	it('points a stack trace at the line of the .ts file', async () => {
		const result = await run(dir, 'crash.ts');
		expect(result.exitCode).toBe(1);
		expect(result.stderr).toContain(`${path.join(dir, 'crash.ts')}:4`);
	});

	it('names the file, line and column of a syntax error, without esbuild\'s own stack', async () => {
		const result = await run(dir, 'broken.ts');
		expect(result.exitCode).toBe(1);
		expect(result.stderr).toContain(`${path.join(dir, 'broken.ts')}:1:18: ERROR: Unexpected ";"`);
		expect(result.stderr).not.toContain('esbuild');
	});

	it('runs the new text of a file changed since the last run (the cache is keyed by contents)', async () => {
		const changing = folder('changing', 'module', {'main.ts': "const word: string = 'first';\nconsole.log(word);\n"});
		expect((await run(changing, 'main.ts')).stdout).toBe('first');
		fs.writeFileSync(path.join(changing, 'main.ts'), "const word: string = 'second';\nconsole.log(word);\n");
		expect((await run(changing, 'main.ts')).stdout).toBe('second');
	});

	it('is chosen for an ES module folder; tsx for a CommonJS one, one with no package.json, or with NCL_TS_LOADER=tsx', () => {
		expect(typeScriptLoader(dir, undefined)).toBe(pathToFileURL(tsLoaderFile).href);
		expect(typeScriptLoader(folder('cjs', 'commonjs', {}), undefined)).toBe(tsxLoaderUrl);
		expect(typeScriptLoader(path.parse(tempRoot).root, undefined)).toBe(tsxLoaderUrl);
		expect(typeScriptLoader(dir, 'tsx')).toBe(tsxLoaderUrl);
	});
});
