import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {createTapReporter, tapDescription, yamlEntry} from '../../cli/reporters/tap.js';
import {ANSI_ACTUAL, MULTILINE_EXPECTED, NASTY, allEvents, capture, passingLab, summaryOf} from './fixtures.js';
import type {CheckEvent} from '../../cli/checks/events.js';

function run(events: CheckEvent[]) {
	const {options, text} = capture();
	const reporter = createTapReporter(options);
	const afterEach: string[] = [];
	for (const event of events) {
		reporter.onEvent(event);
		afterEach.push(text());
	}
	reporter.finish(summaryOf(events));
	return {text: text(), afterEach};
}

/** The YAML blocks of a TAP stream, with their indentation removed, parsed. */
function yamlBlocks(text: string): Array<Record<string, string>> {
	const blocks: Array<Record<string, string>> = [];
	const lines = text.split('\n');
	for (let i = 0; i < lines.length; i++) {
		const start = /^(\s*)---$/.exec(lines[i]);
		if (!start) continue;
		const indent = start[1];
		const body: string[] = [];
		for (i++; lines[i] !== `${indent}...`; i++) {
			expect(lines[i].startsWith(indent)).toBe(true);
			body.push(lines[i].slice(indent.length));
		}
		blocks.push(parse(`${body.join('\n')}\n`) as Record<string, string>);
	}
	return blocks;
}

describe('tap reporter', () => {
	it('prints subtests with plans, parent test points and the top plan last', () => {
		const {text} = run(allEvents());
		const lines = text.split('\n');
		expect(lines[0]).toBe('TAP version 14');
		const outline = lines.filter((line) => !/^\s{6}/.test(line) && !/^\s*(---|\.\.\.)$/.test(line));
		expect(outline).toEqual([
			'TAP version 14',
			'# Subtest: 01-ipc',
			'    ok 1 - starts and listens',
			'    ok 2 - forks 3 workers',
			'    ok 3 - answers over IPC',
			'    1..3',
			'ok 1 - 01-ipc',
			'# Subtest: 02-cluster',
			'    ok 1 - boots',
			'    not ok 2 - shares the port \\#2',
			'    ok 3 - restarts dead workers # SKIP an earlier step failed',
			'    ok 4 - drains on SIGTERM # SKIP an earlier step failed',
			'    1..4',
			'not ok 2 - 02-cluster',
			'# Subtest: 03-sticky',
			'    ok 1 - boots',
			'    not ok 2 - checker',
			'    1..2',
			'not ok 3 - 03-sticky',
			'1..3',
			'',
		]);
	});

	it('streams: each test point is written when its event arrives', () => {
		const events = passingLab();
		const {afterEach} = run(events);
		expect(afterEach[0]).toBe('TAP version 14\n# Subtest: 01-ipc\n');
		const firstPass = events.findIndex((event) => event.type === 'step-pass');
		expect(afterEach[firstPass].endsWith('    ok 1 - starts and listens\n')).toBe(true);
		expect(afterEach.at(-1)?.endsWith('    1..3\nok 1 - 01-ipc\n')).toBe(true);
	});

	it('attaches YAML diagnostics that round-trip, with block scalars for multi-line values', () => {
		const {text} = run(allEvents());
		expect(text).toContain('    not ok 2 - shares the port \\#2\n      ---\n      message: ');
		expect(text).toContain('      expected: |-\n        HTTP/1.1 200 OK\n        x-worker-pid: <any>\n      \n        hello & bye\n');
		const [failure, checker] = yamlBlocks(text);
		expect(failure).toEqual({
			message: `3 requests got ${NASTY}`,
			expected: MULTILINE_EXPECTED,
			actual: ANSI_ACTUAL,
			hint: 'call listen() in the workers, not the primary: 100% of them',
			repro: `curl -si 'http://127.0.0.1:23457/?a=1&b=2'`,
		});
		expect(checker.error).toBe('TypeError: cannot read <undefined> & "x"\n    at check (checker.ts:1:1)');
		expect(checker.message).toMatch(/checker itself failed/);
	});

	it('quotes YAML scalars only when needed', () => {
		const roundTrip = (value: string) => parse(`${yamlEntry('v', value).join('\n')}\n`).v as unknown;
		expect(yamlEntry('v', 'plain words here')).toEqual(['v: plain words here']);
		expect(yamlEntry('v', '200')).toEqual(['v: "200"']);
		for (const value of ['200', 'true', 'null', '~', '- dash', 'key: value', 'a # comment', '"quoted"', "'single'", '', ' padded ', '1.5e3', '0x1F', '@at', 'trailing:', 'tab\there', 'esc \u001B[1m', 'cr\r\nlf', 'ends with newline\n', '\n  indented first line\nnext', '  leading\nspaces', 'a\n\n\nb\n\n', '{json}', '[list]', '*alias', '!tag', '%directive', '|pipe', '>fold', 'line\u2028sep']) {
			expect(roundTrip(value)).toBe(value);
		}
	});

	it('escapes TAP descriptions', () => {
		expect(tapDescription('a # b \\ c')).toBe('a \\# b \\\\ c');
		expect(tapDescription('multi\nline\u001B[31m red')).toBe('multi line red');
	});

	it('prints just the header and an empty plan for an empty run', () => {
		expect(run([]).text).toBe('TAP version 14\n1..0\n');
	});
});
