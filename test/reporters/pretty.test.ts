import {describe, expect, it} from 'vitest';
import {createPrettyReporter} from '../../cli/reporters/pretty.js';
import {ESC, allEvents, capture, erroringLab, failingLab, passingLab, summaryOf} from './fixtures.js';

function run(color: boolean, events = allEvents()) {
	const {options, text, writes} = capture({color});
	const reporter = createPrettyReporter(options);
	for (const event of events) reporter.onEvent(event);
	const beforeFinish = writes.length;
	reporter.finish(summaryOf(events));
	return {text: text(), beforeFinish};
}

describe('pretty reporter', () => {
	it('streams: lab headers and steps are written before finish', () => {
		const {options, text} = capture();
		const reporter = createPrettyReporter(options);
		const events = passingLab();
		reporter.onEvent(events[0]);
		expect(text()).toContain('01-ipc  Talking to children: fork and IPC\n');
		expect(text()).toContain('  PORT=23456 WORKERS=3\n');
		for (const event of events.slice(1, 4)) reporter.onEvent(event);
		expect(text()).toContain('  ✓ starts and listens (123 ms)\n');
	});

	it('prints steps, failures, skips, notes and checker errors', () => {
		const {text} = run(false);
		const lines = text.split('\n');
		expect(lines).toContain('  ✓ forks 3 workers (1.5 s)');
		expect(lines).toContain('    workers answered 4/3/3');
		expect(lines).toContain('  ✗ shares the port #2');
		expect(lines).toContain(`    3 requests got a <tag> & "quotes" and 'apostrophes'`);
		expect(lines).toContain('  - restarts dead workers (skipped: an earlier step failed)');
		expect(lines).toContain('    hint: call listen() in the workers, not the primary: 100% of them');
		expect(lines).toContain(`    try it yourself: curl -si 'http://127.0.0.1:23457/?a=1&b=2'`);
		expect(lines).toContain('  ! the checker itself failed: TypeError: cannot read <undefined> & "x"');
		expect(text).toMatch(/please report it/i);
	});

	it('keeps multi-line expected/actual values indented under their label', () => {
		const {text} = run(false);
		expect(text).toContain(['    expected: HTTP/1.1 200 OK', '              x-worker-pid: <any>', '', '              hello & bye'].join('\n'));
		expect(text).toContain(['    actual:   HTTP/1.1 500', `              <html>"oops" & 'more'</html>`].join('\n'));
	});

	it("shows the program's output only for failed labs, after the failure", () => {
		const {text} = run(false);
		expect(text).toContain('    your program printed (last lines):\n    [your_program] primary <1> ready\n    [your_program] Error: EADDRINUSE & "co"\n    [your_program] FAILING-LAB-LAST-LINE\n');
		expect(text.indexOf('your program printed')).toBeGreaterThan(text.indexOf('✗ shares the port'));
		expect(text).not.toContain('PASSING-LAB-OUTPUT');
		expect(text).not.toContain('ERRORING-LAB-OUTPUT');
		expect(text.match(/\[your_program\]/g)).toHaveLength(3);
	});

	it('prints a summary with the node version and platform', () => {
		const {text, beforeFinish} = run(false);
		expect(beforeFinish).toBeGreaterThan(0);
		expect(text).toContain('1 of 3 labs passed (4.3 s)\n1 lab failed: 02-cluster\n1 lab could not be checked (checker error): 03-sticky\nnode v20.20.2 linux\n');
		const allPass = run(false, passingLab());
		expect(allPass.text).toContain('1 of 1 lab passed');
		expect(allPass.text).not.toContain('failed');
	});

	it('writes no ANSI escapes when colour is off, even if the program printed some', () => {
		const {text} = run(false);
		expect(text).not.toContain(ESC);
		expect(text).not.toContain('[31m');
	});

	it('colours ticks, crosses and skips when colour is on', () => {
		const {text} = run(true, [...failingLab(), ...erroringLab()]);
		expect(text).toContain(`${ESC}[32m✓${ESC}[39m boots`);
		expect(text).toContain(`${ESC}[31m✗${ESC}[39m shares the port #2`);
		expect(text).toContain(`${ESC}[2m  - restarts dead workers (skipped: an earlier step failed)${ESC}[22m`);
		// The learner's own escapes are still stripped.
		expect(text).not.toContain(`${ESC}[32mprimary`);
	});
});
