/**
What must agree between a lesson and its zh-CN twin (/work/zh-spec.md, "What
must agree"; issue 14 item 3). test/lesson-twins.test.ts runs it on every lab
of the catalog and, on small lessons of its own, proves each rule can fail.
The map itself (each clause:/pitfall: quoting the twin's own words) is
test/contract-map.test.ts's check, run on the twin too.
*/
import {bullets, contractVariables} from './contract-map.js';

/** English heading → the exact zh-CN heading text the parsers look for. */
export const ZH_HEADINGS: Readonly<Record<string, string>> = {
	Contract: '契约',
	'What the checker does': '检查器做什么',
	'Try it yourself': '动手试试',
	Pitfalls: '常见陷阱',
	'Going further': '延伸阅读',
	Sources: '来源',
};

/** Front matter keys whose values are the same in both languages. */
const IDENTICAL_KEYS = ['id', 'order', 'entry', 'files', 'seeds', 'defaults', 'variables', 'weights'] as const;
/** Translated keys: present in both, and for lists the same count. */
const TRANSLATED_KEYS = ['title', 'summary', 'hints'] as const;

export type Lesson = {data: Record<string, unknown>; body: string};

type Section = {heading: string; text: string};

/** The `## ` sections of a body (fenced code ignored), with the text before the first as heading ''. */
export function sections(body: string): Section[] {
	const found: Section[] = [{heading: '', text: ''}];
	let fenced = false;
	for (const line of body.split('\n')) {
		if (/^```/.test(line)) fenced = !fenced;
		if (!fenced && /^## /.test(line)) found.push({heading: line.slice(3).trim(), text: ''});
		else found.at(-1)!.text += `${line}\n`;
	}
	return found;
}

/** Every fenced code block, fences included, in order. */
export function codeBlocks(body: string): string[] {
	return [...body.matchAll(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm)].map(match => match[0]);
}

const sorted = (items: Iterable<string>) => [...items].sort();
const same = (a: Iterable<string>, b: Iterable<string>) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
const show = (items: Iterable<string>) => JSON.stringify(sorted(items));
const stable = (value: unknown) => JSON.stringify(value ?? null);

/** Step ids of the lab named in a text as `id` or **id**. */
function stepsNamed(text: string, stepIds: readonly string[]): string[] {
	const named: string[] = [];
	for (const match of text.matchAll(/`([a-z0-9-]+)`|\*\*([a-z0-9-]+)\*\*/g)) {
		const id = match[1] ?? match[2]!;
		if (stepIds.includes(id)) named.push(id);
	}
	return named;
}

/** Pitfall bullets name a step in backticks only (contract-map.ts pinnedPitfalls). */
function stepsInBackticks(text: string, stepIds: readonly string[]): string[] {
	return stepIds.filter(id => text.includes(`\`${id}\``));
}

const numbers = (text: string) => text.match(/\d+/g) ?? [];
const assignments = (text: string) => new Set((text.match(/\b[A-Z][A-Z0-9_]*=[\w.:/-]+/g) ?? []).map(found => found.replace(/\.+$/, '')));
const links = (text: string) => text.match(/https?:\/\/[^\s)）>\]`"，。；]+/g)?.map(url => url.replace(/[.,]+$/, '')) ?? [];
const fileNames = (text: string) => new Set(text.match(/\b[\w-]+\.(?:ts|mts|cts|js|mjs|cjs|json|conf)\b/g) ?? []);

/**
Every way the twin disagrees with the English lesson, as sentences; empty when
they agree on everything checkable.
*/
export function twinProblems(en: Lesson, zh: Lesson, stepIds: readonly string[]): string[] {
	const problems: string[] = [];

	// Front matter.
	if (!same(Object.keys(en.data), Object.keys(zh.data))) problems.push(`front matter keys differ: English ${show(Object.keys(en.data))}, zh-CN ${show(Object.keys(zh.data))}`);
	for (const key of IDENTICAL_KEYS) if (stable(en.data[key]) !== stable(zh.data[key])) problems.push(`front matter "${key}" differs: English ${stable(en.data[key])}, zh-CN ${stable(zh.data[key])}`);
	for (const key of TRANSLATED_KEYS) {
		const [a, b] = [en.data[key], zh.data[key]];
		if (typeof a === 'string' && (typeof b !== 'string' || b.trim() === '')) problems.push(`front matter "${key}" is not translated`);
		if (Array.isArray(a) && (!Array.isArray(b) || b.length !== a.length)) problems.push(`front matter "${key}": ${a.length} in English, ${Array.isArray(b) ? b.length : 'none'} in zh-CN`);
	}
	for (const [key, textField] of [['contract', 'clause'], ['pitfalls', 'pitfall']] as const) {
		const [a, b] = [en.data[key], zh.data[key]];
		const listOf = (value: unknown) => (Array.isArray(value) ? (value as Array<Record<string, unknown>>) : []);
		const proofs = (value: unknown) => listOf(value).map(entry => stable({steps: entry.steps, mutants: entry.mutants}));
		if (stable(proofs(a)) !== stable(proofs(b))) problems.push(`front matter "${key}": the steps and mutants of the entries differ (same lists, same order, same count)`);
		for (const [index, entry] of listOf(b).entries()) if (typeof entry[textField] !== 'string' || entry[textField] === '') problems.push(`front matter "${key}" entry ${index + 1} has no ${textField}`);
	}

	// Sections, paired by position.
	const [enSections, zhSections] = [sections(en.body), sections(zh.body)];
	if (enSections.length !== zhSections.length) problems.push(`## sections: ${enSections.length - 1} in English, ${zhSections.length - 1} in zh-CN`);
	for (const [index, enSection] of enSections.entries()) {
		const zhSection = zhSections[index];
		if (!zhSection) break;
		const expected = ZH_HEADINGS[enSection.heading];
		if (expected !== undefined && zhSection.heading !== expected) problems.push(`## ${enSection.heading} must be "## ${expected}" in zh-CN, found "## ${zhSection.heading}"`);
		const missingFiles = [...fileNames(enSection.text.replace(/https?:\/\/\S+/g, ''))].filter(name => !fileNames(zhSection.text).has(name));
		if (missingFiles.length > 0) problems.push(`section ${index} (## ${enSection.heading || '(before the first)'}): zh-CN never names ${missingFiles.join(', ')}`);
	}
	const zhSection = (english: string) => zhSections.find(found => found.heading === ZH_HEADINGS[english])?.text ?? '';
	const enSection = (english: string) => enSections.find(found => found.heading === english)?.text ?? '';

	// Code, byte for byte.
	const [enCode, zhCode] = [codeBlocks(en.body), codeBlocks(zh.body)];
	if (enCode.length !== zhCode.length) problems.push(`code blocks: ${enCode.length} in English, ${zhCode.length} in zh-CN`);
	for (const [index, block] of enCode.entries()) if (zhCode[index] !== undefined && zhCode[index] !== block) problems.push(`code block ${index + 1} differs from the English one`);

	// Contract: the Environment table's variables and the number of bullets.
	const [enVariables, zhVariables] = [contractVariables(en.body), contractVariables(zh.body)];
	if (!same(enVariables, zhVariables)) problems.push(`## 契约: Environment variables ${show(zhVariables)}, English has ${show(enVariables)}`);
	const [enBullets, zhBullets] = [bullets(enSection('Contract')), bullets(zhSection('Contract'))];
	if (enBullets.length !== zhBullets.length) problems.push(`## 契约: ${zhBullets.length} bullets, English has ${enBullets.length}`);

	// What the checker does: step ids, numbers, NAME=value.
	const [enChecker, zhChecker] = [enSection('What the checker does'), zhSection('What the checker does')];
	const [enSteps, zhSteps] = [stepsNamed(enChecker, stepIds), stepsNamed(zhChecker, stepIds)];
	if (!same(new Set(enSteps), new Set(zhSteps))) problems.push(`## 检查器做什么: steps ${show(new Set(zhSteps))}, English names ${show(new Set(enSteps))}`);
	const [enNumbers, zhNumbers] = [numbers(enChecker), numbers(zhChecker)];
	if (!same(enNumbers, zhNumbers)) {
		const missing = [...enNumbers];
		const extra: string[] = [];
		for (const found of zhNumbers) {
			const at = missing.indexOf(found);
			if (at === -1) extra.push(found);
			else missing.splice(at, 1);
		}
		problems.push(`## 检查器做什么: numbers differ (missing in zh-CN: ${show(missing)}, extra: ${show(extra)})`);
	}
	const [enSet, zhSet] = [assignments(enChecker), assignments(zhChecker)];
	if (!same(enSet, zhSet)) problems.push(`## 检查器做什么: NAME=value ${show(zhSet)}, English writes ${show(enSet)}`);

	// Pitfalls: each bullet names the same steps as its English twin.
	const [enPitfalls, zhPitfalls] = [bullets(enSection('Pitfalls')), bullets(zhSection('Pitfalls'))];
	if (enPitfalls.length !== zhPitfalls.length) problems.push(`## 常见陷阱: ${zhPitfalls.length} bullets, English has ${enPitfalls.length}`);
	for (const [index, bullet] of enPitfalls.entries()) {
		const twin = zhPitfalls[index];
		if (twin === undefined) break;
		const [a, b] = [stepsInBackticks(bullet, stepIds), stepsInBackticks(twin, stepIds)];
		if (!same(a, b)) problems.push(`## 常见陷阱 bullet ${index + 1} names ${show(b)}, English names ${show(a)}`);
	}

	// Links.
	const [enLinks, zhLinks] = [links(en.body), links(zh.body)];
	if (!same(enLinks, zhLinks)) problems.push(`links differ: English ${show(enLinks)}, zh-CN ${show(zhLinks)}`);
	return problems;
}
