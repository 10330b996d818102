import {readFileSync} from 'node:fs';
import {afterEach, describe, expect, it} from 'vitest';
import type {CheckEvent} from '../../cli/checks/events.js';
import {foldLabEvents} from '../../cli/checks/fold-events.js';
import {setLang, t} from '../../cli/i18n/index.js';
import {textWidth} from '../../cli/i18n/width.js';
import {createPrettyReporter} from '../../cli/reporters/pretty.js';

afterEach(() => setLang('en'));

const events: CheckEvent[] = [
	{type: 'lab-start', lab: '01-ipc', title: '与子进程对话：fork 与 IPC', dir: '/tmp/x', entry: 'main.ts', env: {WORKERS: '3'}, steps: []},
	{type: 'step-pass', lab: '01-ipc', step: 'starts', title: 'Starts and listens on HOST:PORT', durationMs: 12},
	{
		type: 'step-fail',
		lab: '01-ipc',
		step: 'child-processes',
		title: 'Forks child processes with an IPC channel',
		durationMs: 5,
		failure: {message: 'Your primary has no child processes with an IPC channel', expected: 'three children\nwith a channel', actual: 'none', hint: 'Use fork().', repro: 'npx tsx main.ts'},
	},
	{type: 'step-skip', lab: '01-ipc', step: 'workers-count', title: 'Forks exactly WORKERS (3) children', reason: 'an earlier step failed'},
	{type: 'output', lab: '01-ipc', stream: 'stdout', line: 'hello'},
	{type: 'lab-end', lab: '01-ipc', status: 'failed', durationMs: 30},
];

function report(): string {
	let text = '';
	const reporter = createPrettyReporter({write: chunk => (text += chunk), cwd: '/tmp', color: false, env: {}});
	for (const event of events) reporter.onEvent(event);
	reporter.finish({labs: foldLabEvents(events), nodeVersion: 'v20.20.2', platform: 'linux', startedAt: '', durationMs: 30});
	return text;
}

describe('the human reporter in zh-CN', () => {
	it('frames the checker\'s English messages in Chinese: step titles, labels lined up by columns, skipped, summary', () => {
		setLang('zh-CN');
		const text = report();
		expect(text).toContain('✓ 启动并监听 HOST:PORT (12 ms)');
		expect(text).toContain('✗ fork 出带 IPC 通道的子进程');
		expect(text).toContain('Your primary has no child processes with an IPC channel');
		// The continuation of a multi-line value sits under its first line: 期望： is 6 columns.
		const lines = text.split('\n');
		const first = lines.findIndex(line => line.includes('期望：three children'));
		expect(textWidth(lines[first]!.slice(0, lines[first]!.indexOf('three')))).toBe(textWidth(lines[first + 1]!.slice(0, lines[first + 1]!.indexOf('with'))));
		expect(text).toContain('实际：none');
		expect(text).toContain('提示：Use fork().');
		expect(text).toContain('自己试试：npx tsx main.ts');
		expect(text).toContain('- 恰好 fork 出 WORKERS（3）个子进程 （已跳过：前面的步骤未通过）');
		expect(text).toContain('你的程序输出了（最后几行）：');
		expect(text).toContain('已通过 0/1 个 lab (30 ms)');
		expect(text).toContain('1 个 lab 未通过：01-ipc');
	});

	it('is unchanged in English', () => {
		const text = report();
		expect(text).toContain('✓ Starts and listens on HOST:PORT (12 ms)');
		expect(text).toContain('    expected: three children\n              with a channel');
		expect(text).toContain('- Forks exactly WORKERS (3) children (skipped: an earlier step failed)');
		expect(text).toContain('0 of 1 lab passed (30 ms)');
	});

	it('translates the runner\'s skip reason only while the runner still words it that way', () => {
		expect(readFileSync(new URL('../../cli/checks/runner.ts', import.meta.url), 'utf8')).toContain(`'${t('en').report.earlierStepFailed}'`);
	});
});
