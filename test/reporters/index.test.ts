import {describe, expect, it} from 'vitest';
import {createReporter, reporterNames} from '../../cli/reporters/index.js';
import {allEvents, capture, summaryOf} from './fixtures.js';

describe('createReporter', () => {
	it('builds every named reporter, and each one writes something', () => {
		for (const name of reporterNames) {
			const {options, text} = capture();
			const reporter = createReporter(name, options);
			for (const event of allEvents()) reporter.onEvent(event);
			reporter.finish(summaryOf(allEvents()));
			expect(text().length, name).toBeGreaterThan(0);
		}
	});

	it('rejects an unknown name', () => {
		expect(() => createReporter('nope' as never, capture().options)).toThrow(/unknown reporter/);
	});
});
