import {describe, expect, it} from 'vitest';
import {checks} from '../../cli/checks/index.js';
import {stepTitlesZhCN} from '../../cli/checks/titles.zh-CN.js';
import {resolveLang, stepTitle} from '../../cli/i18n/index.js';

describe('zh-CN step titles (cli/checks/titles.zh-CN.ts)', () => {
	it('name every step of every lab, and no step that does not exist', () => {
		const missing: string[] = [];
		for (const [lab, check] of Object.entries(checks)) for (const step of check.steps) if (!stepTitlesZhCN[lab]?.[step.id]) missing.push(`${lab}/${step.id}`);
		expect(missing, 'steps with no zh-CN title').toEqual([]);
		const stale: string[] = [];
		for (const [lab, titles] of Object.entries(stepTitlesZhCN)) for (const id of Object.keys(titles)) if (!checks[lab]?.steps.some(step => step.id === id)) stale.push(`${lab}/${id}`);
		expect(stale, 'titles of steps that no longer exist').toEqual([]);
	});

	it('keep what a learner types or reads in code: every NAME=value, number and path of the English title', () => {
		const problems: string[] = [];
		for (const [lab, check] of Object.entries(checks)) {
			for (const step of check.steps) {
				const zh = stepTitlesZhCN[lab]![step.id]!;
				for (const token of step.title.match(/\b[A-Z][A-Z0-9_]*=[\w.-]+|\d+|\/[\w/:<>?=.-]+/g) ?? []) if (!zh.includes(token.replace(/[.,:]$/, ''))) problems.push(`${lab}/${step.id}: "${token}" missing from "${zh}"`);
			}
		}
		expect(problems).toEqual([]);
	});

	it('are what stepTitle gives in zh-CN; English keeps the checker\'s own', () => {
		expect(stepTitle('01-ipc', 'starts', 'Starts and listens on HOST:PORT', 'zh-CN')).toBe('启动并监听 HOST:PORT');
		expect(stepTitle('01-ipc', 'starts', 'Starts and listens on HOST:PORT', 'en')).toBe('Starts and listens on HOST:PORT');
	});
});

describe('resolveLang', () => {
	it('--lang, then NCL_LANG, then the saved choice, then LC_ALL / LC_MESSAGES / LANG (first set wins), English otherwise', () => {
		expect(resolveLang({env: {}})).toBe('en');
		expect(resolveLang({env: {LANG: 'zh_CN.UTF-8'}})).toBe('zh-CN');
		expect(resolveLang({env: {LANG: 'zh_TW.UTF-8'}})).toBe('zh-CN');
		expect(resolveLang({env: {LANG: 'zh_CN.UTF-8', LC_MESSAGES: 'C'}})).toBe('en');
		expect(resolveLang({env: {LANG: 'C', LC_ALL: 'zh_CN.GB18030'}})).toBe('zh-CN');
		expect(resolveLang({env: {LANG: 'zh_CN.UTF-8', LC_ALL: ''}})).toBe('zh-CN');
		expect(resolveLang({env: {LANG: 'C'}, saved: 'zh-CN'})).toBe('zh-CN');
		expect(resolveLang({env: {NCL_LANG: 'en'}, saved: 'zh-CN'})).toBe('en');
		expect(resolveLang({env: {NCL_LANG: 'zh'}})).toBe('zh-CN');
		expect(resolveLang({flag: 'en', env: {NCL_LANG: 'zh-CN', LANG: 'zh_CN'}})).toBe('en');
		expect(resolveLang({flag: 'zh_cn', env: {}})).toBe('zh-CN');
		expect(resolveLang({env: {}, saved: 'gibberish'})).toBe('en');
	});

	it('throws one line listing the choices for a --lang or NCL_LANG that names none', () => {
		expect(() => resolveLang({flag: 'fr', env: {}})).toThrow('--lang "fr": unknown language; choose one of: en, zh-CN');
		expect(() => resolveLang({env: {NCL_LANG: 'de'}})).toThrow('NCL_LANG "de": unknown language; choose one of: en, zh-CN');
	});
});
