/**
The app in zh-CN: the t key switches every string, the labs' titles and the
lesson live, and the workspace remembers the choice.
*/
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {cleanup, render} from 'ink-testing-library';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {AppSession} from '../../cli/app/session.js';
import {loadCatalog} from '../../cli/catalog.js';
import {runLab} from '../../cli/checks/runner.js';
import {setLang} from '../../cli/i18n/index.js';
import {textWidth} from '../../cli/i18n/width.js';
import {lessonsDir} from '../../cli/paths.js';
import {App} from '../../cli/ui/App.js';
import {STATE_FILE, type Workspace} from '../../cli/workspace.js';
import {fakeRunLab, fakeWatchFolder, type FakeRun, type FakeWatcher} from '../app/helpers/fakes.js';
import {removeTempWorkspaces, tempWorkspace} from '../app/helpers/workspace.js';
import {KEY, press} from './helpers.js';
import {eventually} from '../eventually.js';

vi.mock('../../cli/checks/runner.js', () => ({runLab: vi.fn()}));

let runs: FakeRun[];
let watchers: FakeWatcher[];
let workspace: Workspace;
let session: AppSession;
const zh = loadCatalog(lessonsDir, 'zh-CN');
const en = loadCatalog(lessonsDir, 'en');

/** ink-testing-library's terminal is 100 columns wide (test/app/e2e.tmux.test.ts tries 80x24 and 100x30 in tmux). */
const COLUMNS = 100;

function app() {
	session = new AppSession({workspace, env: {}, watchFolder: fakeWatchFolder(watchers), notifyMs: 1});
	return render(<App session={session} onQuit={vi.fn()} />);
}

beforeEach(() => {
	runs = [];
	watchers = [];
	vi.mocked(runLab).mockReset().mockImplementation(fakeRunLab(runs));
	workspace = tempWorkspace();
});

afterEach(async () => {
	cleanup();
	await session.close();
	removeTempWorkspaces();
	setLang('en');
});

const savedLang = () => (JSON.parse(readFileSync(path.join(workspace.root, STATE_FILE), 'utf8')) as {lang?: string}).lang;

describe('the app in zh-CN', () => {
	it('t switches the menu to Chinese and back, and the workspace remembers it', async () => {
		const {stdin, lastFrame} = app();
		expect(lastFrame()).toContain(en[0]!.title);
		await press(stdin, 't');
		await eventually(() => expect(lastFrame()).toContain(zh[0]!.title));
		const frame = lastFrame()!;
		expect(frame).toContain('未开始');
		expect(frame).toMatch(/已通过 0\/\d+ 个 lab/);
		expect(frame).toMatch(/↑↓ 移动\s+enter 打开\s+l 课程\s+t English\s+\? 按键\s+q 退出/);
		expect(frame).toContain('语言：简体中文');
		expect(savedLang()).toBe('zh-CN');
		await press(stdin, 't');
		await eventually(() => expect(lastFrame()).toContain(en[0]!.title));
		expect(savedLang()).toBe('en');
	});

	it('a new session opens in the saved language only when main.ts says so (it resolves --lang, NCL_LANG, the saved choice)', async () => {
		setLang('zh-CN');
		const {lastFrame} = app();
		expect(lastFrame()).toContain(zh[0]!.title);
		expect(session.getSnapshot().lang).toBe('zh-CN');
	});

	it('the check view: zh-CN step titles and framing, the checker\'s own message kept', async () => {
		const {stdin, lastFrame} = app();
		await press(stdin, 't');
		await eventually(() => expect(lastFrame()).toContain(zh[0]!.title));
		await press(stdin, KEY.enter);
		await eventually(() => expect(runs).toHaveLength(1));
		await eventually(() => expect(lastFrame()).toContain('正在检查（刚打开）'));
		const {lab, check, emit} = runs[0]!.options;
		emit({type: 'step-fail', lab: lab.id, step: check.steps[0]!.id, title: check.steps[0]!.title, durationMs: 12, failure: {message: 'Nothing listens on the port', expected: 'a server', actual: 'connection refused', hint: 'Call server.listen(PORT, HOST).'}});
		for (const step of check.steps.slice(1)) emit({type: 'step-skip', lab: lab.id, step: step.id, title: step.title, reason: 'an earlier step failed'});
		runs[0]!.finish('failed');
		await eventually(() => expect(lastFrame()).toContain('✗ 未通过'));
		const frame = lastFrame()!;
		expect(frame).toContain('启动并监听 HOST:PORT');
		expect(frame).toContain('Nothing listens on the port');
		expect(frame).toMatch(/期望：\s*a server/);
		expect(frame).toMatch(/实际：\s*connection refused/);
		expect(frame).toContain(`失败之后又跳过了 ${check.steps.length - 1} 步`);
		for (const line of frame.split('\n')) expect(textWidth(line), line).toBeLessThanOrEqual(COLUMNS);
	});

	it('the lesson: the zh-CN twin, its position line in Chinese; switching back shows the English lesson', async () => {
		const {stdin, lastFrame} = app();
		await press(stdin, 't');
		await eventually(() => expect(lastFrame()).toContain(zh[0]!.title));
		await press(stdin, 'l');
		await eventually(() => {
			expect(lastFrame()).toContain('与子进程对话');
			expect(lastFrame()).toMatch(/01-ipc 课程 · 第 1-\d+ 行，共 \d+ 行/);
		});
		for (const line of lastFrame()!.split('\n')) expect(textWidth(line), line).toBeLessThanOrEqual(COLUMNS);
		await press(stdin, 't');
		await eventually(() => {
			expect(lastFrame()).toContain('Talking to children');
			expect(lastFrame()).toMatch(/01-ipc lesson · rows 1-\d+ of \d+/);
		});
	});

	it('a lab with no twin yet: its English lesson, with a one-line notice', async () => {
		// As loadCatalog gives a lab whose lessons/zh-CN/<id>.md does not exist (test/i18n/catalog-lang.test.ts).
		const english = en[0]!;
		setLang('zh-CN');
		session = new AppSession({workspace, env: {}, labs: [{...english, missingTwin: 'zh-CN'}], watchFolder: fakeWatchFolder(watchers), notifyMs: 1});
		const {stdin, lastFrame} = render(<App session={session} onQuit={vi.fn()} />);
		await press(stdin, 'l');
		await eventually(() => {
			expect(lastFrame()).toContain(`${english.id} 还没有中文版：显示的是英文课程。`);
			expect(lastFrame()).toContain('Talking to children');
		});
	});
});
