/**
The CLI in zh-CN, end to end through the bundle: --lang, then NCL_LANG, then
the language saved in the workspace, then the locale; a bad value is one line.
*/
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {loadCatalog} from '../../cli/catalog.js';
import {lessonsDir} from '../../cli/paths.js';
import {buildCli, initWorkspace, removeTempDirs, runCli, survivors, tempDir, writeState} from '../cli/helpers.js';

const LAB = '01-ipc';
const zhTitle = () => loadCatalog(lessonsDir, 'zh-CN').find(lab => lab.id === LAB)!.title;
const enTitle = () => loadCatalog(lessonsDir, 'en').find(lab => lab.id === LAB)!.title;
let root: string;

beforeAll(async () => {
	buildCli();
	root = await initWorkspace();
}, 60_000);
afterEach(() => expect(survivors()).toEqual([]));
afterAll(removeTempDirs);

describe('choosing the language', () => {
	it('list --lang zh-CN: the zh-CN titles, statuses and summary line, columns lined up by width', async () => {
		const result = await runCli(['list', '--lang', 'zh-CN'], {cwd: root});
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(new RegExp(`^> ${LAB}\\s+${zhTitle()}\\s+未开始$`, 'm'));
		expect(result.stdout).toMatch(/^已通过 0\/\d+ 个 lab。$/m);
		expect(result.stdout).not.toContain('not started');
	});

	it('NCL_LANG=zh-CN, then the locale (LC_ALL over LANG), English otherwise; --lang wins over both', async () => {
		const zh = new RegExp(`${LAB}\\s+${zhTitle()}`);
		expect((await runCli(['list'], {cwd: root, env: {NCL_LANG: 'zh-CN'}})).stdout).toMatch(zh);
		expect((await runCli(['list'], {cwd: root, env: {LANG: 'zh_CN.UTF-8'}})).stdout).toMatch(zh);
		expect((await runCli(['list'], {cwd: root, env: {LANG: 'zh_CN.UTF-8', LC_ALL: 'en_US.UTF-8'}})).stdout).toContain(enTitle());
		expect((await runCli(['list'], {cwd: root, env: {LANG: 'de_DE.UTF-8'}})).stdout).toContain(enTitle());
		expect((await runCli(['list', '--lang', 'en'], {cwd: root, env: {NCL_LANG: 'zh-CN', LANG: 'zh_CN.UTF-8'}})).stdout).toContain(enTitle());
		expect((await runCli(['list'], {cwd: root, env: {NCL_LANG: 'en', LANG: 'zh_CN.UTF-8'}})).stdout).toContain(enTitle());
	});

	it('the language the app saved in the workspace, below NCL_LANG and above the locale', async () => {
		const saved = await initWorkspace();
		writeState(saved, state => {
			state.lang = 'zh-CN';
		});
		expect((await runCli(['list'], {cwd: saved, env: {LANG: 'en_US.UTF-8'}})).stdout).toContain(zhTitle());
		expect((await runCli(['list'], {cwd: saved, env: {NCL_LANG: 'en'}})).stdout).toContain(enTitle());
	});

	it('a bad --lang or NCL_LANG: one line that lists the choices, exit 2', async () => {
		const flag = await runCli(['list', '--lang', 'fr'], {cwd: root});
		expect(flag.code).toBe(2);
		expect(flag.stderr.trim()).toBe('node-cluster-lab: --lang "fr": unknown language; choose one of: en, zh-CN');
		const env = await runCli(['hint'], {cwd: root, env: {NCL_LANG: 'klingon'}});
		expect(env.code).toBe(2);
		expect(env.stderr.trim()).toBe('node-cluster-lab: NCL_LANG "klingon": unknown language; choose one of: en, zh-CN');
		const app = await runCli(['--lang', 'xx'], {cwd: root});
		expect(app.code).toBe(2);
		expect(app.stderr.trim().split('\n')).toHaveLength(1);
	});
});

describe('commands in zh-CN', () => {
	it('hint: the zh-CN hint, numbered in Chinese', async () => {
		const fresh = await initWorkspace();
		const result = await runCli(['hint', LAB, '--lang', 'zh-CN'], {cwd: fresh});
		expect(result.code).toBe(0);
		const hint = loadCatalog(lessonsDir, 'zh-CN').find(lab => lab.id === LAB)!.hints[0]!;
		expect(result.stdout).toContain(`提示 1/4：${hint}`);
		expect(result.stdout).toContain(`再运行一次 'npx node-cluster-lab hint ${LAB}' 查看下一条。`);
	});

	it('lesson: the zh-CN twin', async () => {
		const result = await runCli(['lesson', LAB, '--lang', 'zh-CN'], {cwd: root});
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^# 与子进程对话/);
		expect(result.stdout).toContain('## 检查器做什么');
		expect(result.stderr).toBe('');
	});

	it('init and doctor', async () => {
		const where = tempDir();
		const init = await runCli(['init', 'ws', '--lang', 'zh-CN'], {cwd: where});
		expect(init.code).toBe(0);
		expect(init.stdout).toMatch(/^已创建 ws，包含 \d+ 个 lab。$/m);
		expect(init.stdout).toContain('接下来：');
		const again = await runCli(['init', 'ws', '--lang', 'zh-CN'], {cwd: where});
		expect(again.stdout.trim()).toBe('ws 已经是一个工作区；没有做任何改动。');
		const doctor = await runCli(['doctor', '--lang', 'zh-CN'], {cwd: path.join(where, 'ws')});
		expect(doctor.stdout).toMatch(/^ok {4}\/proc {5}进程表和 socket 表可读$/m);
		expect(doctor.stdout).toMatch(/^工作区：/m);
	});
});
