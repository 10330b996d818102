/**
JUnit XML, printed once at the end: one <testsuite> per lab, one <testcase> per
step, so CI systems (GitLab, Jenkins, test-summary actions) can show the labs.
*/
import type {Failure, LabResult, RunSummary} from '../checks/events.js';
import {relativePath, seconds, splitOutputLine, stripAnsi} from './text.js';
import type {Reporter, ReporterOptions} from './types.js';
import {failureLines} from './scores.js';

/**
Drops what XML 1.0 cannot carry at all: ANSI sequences first (so no "[31m"
debris is left behind), then C0 controls other than tab/newline/carriage return,
lone surrogates and U+FFFE/U+FFFF.
*/
export function xmlSafe(text: string): string {
	return (
		stripAnsi(text)
			// eslint-disable-next-line no-control-regex
			.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
			.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
	);
}

/** Escapes character data (element text). */
export function escapeXmlText(text: string): string {
	return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
Escapes an attribute value. Tabs and line breaks become character references,
since a parser would otherwise normalise them to spaces.
*/
export function escapeXmlAttr(text: string): string {
	return escapeXmlText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

function attrs(values: Record<string, string | number>): string {
	return Object.entries(values)
		.map(([key, value]) => ` ${key}="${escapeXmlAttr(String(value))}"`)
		.join('');
}

function failureText(failure: Failure): string {
	return failureLines(failure, 'repro');
}

type SuiteCounts = {tests: number; failures: number; errors: number; skipped: number};

function countLab(lab: LabResult): SuiteCounts {
	const errored = lab.status === 'error' ? 1 : 0;
	return {
		tests: lab.steps.length + errored,
		failures: lab.steps.filter((step) => step.status === 'failed').length,
		errors: errored,
		skipped: lab.steps.filter((step) => step.status === 'skipped').length,
	};
}

function suiteXml(lab: LabResult, cwd: string, timestamp: string): string[] {
	const counts = countLab(lab);
	const lines: string[] = [];
	lines.push(`  <testsuite${attrs({name: lab.lab, tests: counts.tests, failures: counts.failures, errors: counts.errors, skipped: counts.skipped, time: seconds(lab.durationMs), timestamp})}>`);
	lines.push('    <properties>');
	lines.push(`      <property${attrs({name: 'title', value: lab.title})}/>`);
	lines.push(`      <property${attrs({name: 'entry', value: relativePath(cwd, lab.entry)})}/>`);
	lines.push('    </properties>');
	for (const step of lab.steps) {
		const open = `    <testcase${attrs({classname: lab.lab, name: step.title, time: seconds(step.durationMs)})}`;
		if (step.status === 'failed') {
			const failure = step.failure ?? {message: 'step failed'};
			lines.push(`${open}>`);
			lines.push(`      <failure${attrs({message: failure.message, type: step.id})}>${escapeXmlText(failureText(failure))}</failure>`);
			lines.push('    </testcase>');
		} else if (step.status === 'skipped') {
			lines.push(`${open}>`);
			lines.push(`      <skipped${attrs({message: step.skipReason ?? 'skipped'})}/>`);
			lines.push('    </testcase>');
		} else {
			lines.push(`${open}/>`);
		}
	}
	if (lab.status === 'error') {
		const error = lab.error ?? 'unknown error';
		lines.push(`    <testcase${attrs({classname: lab.lab, name: 'checker', time: seconds(0)})}>`);
		lines.push(`      <error${attrs({message: `the checker itself failed: ${error.split('\n')[0]}`, type: 'checker'})}>${escapeXmlText(error)}</error>`);
		lines.push('    </testcase>');
	}
	if (lab.output.length > 0) {
		const text = lab.output.map((line) => {
			const split = splitOutputLine(line);
			return split.stream === 'stderr' ? `[stderr] ${split.line}` : split.line;
		});
		lines.push(`    <system-out>${escapeXmlText(text.join('\n'))}</system-out>`);
	}
	lines.push('  </testsuite>');
	return lines;
}

export function buildJunitXml(summary: RunSummary, cwd: string): string {
	const total: SuiteCounts = {tests: 0, failures: 0, errors: 0, skipped: 0};
	for (const lab of summary.labs) {
		const counts = countLab(lab);
		total.tests += counts.tests;
		total.failures += counts.failures;
		total.errors += counts.errors;
		total.skipped += counts.skipped;
	}
	const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
	lines.push(`<testsuites${attrs({name: 'node-cluster-lab', tests: total.tests, failures: total.failures, errors: total.errors, skipped: total.skipped, time: seconds(summary.durationMs)})}>`);
	for (const lab of summary.labs) lines.push(...suiteXml(lab, cwd, summary.startedAt));
	lines.push('</testsuites>');
	return `${lines.join('\n')}\n`;
}

export function createJunitReporter(options: ReporterOptions): Reporter {
	return {
		onEvent() {
			// A document reporter: everything comes from the summary.
		},
		finish(summary) {
			options.write(buildJunitXml(summary, options.cwd));
		},
	};
}
