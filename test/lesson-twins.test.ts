import {existsSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {frontMatterText, loadCatalog, splitFrontMatter, twinFile} from '../cli/catalog.js';
import {checks} from '../cli/checks/index.js';
import {frontMatterSnapshotFile, lessonsDir} from '../cli/paths.js';
import {twinProblems, type Lesson} from './lesson-twins.js';

const read = (file: string): Lesson => {
	const {data, body} = splitFrontMatter(readFileSync(file, 'utf8'));
	return {data: data as Record<string, unknown>, body};
};

/**
Every lesson has a zh-CN twin (lessons/zh-CN/<id>.md) that agrees with it on
everything checkable: /work/zh-spec.md "What must agree", as test/lesson-twins.ts
implements it. A lab without a twin fails here, by name.
*/
describe('the zh-CN twins', () => {
	const english = loadCatalog(lessonsDir, 'en');
	for (const lab of english) {
		it(`${lab.id} has a zh-CN twin that agrees with the English lesson`, () => {
			const file = twinFile(lessonsDir, 'zh-CN', lab.id);
			expect(existsSync(file), `lessons/zh-CN/${lab.id}.md: missing twin`).toBe(true);
			const stepIds = checks[lab.id]!.steps.map(step => step.id);
			expect(twinProblems(read(lab.lessonFile), read(file), stepIds)).toEqual([]);
		});
	}

	// The app parses no YAML at start-up: scripts/bundle.mjs puts the twins' front matter in the snapshot too.
	it('are in the build\'s front-matter snapshot (npm run build writes it)', () => {
		const snapshot = JSON.parse(readFileSync(frontMatterSnapshotFile, 'utf8')) as Record<string, {id: string}>;
		for (const lab of english) {
			const file = twinFile(lessonsDir, 'zh-CN', lab.id);
			if (!existsSync(file)) continue; // failed by name above
			const yamlText = frontMatterText(readFileSync(file, 'utf8'))!;
			expect(Object.hasOwn(snapshot, yamlText), `zh-CN/${lab.id}'s front matter, as built`).toBe(true);
			expect(snapshot[yamlText]!.id).toBe(lab.id);
		}
	});

	it('are what the catalog shows in zh-CN (title, summary, hints, lesson file)', () => {
		const zh = loadCatalog(lessonsDir, 'zh-CN');
		for (const [index, lab] of zh.entries()) {
			const en = english[index]!;
			expect(lab.id).toBe(en.id);
			if (lab.missingTwin) continue; // the test above fails this lab by name
			expect(lab.lessonLang).toBe('zh-CN');
			expect(lab.lessonFile).toBe(twinFile(lessonsDir, 'zh-CN', lab.id));
			expect(lab.title).not.toBe(en.title);
			expect(lab.hints).toHaveLength(en.hints.length);
			expect({...lab, title: en.title, summary: en.summary, hints: en.hints, lessonFile: en.lessonFile, lessonLang: undefined}).toEqual({...en, lessonLang: undefined});
		}
	});
});

/** The check itself must be able to fail: a small lesson and its twin, agreeing, then broken one rule at a time. */
describe('the twin check', () => {
	const fence = '```';
	const enData = () => ({
		id: '99-demo',
		title: 'Demo',
		order: 99,
		entry: 'main.ts',
		files: ['main.ts', 'worker.ts'],
		seeds: ['003'],
		defaults: {WORKERS: 2},
		summary: 'A demo.',
		hints: ['one', 'two'],
		contract: [{clause: 'exactly `WORKERS` children', steps: ['children'], mutants: ['ignores-workers']}],
		pitfalls: [{pitfall: 'Hard-coded children', steps: ['children'], mutants: ['ignores-workers']}],
		variables: {WORKERS: {values: [3, 5], mutants: ['ignores-workers']}},
	});
	const zhData = () => ({
		...enData(),
		title: '演示',
		summary: '一个演示。',
		hints: ['一', '二'],
		contract: [{clause: '恰好 `WORKERS` 个子进程', steps: ['children'], mutants: ['ignores-workers']}],
		pitfalls: [{pitfall: '写死子进程数', steps: ['children'], mutants: ['ignores-workers']}],
	});
	const enBody = [
		'# Demo',
		'',
		'main.ts forks worker.ts. See https://nodejs.org/api/child_process.html.',
		'',
		`${fence}ts`,
		"fork('./worker.ts'); // ## not a heading",
		fence,
		'',
		'## Contract',
		'',
		'| Variable | Meaning |',
		'| --- | --- |',
		'| `WORKERS` | how many children |',
		'',
		'- exactly `WORKERS` children;',
		'- on SIGTERM all are gone within 3 s.',
		'',
		'## What the checker does',
		'',
		'1. **children**: starts with WORKERS=3, then WORKERS=5; 200 requests in 10 s.',
		'2. **sigterm**: see `children`.',
		'',
		'## Pitfalls',
		'',
		'- **Hard-coded children.** Fails `children`.',
		'- **A remark** that names no step.',
		'',
		'## Sources',
		'',
		'- seed 003: http://www.cnblogs.com/accordion/p/7207740.html',
	].join('\n');
	const zhBody = [
		'# 演示',
		'',
		'main.ts 会 fork worker.ts。参见 https://nodejs.org/api/child_process.html 。',
		'',
		`${fence}ts`,
		"fork('./worker.ts'); // ## not a heading",
		fence,
		'',
		'## 契约',
		'',
		'| 变量 | 含义 |',
		'| --- | --- |',
		'| `WORKERS` | 子进程数 |',
		'',
		'- 恰好 `WORKERS` 个子进程；',
		'- 收到 SIGTERM 后 3 s 内全部退出。',
		'',
		'## 检查器做什么',
		'',
		'1. **children**：先用 WORKERS=3，再用 WORKERS=5；10 s 内 200 个请求。',
		'2. **sigterm**：见 `children`。',
		'',
		'## 常见陷阱',
		'',
		'- **写死子进程数。** 未通过 `children`。',
		'- **一条备注**，不涉及任何步骤。',
		'',
		'## 来源',
		'',
		'- seed 003：http://www.cnblogs.com/accordion/p/7207740.html',
	].join('\n');
	const steps = ['children', 'sigterm'];
	const en = (): Lesson => ({data: enData(), body: enBody});
	const zh = (change: (twin: Lesson) => void = () => {}): Lesson => {
		const twin = {data: zhData() as Record<string, unknown>, body: zhBody};
		change(twin);
		return twin;
	};
	const problems = (change: (twin: Lesson) => void) => twinProblems(en(), zh(change), steps);

	it('passes a twin that agrees', () => {
		expect(twinProblems(en(), zh(), steps)).toEqual([]);
	});

	it('fails front matter that must be identical, a missing translated key, hints of another count, other proofs', () => {
		expect(problems(twin => (twin.data.order = 98))).toEqual(['front matter "order" differs: English 99, zh-CN 98']);
		expect(problems(twin => (twin.data.files = ['main.ts']))).toEqual(['front matter "files" differs: English ["main.ts","worker.ts"], zh-CN ["main.ts"]']);
		expect(problems(twin => (twin.data.variables = {WORKERS: {values: [5, 3], mutants: ['ignores-workers']}}))).toHaveLength(1);
		expect(problems(twin => delete twin.data.summary)).toEqual(['front matter keys differ: English ["contract","defaults","entry","files","hints","id","order","pitfalls","seeds","summary","title","variables"], zh-CN ["contract","defaults","entry","files","hints","id","order","pitfalls","seeds","title","variables"]', 'front matter "summary" is not translated']);
		expect(problems(twin => (twin.data.hints = ['一']))).toEqual(['front matter "hints": 2 in English, 1 in zh-CN']);
		expect(problems(twin => ((twin.data.contract as Array<{mutants: string[]}>)[0]!.mutants = []))).toEqual(['front matter "contract": the steps and mutants of the entries differ (same lists, same order, same count)']);
		expect(problems(twin => (twin.data.pitfalls = []))).toEqual(['front matter "pitfalls": the steps and mutants of the entries differ (same lists, same order, same count)']);
	});

	it('fails a heading not in the table, and another number of sections', () => {
		expect(problems(twin => (twin.body = twin.body.replace('## 契约', '## 合同')))).toEqual(expect.arrayContaining(['## Contract must be "## 契约" in zh-CN, found "## 合同"']));
		expect(problems(twin => (twin.body = twin.body.replace('## 来源', '来源')))).toEqual(expect.arrayContaining(['## sections: 4 in English, 3 in zh-CN']));
	});

	it('fails a code block changed, even in a comment, and one missing', () => {
		expect(problems(twin => (twin.body = twin.body.replace('// ## not a heading', '// ## 不是标题')))).toEqual(['code block 1 differs from the English one']);
		expect(problems(twin => (twin.body = twin.body.replace(/```ts[\s\S]*?```\n/, '')))).toEqual(['code blocks: 1 in English, 0 in zh-CN']);
	});

	it('fails another Environment variable and another number of Contract bullets', () => {
		expect(problems(twin => (twin.body = twin.body.replace('| `WORKERS` | 子进程数 |', '| `WORKER` | 子进程数 |')))).toEqual(['## 契约: Environment variables ["WORKER"], English has ["WORKERS"]']);
		expect(problems(twin => (twin.body = twin.body.replace('- 收到 SIGTERM', '  收到 SIGTERM')))).toEqual(['## 契约: 1 bullets, English has 2']);
	});

	it('fails "What the checker does" with a step, a number or a NAME=value of its own', () => {
		expect(problems(twin => (twin.body = twin.body.replace('2. **sigterm**', '2. **终止**')))).toEqual(['## 检查器做什么: steps ["children"], English names ["children","sigterm"]']);
		expect(problems(twin => (twin.body = twin.body.replace('200 个请求', '两百个请求')))).toEqual(['## 检查器做什么: numbers differ (missing in zh-CN: ["200"], extra: [])']);
		expect(problems(twin => (twin.body = twin.body.replace('10 s 内', '10 秒（10000 ms）内')))).toEqual(['## 检查器做什么: numbers differ (missing in zh-CN: [], extra: ["10000"])']);
		expect(problems(twin => (twin.body = twin.body.replace('再用 WORKERS=5', '再用 5 个 WORKERS')))).toEqual(['## 检查器做什么: NAME=value ["WORKERS=3"], English writes ["WORKERS=3","WORKERS=5"]']);
	});

	it('fails a pitfall bullet that names other steps than its English twin', () => {
		expect(problems(twin => (twin.body = twin.body.replace('未通过 `children`', '未通过 children')))).toEqual(['## 常见陷阱 bullet 1 names [], English names ["children"]']);
		expect(problems(twin => (twin.body = twin.body.replace('不涉及任何步骤', '会在 `sigterm` 失败')))).toEqual(['## 常见陷阱 bullet 2 names ["sigterm"], English names []']);
		expect(problems(twin => (twin.body = twin.body.replace('- **一条备注**', '  **一条备注**')))).toEqual(['## 常见陷阱: 1 bullets, English has 2']);
	});

	it('fails a link changed or dropped, and a file name the section no longer names', () => {
		expect(problems(twin => (twin.body = twin.body.replace('http://www.cnblogs.com', 'https://www.cnblogs.com')))).toEqual(['links differ: English ["http://www.cnblogs.com/accordion/p/7207740.html","https://nodejs.org/api/child_process.html"], zh-CN ["https://nodejs.org/api/child_process.html","https://www.cnblogs.com/accordion/p/7207740.html"]']);
		expect(problems(twin => (twin.body = twin.body.replace('main.ts 会 fork worker.ts', '主进程会 fork worker.ts')))).toEqual(['section 0 (## (before the first)): zh-CN never names main.ts']);
	});
});
