import {describe, expect, it} from 'vitest';
import {colourOff, inCi, noTerminalMessage, noTerminalReason} from '../../cli/app/terminal.js';

describe('whether the app can run', () => {
	it('needs a terminal on both ends, and no CI (Ink draws nothing live in CI)', () => {
		expect(noTerminalReason({}, true, true)).toBeUndefined();
		expect(noTerminalReason({}, false, true)).toMatch(/input is not a terminal/);
		expect(noTerminalReason({}, true, false)).toMatch(/output is not a terminal/);
		expect(noTerminalReason({CI: 'true'}, true, true)).toBe('CI is set');
		expect(noTerminalReason({CONTINUOUS_INTEGRATION: '1'}, true, true)).toBe('CI is set');
	});

	it('reads CI as Ink does: 0 and false mean no', () => {
		expect(inCi({CI: ''})).toBe(true);
		expect(inCi({CI: '0'})).toBe(false);
		expect(inCi({CI: 'false'})).toBe(false);
		expect(inCi({})).toBe(false);
	});

	it('says which command to run instead', () => {
		const message = noTerminalMessage('node-cluster-lab', 'CI is set');
		expect(message).toContain('npx node-cluster-lab verify');
		expect(message).toContain('CI is set');
	});

	it('turns colours off for NO_COLOR (any non-empty value) and FORCE_COLOR=0', () => {
		expect(colourOff({NO_COLOR: '1'})).toBe(true);
		expect(colourOff({NO_COLOR: ''})).toBe(false);
		expect(colourOff({FORCE_COLOR: '0'})).toBe(true);
		expect(colourOff({FORCE_COLOR: '1'})).toBe(false);
		expect(colourOff({})).toBe(false);
	});
});
