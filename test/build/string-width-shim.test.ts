import {createRequire} from 'node:module';
import realStringWidth from 'string-width';
import {describe, expect, it} from 'vitest';

// The shim loads the real string-width with require(), which esbuild resolves in
// the bundle; under vitest that name must exist as a global.
(globalThis as {require?: NodeRequire}).require ??= createRequire(import.meta.url);
const {NARROW, default: shimWidth} = await import('../../scripts/shims/string-width.js');

/** Every code point the shim's fast path accepts, read off its character class. */
function narrowCodePoints(): number[] {
	const points: number[] = [];
	for (let point = 0; point <= 0xffff; point++) {
		if (point >= 0xd800 && point <= 0xdfff) continue;
		if (NARROW.test(String.fromCodePoint(point))) points.push(point);
	}
	return points;
}

describe('the string-width shim in the bundle', () => {
	it('accepts only characters the real string-width measures one column wide', () => {
		const points = narrowCodePoints();
		// 95 ASCII + 427 symbols (522): a shrunken class would make this test vacuous.
		expect(points.length).toBe(522);
		const wide = points.filter(point => realStringWidth(String.fromCodePoint(point)) !== 1);
		expect(wide.map(point => point.toString(16))).toEqual([]);
	});

	it('answers as the real one for styled text, wide text and ambiguous-wide callers', () => {
		const samples = [
			'plain ascii',
			'\u001B[1mnode-cluster-lab\u001B[22m\u001B[2m · ws\u001B[22m',
			'╭─ 03 ✓ passed ─╮ ⠋ … ← ↑ → ↓ ■ □ ✗ ❯ █ ░ ▌',
			'日本語',
			'emoji 👍🏽 and ✔️',
			'e\u0301 combining',
			'',
		];
		for (const text of samples) {
			expect(shimWidth(text), text).toBe(realStringWidth(text));
			expect(shimWidth(text, {ambiguousIsNarrow: false}), text).toBe(realStringWidth(text, {ambiguousIsNarrow: false}));
			expect(shimWidth(text, {countAnsiEscapeCodes: true}), text).toBe(realStringWidth(text, {countAnsiEscapeCodes: true}));
		}
	});
});
