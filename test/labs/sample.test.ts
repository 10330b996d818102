import {describe, expect, it} from 'vitest';
import {inSample, mutantSampleFraction} from './sample.js';

describe('the CI sample of mutants', () => {
	it('is all of them outside CI, half in CI, all with NCL_FULL=1, and what NCL_MUTANT_SAMPLE says', () => {
		expect(mutantSampleFraction({})).toBe(1);
		expect(mutantSampleFraction({CI: 'true'})).toBe(0.5);
		expect(mutantSampleFraction({CI: 'true', NCL_FULL: '1'})).toBe(1);
		expect(mutantSampleFraction({CI: 'true', NCL_MUTANT_SAMPLE: '0.25'})).toBe(0.25);
		expect(mutantSampleFraction({NCL_MUTANT_SAMPLE: 'lots'})).toBe(1);
	});

	it('takes about that fraction, the same within a day and another one the next day', () => {
		const keys = Array.from({length: 2000}, (_, index) => `lab/mutant-${index}`);
		const today = keys.filter(key => inSample(key, 0.5, '2026-12-04'));
		expect(today.length).toBeGreaterThan(900);
		expect(today.length).toBeLessThan(1100);
		expect(keys.filter(key => inSample(key, 0.5, '2026-12-04'))).toEqual(today);
		const tomorrow = keys.filter(key => inSample(key, 0.5, '2026-12-05'));
		expect(tomorrow).not.toEqual(today);
		expect(keys.every(key => inSample(key, 1, '2026-12-04'))).toBe(true);
		expect(keys.some(key => inSample(key, 0, '2026-12-04'))).toBe(false);
	});
});
