/**
The app in a real terminal, as a learner uses it: the bundled CLI in a tmux pane,
in a fresh workspace. Watch mode sees the reference solution copied in and the
check pass; a syntax error and the check fail; q ends the app and every process
it started.
*/
import {appendFileSync, copyFileSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {lessonBody, loadCatalog} from '../../cli/catalog.js';
import {textWidth} from '../../cli/i18n/width.js';
import {lessonsDir, solutionsDir} from '../../cli/paths.js';
import {renderLesson} from '../../cli/ui/markdown.js';
import {buildCli, cliFile, initWorkspace, removeTempDirs} from '../cli/helpers.js';
import {describeProcs, processesIn, waitFor} from '../hygiene/helpers.js';
import {shellQuote, TmuxSession} from './helpers/tmux.js';

const LAB = '01-ipc';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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

/** The app as `npx node-cluster-lab` starts it in a terminal (CI unset: Ink draws nothing live with it). */
function openApp(workspace: string, width: number, height: number, args: string[] = []): TmuxSession {
	session = new TmuxSession(`env -u CI ${[process.execPath, cliFile, ...args].map(shellQuote).join(' ')}`, {width, height, cwd: workspace});
	return session;
}

function labStatus(workspace: string): string | undefined {
	const state = JSON.parse(readFileSync(path.join(workspace, 'node-cluster-lab.json'), 'utf8')) as {labs: Record<string, {status: string}>};
	return state.labs[LAB]?.status;
}

/**
The lesson's rows on screen (between the header and the position line) must be the very rows
the reader laid out for this width: a row too wide, which the terminal would wrap again, shifts
every row below it. (tmux never shows a row wider than the pane, so that alone proves nothing.)
*/
function expectRowsAsLaidOut(screen: string, height: number, position: RegExp, laidOut: string[], lab: string): void {
	const rows = screen.replace(/\n$/, '').split('\n');
	expect(rows.length, lab).toBeLessThanOrEqual(height);
	const at = rows.findIndex(row => position.test(row));
	expect(at, `${lab}: the position line on screen`).toBeGreaterThan(0);
	const [, first, last] = position.exec(rows[at]!)!;
	const shown = rows.slice(1, at).map(row => row.slice(1).trimEnd());
	expect(shown, lab).toEqual(laidOut.slice(Number(first) - 1, Number(last)));
}

describe('the app in a terminal', () => {
	it('watch mode: the solution saved in passes, a syntax error fails, q stops everything', async () => {
		const workspace = await initWorkspace('ws');
		const app = openApp(workspace, 100, 30);
		await app.waitFor(/❯ 01-ipc/);

		await app.waitForRawMode();
		app.sendKeys('Enter');
		// Opened in watch mode: the starter is checked at once, and fails.
		const starter = await app.waitFor(/✗ Failed at step \d+ of \d+ \(opened\)/, 90_000);
		expect(starter).toContain('expected:');
		expect(labStatus(workspace)).toBe('failing');

		const labDir = path.join(workspace, 'labs', LAB);
		for (const file of readdirSync(path.join(solutionsDir, LAB))) copyFileSync(path.join(solutionsDir, LAB, file), path.join(labDir, file));
		const passed = await app.waitFor(/✓ Passed in [\d.]+ m?s \(saved \w+\.ts\)/, 120_000);
		expect(passed).not.toContain('✗');
		expect(labStatus(workspace)).toBe('passed');

		appendFileSync(path.join(labDir, 'main.ts'), '\nconst = ;\n');
		const broken = await app.waitFor(/✗ Failed at step 1 of \d+ \(saved main\.ts\)/, 90_000);
		expect(broken).toContain('your program printed');
		expect(broken).toMatch(/ERROR|SyntaxError|Transform failed/);
		expect(labStatus(workspace)).toBe('failing');

		const tmuxServer = app.serverPid();
		app.sendKeys('q');
		expect(await app.waitForExit(15_000)).toBe(0);
		// Back on the shell's screen, a line says so.
		expect(app.captureAll()).toMatch(/node-cluster-lab: 0 of \d+ labs? passed\. Every process the app started has been stopped\./);
		// Nothing runs inside the workspace any more. The tmux server names it on its command line: it is the test's, ended in afterEach.
		const inside = () => processesIn(workspace).filter(proc => proc.pid !== tmuxServer);
		const left = (await waitFor(() => (inside().length === 0 ? [] : undefined), 5000)) ?? inside();
		expect(left, describeProcs(left)).toEqual([]);
	}, 360_000);

	it('at 80x24 the menu and the footer fit, and so does a failure', async () => {
		const workspace = await initWorkspace('ws');
		const app = openApp(workspace, 80, 24);
		const menu = await app.waitFor('q quit');
		const rows = menu.split('\n');
		expect(rows[0]).toMatch(/^node-cluster-lab · ws\s+0 of \d+ labs? passed$/);
		expect(rows.some(row => /^❯ 01-ipc\s+Talking to children/.test(row))).toBe(true);
		const footer = rows.findIndex(row => row.includes('q quit'));
		expect(footer).toBeGreaterThan(0);
		expect(footer).toBeLessThan(24);
		expect(rows[footer - 1]).toMatch(/^─{80}$/);
		expect(rows[footer]).toMatch(/^↑↓ move\s+enter open\s+l lesson\s+t 中文\s+\? keys\s+q quit$/);

		await app.waitForRawMode();
		app.sendKeys('Enter');
		const failed = await app.waitFor(/✗ Failed at step \d+/, 90_000);
		const failedRows = failed.split('\n');
		// The first row is still the header: nothing scrolled off the top.
		expect(failedRows[0]).toMatch(/^node-cluster-lab · ws/);
		expect(failedRows.some(row => row.startsWith('r run') && row.endsWith('q quit'))).toBe(true);
		expect(failed).toContain('try it yourself:');
		app.sendKeys('q');
		expect(await app.waitForExit(15_000)).toBe(0);
	}, 180_000);

	// Chinese takes two columns a character: no row may be wider than the terminal, and the lesson's
	// rows must reach the screen as the reader laid them out (a row Ink or the terminal wrapped again,
	// or a character cut in half, would not match).
	it.each([
		[80, 24],
		[100, 30],
	])('in zh-CN at %ix%i the menu, the lesson and the help fit, whole characters only; t switches live', async (width, height) => {
		const workspace = await initWorkspace('ws');
		const zh = loadCatalog(lessonsDir, 'zh-CN').find(lab => lab.id === LAB)!;
		const fits = (screen: string) => {
			const rows = screen.replace(/\n$/, '').split('\n');
			expect(rows.length).toBeLessThanOrEqual(height);
			for (const row of rows) expect(textWidth(row), row).toBeLessThanOrEqual(width);
			// tmux shows a character it could not place whole as nothing, or as _ in a non-UTF-8 pane.
			expect(screen).not.toContain('\uFFFD');
			return rows;
		};
		const app = openApp(workspace, width, height, ['--lang', 'zh-CN']);
		const menu = fits(await app.waitFor('q 退出'));
		expect(menu[0]).toMatch(/^node-cluster-lab · ws\s+已通过 0\/\d+ 个 lab$/);
		expect(menu.some(row => row.startsWith(`❯ ${LAB}`) && row.includes(zh.title) && row.trimEnd().endsWith('未开始'))).toBe(true);
		const footer = menu.findIndex(row => row.includes('q 退出'));
		expect(menu[footer - 1]).toMatch(new RegExp(`^─{${width}}$`));
		expect(menu[footer]).toMatch(/^↑↓ 移动\s+enter 打开\s+l 课程\s+t English\s+\? 按键\s+q 退出$/);

		await app.waitForRawMode();
		app.sendKeys('l');
		await app.waitFor(/01-ipc 课程 · 第 1-\d+ 行/);
		// The renderer loads on the first lesson opened: wait for the text.
		const lesson = fits(await app.waitFor(/主进程（primary）/));
		const expected = (await renderLesson(lessonBody(zh), width - 2, false)).map(row => row.text.trimEnd());
		const shown = lesson.slice(1, 8).map(row => row.slice(1).trimEnd());
		expect(shown).toEqual(expected.slice(0, 7));
		expect(shown.join('')).toMatch(/主进程（primary）/);

		app.sendKeys('?');
		const help = fits(await app.waitFor('语言（任何界面）'));
		// The right column: the key padded to 16 columns, then its use.
		expect(help.some(row => / {2}t {13}English \/ 中文$/.test(row.trimEnd()))).toBe(true);
		app.sendKeys('Escape');
		await app.waitFor(/01-ipc 课程 · 第 1-\d+ 行/);

		// Back to English, live, and remembered for the next start.
		app.sendKeys('t');
		fits(await app.waitFor(/01-ipc lesson · rows 1-\d+ of/));
		app.sendKeys('t');
		fits(await app.waitFor(/01-ipc 课程 · 第 1-\d+ 行/));
		app.sendKeys('q');
		expect(await app.waitForExit(15_000)).toBe(0);
		expect(app.captureAll()).toMatch(/node-cluster-lab：已通过 0\/\d+ 个 lab。本应用启动的所有进程都已停止。/);
		expect((JSON.parse(readFileSync(path.join(workspace, 'node-cluster-lab.json'), 'utf8')) as {lang?: string}).lang).toBe('zh-CN');
	}, 120_000);

	// The bundle replaces some dependencies (scripts/bundle.mjs); Markdown rendering pulls in
	// the most of them (marked-terminal, its tables, highlighting), so read every lesson in it,
	// at both sizes a learner's terminal is likely to have: its first screen and its last (G),
	// row for row as the reader laid them out. (Every row of every lesson is laid out within 60, 80 and
	// 100 columns in test/ui/lesson-layout.test.tsx; this proves the terminal shows them so.)
	// One launch per lab, the lab made current in the state file.
	it.each([
		[80, 24],
		[100, 30],
	])("opens every lab's lesson in the bundled app at %ix%i, first and last screen as laid out for the width", async (width, height) => {
		const workspace = await initWorkspace('ws');
		const stateFile = path.join(workspace, 'node-cluster-lab.json');
		const shownAsLaidOut = (lab: string, screen: string, laidOut: string[]) => expectRowsAsLaidOut(screen, height, new RegExp(`^${lab} lesson · rows (\\d+)-(\\d+) of`), laidOut, lab);
		for (const lab of loadCatalog()) {
			const laidOut = (await renderLesson(lessonBody(lab), width - 2, false)).map(row => row.text.trimEnd());
			writeFileSync(stateFile, JSON.stringify({...JSON.parse(readFileSync(stateFile, 'utf8')), current: lab.id}));
			const app = openApp(workspace, width, height);
			await app.waitFor(new RegExp(`❯ ${lab.id}`));
			await app.waitForRawMode();
			app.sendKeys('l');
			await app.waitFor(new RegExp(`${lab.id} lesson · rows`));
			// The renderer loads on the first lesson opened: wait for the text, or the error in its place.
			const first = await app.waitFor(new RegExp(`${escapeRegExp(lab.title)}|Could not render`));
			expect(first, lab.id).not.toMatch(/Could not render/);
			shownAsLaidOut(lab.id, first, laidOut);
			app.sendKeys('G');
			// The position line then says rows N-M of M: the last row is on screen.
			shownAsLaidOut(lab.id, await app.waitFor(new RegExp(`${lab.id} lesson · rows \\d+-(\\d+) of \\1\\b`)), laidOut);
			app.sendKeys('q');
			expect(await app.waitForExit(15_000)).toBe(0);
			app.kill();
			session = undefined;
		}
	}, 300_000);

	it('opens every lab\'s zh-CN lesson in the bundled app at 80x24, rows as laid out, none wider than the terminal', async () => {
		const workspace = await initWorkspace('ws');
		const stateFile = path.join(workspace, 'node-cluster-lab.json');
		for (const lab of loadCatalog(lessonsDir, 'zh-CN')) {
			expect(lab.missingTwin, `${lab.id} has its zh-CN twin`).toBeUndefined();
			writeFileSync(stateFile, JSON.stringify({...JSON.parse(readFileSync(stateFile, 'utf8')), current: lab.id}));
			const app = openApp(workspace, 80, 24, ['--lang', 'zh-CN']);
			await app.waitFor(new RegExp(`❯ ${lab.id}`));
			await app.waitForRawMode();
			app.sendKeys('l');
			await app.waitFor(new RegExp(`${lab.id} 课程 · 第`));
			const screen = await app.waitFor(new RegExp(`${escapeRegExp(lab.title)}|无法渲染`));
			expect(screen, lab.id).not.toMatch(/无法渲染/);
			for (const row of screen.replace(/\n$/, '').split('\n')) expect(textWidth(row), `${lab.id}: ${row}`).toBeLessThanOrEqual(80);
			const laidOut = (await renderLesson(lessonBody(lab), 80 - 2, false)).map(row => row.text.trimEnd());
			expectRowsAsLaidOut(screen, 24, new RegExp(`^${lab.id} 课程 · 第 (\\d+)-(\\d+) 行`), laidOut, lab.id);
			app.sendKeys('q');
			expect(await app.waitForExit(15_000)).toBe(0);
			app.kill();
			session = undefined;
		}
	}, 180_000);
});
