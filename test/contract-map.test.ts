import {existsSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {lessonBody, loadCatalog, splitFrontMatter, twinFile} from '../cli/catalog.js';
import {lessonsDir} from '../cli/paths.js';
import {checks} from '../cli/checks/index.js';
import {type LabFacts, mapProblems, readContractMap} from './contract-map.js';
import {mutantsOf} from './labs/mutants.js';

/**
Every clause of a lesson's Contract, every pitfall it pins on a step and every
variable it names maps to a step that can fail and a mutant that proves it
(test/contract-map.ts explains the front matter). This file is the static half:
test/labs/labs.test.ts runs each mutant and proves its step rejects it.
*/
describe('the clause → step → mutant map', () => {
	for (const lab of loadCatalog()) {
		it(`${lab.id}: every clause, pinned pitfall and variable has a step and a mutant`, () => {
			const {data} = splitFrontMatter(readFileSync(lab.lessonFile, 'utf8'));
			const check = checks[lab.id]!;
			const facts: LabFacts = {
				stepIds: check.steps.map(step => step.id),
				mutants: new Map(mutantsOf(lab.id).map(mutant => [mutant.name, mutant.rejectedBy])),
				defaults: lab.defaults,
				checkerVariables: check.variables,
			};
			expect(mapProblems(lessonBody(lab), readContractMap(data as Record<string, unknown>), facts)).toEqual([]);
		});
		// The zh-CN twin (lessons/zh-CN/<id>.md) carries its own map, quoting its own clauses; test/lesson-twins.test.ts
		// fails a lab without one.
		const twin = twinFile(lessonsDir, 'zh-CN', lab.id);
		if (existsSync(twin)) {
			it(`${lab.id} (zh-CN twin): every clause, pinned pitfall and variable has a step and a mutant`, () => {
				const {data, body} = splitFrontMatter(readFileSync(twin, 'utf8'));
				const check = checks[lab.id]!;
				const facts: LabFacts = {
					stepIds: check.steps.map(step => step.id),
					mutants: new Map(mutantsOf(lab.id).map(mutant => [mutant.name, mutant.rejectedBy])),
					defaults: lab.defaults,
					checkerVariables: check.variables,
				};
				expect(mapProblems(body, readContractMap(data as Record<string, unknown>), facts)).toEqual([]);
			});
		}
	}
});

/** The check itself must be able to fail: a small lesson and map, complete, then broken one way at a time. */
describe('the map check', () => {
	const lesson = [
		'## Contract',
		'',
		'| Variable | Meaning |',
		'| --- | --- |',
		'| `PORT` | port |',
		'| `WORKERS` | how many children |',
		'',
		'- exactly `WORKERS` children;',
		'- on SIGTERM all are gone within 3 s.',
		'',
		'## What the checker does',
		'',
		'Starts with WORKERS=3, then restarts with WORKERS=5.',
		'',
		'## Pitfalls',
		'',
		'- **Hard-coded children.** Fails `children`.',
		'- **A remark** that names no step.',
	].join('\n');
	const map = () =>
		readContractMap({
			contract: [
				{clause: 'exactly `WORKERS` children', steps: ['children'], mutants: ['ignores-workers']},
				{clause: 'on SIGTERM all are gone', steps: ['sigterm'], mutants: ['orphans']},
			],
			pitfalls: [{pitfall: 'Hard-coded children', steps: ['children'], mutants: ['ignores-workers']}],
			variables: {WORKERS: {values: [3, 5], mutants: ['workers-fixed-at-3']}},
		});
	const facts: LabFacts = {
		stepIds: ['starts', 'children', 'sigterm'],
		mutants: new Map([
			['ignores-workers', 'children'],
			['orphans', 'sigterm'],
			['workers-fixed-at-3', 'children'],
		]),
		defaults: {WORKERS: '2'},
		checkerVariables: {WORKERS: ['3', '5']},
	};

	it('passes a complete map', () => {
		expect(mapProblems(lesson, map(), facts)).toEqual([]);
	});

	it('fails a clause the map does not name', () => {
		const body = lesson.replace('- on SIGTERM', '- children exit when their channel closes;\n- on SIGTERM');
		expect(mapProblems(body, map(), facts)).toEqual(['Contract clause with no entry: "children exit when their channel closes;"']);
	});

	it('cuts a bullet into clauses, so a second obligation in one bullet needs its own entry', () => {
		const body = lesson.replace('all are gone within 3 s.', 'all are gone within 3 s. Nothing is respawned.');
		expect(mapProblems(body, map(), facts)).toEqual(['Contract clause with no entry: "Nothing is respawned."']);
	});

	it('fails an entry with no mutant, a mutant its steps do not reject, and a mutant that does not exist', () => {
		const broken = map();
		broken.contract[0]!.mutants = [];
		broken.contract[1]!.mutants = ['ignores-workers', 'ghost'];
		expect(mapProblems(lesson, broken, facts)).toEqual([
			'"exactly `WORKERS` children": no mutant proves it',
			'"on SIGTERM all are gone": mutant ignores-workers is rejected by children, not by a step of this entry',
			'"on SIGTERM all are gone": mutant ghost does not exist',
			'mutant orphans proves nothing the map names',
		]);
	});

	it('fails a step that does not exist, and a pinned pitfall with no entry', () => {
		const broken = map();
		broken.contract[1]!.steps = ['sigterm', 'shutdown'];
		broken.pitfalls = [];
		expect(mapProblems(lesson, broken, facts)).toEqual([
			'"on SIGTERM all are gone": step shutdown does not exist',
			'pitfall pinned on children with no entry: "Hard-coded children. Fails `children`."',
		]);
	});

	it('reads a zh-CN lesson: its headings, and clauses cut at ；and 。', () => {
		const zh = [
			'## 契约',
			'',
			'| 变量 | 含义 |',
			'| --- | --- |',
			'| `PORT` | 端口 |',
			'| `WORKERS` | 子进程数 |',
			'',
			'- 恰好 `WORKERS` 个子进程；',
			'- 收到 SIGTERM 后 3 s 内全部退出。',
			'',
			'## 检查器做什么',
			'',
			'先用 WORKERS=3 启动，再用 WORKERS=5 重启。',
			'',
			'## 常见陷阱',
			'',
			'- **写死子进程数。** 未通过 `children`。',
		].join('\n');
		const zhMap = () =>
			readContractMap({
				contract: [
					{clause: '恰好 `WORKERS` 个子进程', steps: ['children'], mutants: ['ignores-workers']},
					{clause: '收到 SIGTERM 后 3 s 内全部退出', steps: ['sigterm'], mutants: ['orphans']},
				],
				pitfalls: [{pitfall: '写死子进程数', steps: ['children'], mutants: ['ignores-workers']}],
				variables: {WORKERS: {values: [3, 5], mutants: ['workers-fixed-at-3']}},
			});
		expect(mapProblems(zh, zhMap(), facts)).toEqual([]);
		expect(mapProblems(zh.replace('全部退出。', '全部退出。不再重启。'), zhMap(), facts)).toEqual(['Contract clause with no entry: "不再重启。"']);
		expect(mapProblems(zh.replace('全部退出。', '全部退出；不再重启。'), zhMap(), facts)).toEqual(['Contract clause with no entry: "不再重启。"']);
		// Inside full-width parentheses a 。 cuts nothing, as a . inside ASCII ones.
		expect(mapProblems(zh.replace('全部退出。', '全部退出（即使在忙。也一样）。'), zhMap(), facts)).toEqual([]);
		expect(mapProblems(zh.replace('WORKERS=5', 'WORKERS=4'), zhMap(), facts)).toEqual(['"What the checker does" never says WORKERS=5']);
		expect(mapProblems(zh.replace('未通过 `children`', '未通过'), zhMap(), facts)).toEqual(['pitfall entry "写死子进程数" names 0 pinned Pitfalls bullets, not 1']);
	});

	it('fails a variable tried once, at its default, or at values the checker does not use or the lesson does not state', () => {
		const once = map();
		once.variables[0]!.values = ['2'];
		expect(mapProblems(lesson, once, {...facts, checkerVariables: {WORKERS: ['2']}})).toEqual([
			'WORKERS: 1 value(s), at least 2 needed',
			"WORKERS: the lesson's default 2 is among the values tried",
			'"What the checker does" never says WORKERS=2',
		]);
		expect(mapProblems(lesson, map(), {...facts, checkerVariables: {WORKERS: ['3']}})).toEqual(['WORKERS: the checker tries ["3"] (LabCheck.variables), the map says ["3","5"]']);
		const none = map();
		none.variables = [];
		expect(mapProblems(lesson, none, facts)).toEqual(['variable WORKERS of the Environment table has no entry', 'mutant workers-fixed-at-3 proves nothing the map names']);
	});
});
