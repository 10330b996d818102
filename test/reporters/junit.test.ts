import {describe, expect, it} from 'vitest';
import {createJunitReporter, escapeXmlAttr, escapeXmlText} from '../../cli/reporters/junit.js';
import {MULTILINE_EXPECTED, NASTY, allEvents, capture, passingLab, summaryOf} from './fixtures.js';
import {findAll, parseXml} from './xml.js';
import type {CheckEvent} from '../../cli/checks/events.js';

function run(events: CheckEvent[]): {xml: string; writesBeforeFinish: number} {
	const {options, text, writes} = capture();
	const reporter = createJunitReporter(options);
	for (const event of events) reporter.onEvent(event);
	const writesBeforeFinish = writes.length;
	reporter.finish(summaryOf(events));
	return {xml: text(), writesBeforeFinish};
}

describe('junit reporter', () => {
	it('writes a well-formed document only in finish', () => {
		const {xml, writesBeforeFinish} = run(allEvents());
		expect(writesBeforeFinish).toBe(0);
		expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
		expect(parseXml(xml).name).toBe('testsuites');
	});

	it('has counts that match the labs', () => {
		const root = parseXml(run(allEvents()).xml);
		// 3 + 4 steps + (1 step + the "checker" error case)
		expect(root.attrs).toEqual({name: 'node-cluster-lab', tests: '9', failures: '1', errors: '1', skipped: '2', time: '4.340'});
		const suites = findAll(root, 'testsuite');
		expect(suites.map((suite) => [suite.attrs.name, suite.attrs.tests, suite.attrs.failures, suite.attrs.errors, suite.attrs.skipped, suite.attrs.time])).toEqual([
			['01-ipc', '3', '0', '0', '0', '1.700'],
			['02-cluster', '4', '1', '0', '2', '2.600'],
			['03-sticky', '2', '0', '1', '0', '0.040'],
		]);
		for (const suite of suites) {
			const cases = suite.children.filter((child) => child.name === 'testcase');
			expect(cases).toHaveLength(Number(suite.attrs.tests));
			expect(findAll(suite, 'failure')).toHaveLength(Number(suite.attrs.failures));
			expect(findAll(suite, 'error')).toHaveLength(Number(suite.attrs.errors));
			expect(findAll(suite, 'skipped')).toHaveLength(Number(suite.attrs.skipped));
			for (const testcase of cases) expect(testcase.attrs.classname).toBe(suite.attrs.name);
		}
		expect(findAll(suites[0], 'testcase').map((testcase) => [testcase.attrs.name, testcase.attrs.time])).toEqual([
			['starts and listens', '0.123'],
			['forks 3 workers', '1.500'],
			['answers over IPC', '0.007'],
		]);
	});

	it('describes failures, skips and checker errors', () => {
		const root = parseXml(run(allEvents()).xml);
		const [failure] = findAll(root, 'failure');
		expect(failure.attrs).toEqual({message: `3 requests got ${NASTY}`, type: 'share'});
		expect(MULTILINE_EXPECTED).toContain('\n\n');
		expect(failure.text).toContain('expected:\n  HTTP/1.1 200 OK\n  x-worker-pid: <any>\n\n  hello & bye\nactual:');
		expect(failure.text).toContain(`actual:\n  HTTP/1.1 500\n  <html>"oops" & 'more'</html>`);
		expect(failure.text).toContain('hint: call listen() in the workers, not the primary: 100% of them');
		expect(failure.text).toContain(`repro: curl -si 'http://127.0.0.1:23457/?a=1&b=2'`);
		expect(findAll(root, 'skipped')[0].attrs).toEqual({message: 'an earlier step failed'});
		const checker = findAll(root, 'testcase').find((testcase) => testcase.attrs.name === 'checker');
		expect(checker?.attrs.classname).toBe('03-sticky');
		const [error] = checker?.children ?? [];
		expect(error.name).toBe('error');
		expect(error.attrs.message).toBe('the checker itself failed: TypeError: cannot read <undefined> & "x"');
		expect(error.text).toBe('TypeError: cannot read <undefined> & "x"\n    at check (checker.ts:1:1)');
	});

	it("puts each lab's output in its suite's system-out, without ANSI", () => {
		const root = parseXml(run(allEvents()).xml);
		const outs = findAll(root, 'testsuite').map((suite) => suite.children.find((child) => child.name === 'system-out')?.text);
		expect(outs[0]).toBe('PASSING-LAB-OUTPUT listening on 23456');
		expect(outs[1]).toBe('primary <1> ready\n[stderr] Error: EADDRINUSE & "co"\nFAILING-LAB-LAST-LINE');
		expect(outs[2]).toBe('ERRORING-LAB-OUTPUT');
	});

	it('escapes data: no raw <, & or quotes from data, no illegal characters', () => {
		const {xml} = run(allEvents());
		expect(xml).not.toContain('\u001B');
		expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
		expect(xml).not.toContain('<tag>');
		expect(xml).not.toContain('<html>');
		expect(xml).not.toContain('<undefined>');
		expect(xml).not.toMatch(/&(?!(?:amp|lt|gt|quot|apos|#\d+);)/);
		// Attribute values never contain a raw "<" (the parser rejects it too).
		for (const match of xml.matchAll(/\s[\w:-]+="([^"]*)"/g)) expect(match[1]).not.toContain('<');
		expect(xml).toContain('message="3 requests got a &lt;tag&gt; &amp; &quot;quotes&quot; and &apos;apostrophes&apos;"');
	});

	it('escape helpers handle every special character', () => {
		expect(escapeXmlText(`<a href="x">&'</a>`)).toBe(`&lt;a href="x"&gt;&amp;'&lt;/a&gt;`);
		expect(escapeXmlAttr(`<"'&>\n\t`)).toBe('&lt;&quot;&apos;&amp;&gt;&#10;&#9;');
		expect(escapeXmlText('a\u0000b\u0007c\u001B[1mbold\u001B[22m\u000Bd\uFFFEe')).toBe('abcboldde');
		expect(escapeXmlText('keep\ttab\nand newline')).toBe('keep\ttab\nand newline');
		expect(escapeXmlText('emoji 🚀 stays, lone \uD800 goes')).toBe('emoji 🚀 stays, lone  goes');
	});

	it('keeps newlines in attribute values as character references', () => {
		const events = passingLab();
		events.splice(1, 0, {type: 'step-fail', lab: '01-ipc', step: 'x', title: 'multi\nline', durationMs: 1, failure: {message: 'line one\nline two'}});
		const root = parseXml(run(events).xml);
		expect(findAll(root, 'failure')[0].attrs.message).toBe('line one\nline two');
	});

	it('handles an empty run', () => {
		const root = parseXml(run([]).xml);
		expect(root.attrs.tests).toBe('0');
		expect(root.children).toHaveLength(0);
	});
});
