import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {hintsZhCN} from '../../cli/checks/hints.zh-CN.js';
import {hintText, setLang} from '../../cli/i18n/index.js';
import {packageRoot} from '../../cli/paths.js';

/** Every `hint: '…'` / `hint: "…"` literal in the checkers' code, unescaped. */
function hintLiterals(): Set<string> {
	const dir = path.join(packageRoot, 'cli', 'checks');
	const found = new Set<string>();
	for (const file of readdirSync(dir).filter(name => name.endsWith('.ts') && !name.includes('zh-CN'))) {
		const source = readFileSync(path.join(dir, file), 'utf8');
		for (const match of source.matchAll(/hint: (?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g)) found.add((match[1] ?? match[2]!).replace(/\\(.)/g, '$1'));
	}
	return found;
}

afterEach(() => setLang('en'));

describe('zh-CN hints of the checkers (cli/checks/hints.zh-CN.ts)', () => {
	it('are keyed by hints the checkers still write, word for word', () => {
		const literals = hintLiterals();
		expect(literals.size).toBeGreaterThan(100);
		expect(Object.keys(hintsZhCN).filter(key => !literals.has(key))).toEqual([]);
	});

	it('keep the code, numbers and quoted names of the English', () => {
		const problems: string[] = [];
		for (const [english, zh] of Object.entries(hintsZhCN)) {
			for (const token of english.match(/`[^`]+`|"[^"]+"|\d+|\b[\w.]+\(\)|process\.\w+(?:\.\w+)*/g) ?? []) if (!zh.includes(token)) problems.push(`"${token}" missing from ${zh}`);
		}
		expect(problems).toEqual([]);
	});

	it('are shown in zh-CN only; a hint not in the table stays English', () => {
		const [english, zh] = Object.entries(hintsZhCN)[0]!;
		expect(hintText(english)).toBe(english);
		setLang('zh-CN');
		expect(hintText(english)).toBe(zh);
		expect(hintText('A hint nobody translated.')).toBe('A hint nobody translated.');
	});
});
