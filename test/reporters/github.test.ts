import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {createGithubReporter, escapeData, escapeProperty, firstTodoLine} from '../../cli/reporters/github.js';
import {allEvents, capture, passingLab, summaryOf} from './fixtures.js';
import type {CheckEvent} from '../../cli/checks/events.js';

let root: string;

beforeEach(() => {
	root = fs.mkdtempSync(path.join(os.tmpdir(), 'ncl-github-'));
	fs.mkdirSync(path.join(root, 'labs/02-cluster'), {recursive: true});
	fs.writeFileSync(path.join(root, 'labs/02-cluster/server.js'), "import cluster from 'node:cluster';\n\n// TODO: fork one worker per CPU\n// TODO: later\n");
});

afterEach(() => {
	fs.rmSync(root, {recursive: true, force: true});
});

function run(events: CheckEvent[], env: Record<string, string | undefined> = {}) {
	const {options, text, writes} = capture({cwd: root, env});
	const reporter = createGithubReporter(options);
	for (const event of events) reporter.onEvent(event);
	const writesBeforeFinish = writes.length;
	reporter.finish(summaryOf(events));
	return {text: text(), lines: text().split('\n').filter(Boolean), writesBeforeFinish};
}

describe('github reporter', () => {
	it('prints one escaped ::error per failed step, at the first TODO of the entry file', () => {
		const {lines, writesBeforeFinish} = run(allEvents(root));
		expect(writesBeforeFinish).toBe(0);
		const errors = lines.filter((line) => line.startsWith('::error'));
		expect(errors).toHaveLength(2);
		expect(errors[0]).toBe(
			'::error file=labs/02-cluster/server.js,line=3,title=02-cluster%3A shares the port #2::' +
				`3 requests got a <tag> & "quotes" and 'apostrophes'` +
				' — expected: HTTP/1.1 200 OK%0Ax-worker-pid: <any>%0A%0Ahello & bye' +
				` — actual: HTTP/1.1 500%0A<html>"oops" & 'more'</html>` +
				' — hint: call listen() in the workers, not the primary: 100%25 of them',
		);
		expect(errors[0]).not.toContain('\u001B');
		expect(errors[1]).toBe('::error title=checker error::03-sticky: the checker itself failed (a node-cluster-lab bug, not your program): TypeError: cannot read <undefined> & "x"%0A    at check (checker.ts:1:1)');
	});

	it('ends with a plain summary line', () => {
		const {lines} = run(allEvents(root));
		expect(lines.at(-1)).toBe('node-cluster-lab: 1 of 3 labs passed (1 failed, 1 checker error) in 4.3 s, node v20.20.2 linux');
		expect(run(passingLab(root)).lines).toEqual(['node-cluster-lab: 1 of 1 lab passed in 4.3 s, node v20.20.2 linux']);
	});

	it('falls back to line 1 when the entry file is missing or has no TODO', () => {
		fs.writeFileSync(path.join(root, 'labs/02-cluster/server.js'), 'done\n');
		expect(run(allEvents(root)).lines[0]).toMatch(/^::error file=labs\/02-cluster\/server\.js,line=1,/);
		fs.rmSync(path.join(root, 'labs'), {recursive: true});
		expect(run(allEvents(root)).lines[0]).toMatch(/^::error file=labs\/02-cluster\/server\.js,line=1,/);
		expect(firstTodoLine(path.join(root, 'nope.js'))).toBe(1);
	});

	it('escapes workflow command data and properties', () => {
		expect(escapeData('100% a\r\nb: c, d')).toBe('100%25 a%0D%0Ab: c, d');
		expect(escapeProperty('100% a\r\nb: c, d')).toBe('100%25 a%0D%0Ab%3A c%2C d');
		const events = allEvents(root).map((event): CheckEvent => (event.type === 'step-fail' ? {...event, title: 'a, b: c\nd'} : event));
		expect(run(events).lines[0]).toContain(',title=02-cluster%3A a%2C b%3A c d::');
	});

	it('appends a Markdown summary to GITHUB_STEP_SUMMARY', () => {
		const file = path.join(root, 'summary.md');
		fs.writeFileSync(file, '# earlier step\n');
		run(allEvents(root), {GITHUB_STEP_SUMMARY: file});
		const markdown = fs.readFileSync(file, 'utf8');
		expect(markdown.startsWith('# earlier step\n## node-cluster-lab: 1 of 3 labs passed\n')).toBe(true);
		expect(markdown).toContain('| Lab | Status | Steps passed | Time |');
		expect(markdown).toContain('| 01-ipc Talking to children: fork and IPC | ✅ | 3/3 | 1.7 s |');
		expect(markdown).toContain('| 02-cluster The cluster module | ❌ | 1/4 | 2.6 s |');
		expect(markdown).toContain('| 03-sticky Sticky sessions | ⚠️ | 1/1 | 40 ms |');
		expect(markdown).toContain('<summary>❌ 02-cluster: The cluster module</summary>');
		expect(markdown).toContain('**✗ shares the port #2**: 3 requests got a &lt;tag&gt; &amp; "quotes" and \'apostrophes\'');
		expect(markdown).toContain('expected:\n\n```text\nHTTP/1.1 200 OK\nx-worker-pid: <any>\n\nhello & bye\n```');
		expect(markdown).toContain('actual:\n\n```text\nHTTP/1.1 500\n<html>"oops" & \'more\'</html>\n```');
		expect(markdown).toContain('hint: call listen() in the workers, not the primary: 100% of them');
		expect(markdown).toContain("```sh\ncurl -si 'http://127.0.0.1:23457/?a=1&b=2'\n```");
		expect(markdown).toContain('<summary>⚠️ 03-sticky: Sticky sessions</summary>');
		expect(markdown).not.toContain('\u001B');
		expect(markdown).not.toContain('<summary>✅');

		run(passingLab(root), {GITHUB_STEP_SUMMARY: file});
		const again = fs.readFileSync(file, 'utf8');
		expect(again.startsWith(markdown)).toBe(true);
		expect(again.slice(markdown.length)).toContain('## node-cluster-lab: 1 of 1 lab passed');
	});

	it('writes no summary file when GITHUB_STEP_SUMMARY is unset or empty', () => {
		const before = fs.readdirSync(root).sort();
		const {lines} = run(allEvents(root), {});
		run(allEvents(root), {GITHUB_STEP_SUMMARY: ''});
		expect(fs.readdirSync(root).sort()).toEqual(before);
		expect(lines.some((line) => line.startsWith('::warning'))).toBe(false);
	});

	it('warns instead of throwing when the summary file cannot be written', () => {
		const file = path.join(root, 'missing-dir', 'summary.md');
		const {lines} = run(passingLab(root), {GITHUB_STEP_SUMMARY: file});
		expect(lines.some((line) => line.startsWith('::warning::could not write the job summary to '))).toBe(true);
	});
});
