/**
GitHub Actions: one ::error workflow command per failed step (shown as an
annotation on the learner's entry file), a plain summary line, and, when
GITHUB_STEP_SUMMARY is set, a Markdown table appended to the job summary.
*/
import fs from 'node:fs';
import path from 'node:path';
import type {Failure, LabResult, RunSummary, StepResult} from '../checks/events.js';
import {formatDuration, nodeLabel, oneLine, passedLine, plural, relativePath, sanitize, tallyLabs} from './text.js';
import type {Reporter, ReporterOptions} from './types.js';

/** Escapes the data part of a workflow command (after the "::"). */
export function escapeData(text: string): string {
	return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value (file=, title=): data escaping plus ":" and ",". */
export function escapeProperty(text: string): string {
	return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(name: string, properties: Record<string, string | number | undefined>, message: string): string {
	const props = Object.entries(properties)
		.filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '')
		.map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
		.join(',');
	return `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}

/** The 1-based line of the first "// TODO:" marker in a file, 1 when there is none or the file cannot be read. */
export function firstTodoLine(file: string): number {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch {
		return 1;
	}
	const index = text.split('\n').findIndex((line) => /\/\/ TODO:/.test(line));
	return index === -1 ? 1 : index + 1;
}

function annotationMessage(failure: Failure): string {
	const parts = [failure.message];
	if (failure.expected !== undefined) parts.push(`expected: ${failure.expected}`);
	if (failure.actual !== undefined) parts.push(`actual: ${failure.actual}`);
	if (failure.hint !== undefined) parts.push(`hint: ${failure.hint}`);
	return sanitize(parts.join(' — '));
}

const statusEmoji = {passed: '✅', failed: '❌', error: '⚠️'} as const;

/** Text for a Markdown paragraph or table cell: HTML-escaped, pipes escaped, one line. */
function mdInline(text: string): string {
	return sanitize(text)
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/[\\`*_[\]|]/g, '\\$&')
		.replace(/\n/g, '<br>');
}

/** A fenced code block whose fence is longer than any backtick run inside. */
function mdCode(text: string, lang = ''): string[] {
	const clean = sanitize(text);
	const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
	const fence = '`'.repeat(Math.max(3, longest + 1));
	return [`${fence}${lang}`, clean, fence];
}

function failedStepDetails(step: StepResult): string[] {
	const failure = step.failure ?? {message: 'step failed'};
	const lines = [`**✗ ${mdInline(step.title)}**: ${mdInline(failure.message)}`, ''];
	if (failure.expected !== undefined) lines.push('expected:', '', ...mdCode(failure.expected, 'text'), '');
	if (failure.actual !== undefined) lines.push('actual:', '', ...mdCode(failure.actual, 'text'), '');
	if (failure.hint !== undefined) lines.push(`hint: ${mdInline(failure.hint)}`, '');
	if (failure.repro !== undefined) lines.push('try it yourself:', '', ...mdCode(failure.repro, 'sh'), '');
	return lines;
}

export function buildStepSummary(summary: RunSummary): string {
	const tally = tallyLabs(summary);
	const lines: string[] = [`## node-cluster-lab: ${passedLine(tally)}`, ''];
	if (summary.labs.length > 0) {
		lines.push('| Lab | Status | Steps passed | Time |', '| --- | :---: | ---: | ---: |');
		for (const lab of summary.labs) {
			const passed = lab.steps.filter((step) => step.status === 'passed').length;
			lines.push(`| ${mdInline(`${lab.lab} ${lab.title}`)} | ${statusEmoji[lab.status]} | ${passed}/${lab.steps.length} | ${formatDuration(lab.durationMs)} |`);
		}
		lines.push('');
	}
	for (const lab of summary.labs) {
		if (lab.status === 'passed') continue;
		lines.push('<details>', `<summary>${statusEmoji[lab.status]} ${mdInline(lab.lab)}: ${mdInline(lab.title)}</summary>`, '');
		if (lab.status === 'error') {
			lines.push('The checker itself failed (a node-cluster-lab bug, not your program):', '', ...mdCode(lab.error ?? 'unknown error', 'text'), '');
		}
		for (const step of lab.steps) if (step.status === 'failed') lines.push(...failedStepDetails(step));
		lines.push('</details>', '');
	}
	lines.push(`<sub>node ${mdInline(nodeLabel(summary.nodeVersion))} ${mdInline(summary.platform)}</sub>`, '');
	return `${lines.join('\n')}\n`;
}

function labAnnotations(lab: LabResult, cwd: string, todoLine: (file: string) => number): string[] {
	const lines: string[] = [];
	const file = lab.entry ? relativePath(cwd, lab.entry) : '';
	const line = file ? todoLine(path.resolve(cwd, lab.entry)) : undefined;
	const failed = lab.steps.filter((step) => step.status === 'failed');
	for (const step of failed) {
		const title = `${oneLine(lab.lab)}: ${oneLine(step.title)}`;
		lines.push(command('error', {file, line, title}, annotationMessage(step.failure ?? {message: 'step failed'})));
	}
	if (lab.status === 'failed' && failed.length === 0) {
		lines.push(command('error', {file, line, title: oneLine(lab.lab)}, 'the lab failed before any step could report'));
	}
	if (lab.status === 'error') {
		lines.push(command('error', {title: 'checker error'}, sanitize(`${lab.lab}: the checker itself failed (a node-cluster-lab bug, not your program): ${lab.error ?? 'unknown error'}`)));
	}
	return lines;
}

export function createGithubReporter(options: ReporterOptions): Reporter {
	return {
		onEvent() {
			// Annotations are printed once, at the end.
		},
		finish(summary) {
			const cache = new Map<string, number>();
			const todoLine = (file: string) => {
				let line = cache.get(file);
				if (line === undefined) {
					line = firstTodoLine(file);
					cache.set(file, line);
				}
				return line;
			};
			const lines = summary.labs.flatMap((lab) => labAnnotations(lab, options.cwd, todoLine));
			const tally = tallyLabs(summary);
			const extra = [tally.failed.length > 0 ? `${tally.failed.length} failed` : '', tally.errored.length > 0 ? `${plural(tally.errored.length, 'checker error')}` : ''].filter(Boolean);
			lines.push(`node-cluster-lab: ${passedLine(tally)}${extra.length > 0 ? ` (${extra.join(', ')})` : ''} in ${formatDuration(summary.durationMs)}, node ${nodeLabel(summary.nodeVersion)} ${summary.platform}`);
			const summaryFile = options.env.GITHUB_STEP_SUMMARY;
			if (summaryFile) {
				try {
					fs.appendFileSync(summaryFile, buildStepSummary(summary));
				} catch (error) {
					lines.push(command('warning', {}, `could not write the job summary to ${summaryFile}: ${error instanceof Error ? error.message : String(error)}`));
				}
			}
			options.write(`${lines.join('\n')}\n`);
		},
	};
}
