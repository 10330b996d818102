/**
`report` as text: a terminal table (the default), Markdown and CSV. Names and
messages come from learners' files: every one is stripped of ANSI sequences,
control and bidirectional-override characters before it is printed, escaped
for Markdown, and guarded against spreadsheet formulas in CSV.
*/
import {sanitize} from '../reporters/text.js';
import type {Cell, ClassReport, LabSummary} from './analyse.js';

/** One line of untrusted text, safe on a terminal: no ANSI, no controls, no bidi overrides. */
export function safeLine(text: string, max = Infinity): string {
	const clean = sanitize(text)
		.replace(/[\u202A-\u202E\u2066-\u2069\u200E\u200F]/g, '')
		.replace(/\s*\n\s*/g, ' ')
		.replace(/\t/g, ' ')
		.trim();
	return clean.length > max ? `${clean.slice(0, Math.max(0, max - 1))}…` : clean;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export function headline(report: ClassReport): string {
	return `node-cluster-lab class report: ${plural(report.learners.length, 'learner')}, ${plural(report.labs.length, 'lab')}`;
}

export function cellText(cell: Cell): string {
	switch (cell.status) {
		case 'pass':
			return `✓ ${cell.passed}/${cell.total}`;
		case 'fail':
			return `✗ ${cell.passed}/${cell.total}`;
		case 'error':
			return `! ${cell.passed}/${cell.total}`;
		default:
			return '·';
	}
}

export function stopText(lab: LabSummary, max = 70): string {
	const stop = lab.commonStep;
	if (!stop) return lab.attempted === 0 ? '' : 'everyone passed';
	return `${safeLine(stop.name, 40)} (${stop.learners} of ${lab.attempted - lab.passed}): ${safeLine(stop.message, max)}`;
}

function table(rows: string[][]): string[] {
	const widths = rows[0]!.map((_, column) => Math.max(...rows.map(row => [...(row[column] ?? '')].length)));
	return rows.map(row => row.map((cell, column) => (column === row.length - 1 ? cell : cell + ' '.repeat(widths[column]! - [...cell].length))).join('  ').trimEnd());
}

export function renderTerminal(report: ClassReport): string {
	const lines = [headline(report), ''];
	lines.push(...table([['lab', 'passed', 'where most of the others stop'], ...report.labs.map(lab => [safeLine(lab.id, 30), `${lab.passed} of ${lab.attempted}`, stopText(lab)])]));
	lines.push('');
	lines.push(
		...table([
			['learner', ...report.labs.map(lab => safeLine(lab.id, 30)), 'labs passed'],
			...report.learners.map(row => [safeLine(row.learner, 40), ...row.cells.map(cellText), `${row.labsPassed} of ${report.labs.length}`]),
		]),
	);
	lines.push('', '✓ passed  ✗ failed (steps passed/steps)  ! the checker broke (a kit bug)  · not run');
	return `${lines.join('\n')}\n`;
}

/** Untrusted text for a Markdown table cell: one line, HTML and Markdown syntax escaped. */
export function mdCell(text: string, max = Infinity): string {
	return safeLine(text, max)
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/[\\`*_[\]|#~!]/g, '\\$&');
}

export function renderMarkdown(report: ClassReport): string {
	const lines = [`## ${headline(report)}`, '', '| Lab | Passed | Where most of the others stop | Most common message |', '| --- | ---: | --- | --- |'];
	for (const lab of report.labs) {
		const stop = lab.commonStep;
		const where = stop ? `${mdCell(stop.name, 60)} (${stop.learners} of ${lab.attempted - lab.passed})` : lab.attempted === 0 ? '' : 'everyone passed';
		lines.push(`| ${mdCell(`${lab.id} ${lab.title}`, 80)} | ${lab.passed} of ${lab.attempted} | ${where} | ${stop ? mdCell(stop.message, 200) : ''} |`);
	}
	lines.push('', `| Learner | ${report.labs.map(lab => mdCell(lab.id, 40)).join(' | ')} | Labs passed |`, `| --- | ${report.labs.map(() => ':---:').join(' | ')} | ---: |`);
	for (const row of report.learners) lines.push(`| ${mdCell(row.learner, 60)} | ${row.cells.map(cellText).join(' | ')} | ${row.labsPassed} of ${report.labs.length} |`);
	lines.push('', '✓ passed, ✗ failed (steps passed/steps), ! the checker broke (a kit bug), · not run', '');
	return lines.join('\n');
}

/** A CSV field: quoted when needed; untrusted text that a spreadsheet would run as a formula gets a leading apostrophe. */
export function csvField(value: string | number, untrusted = true): string {
	let text = typeof value === 'number' ? String(value) : sanitize(value).replace(/[\u202A-\u202E\u2066-\u2069]/g, '');
	if (untrusted && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\n\r]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(report: ClassReport): string {
	const rows: string[] = ['learner,lab,status,steps_passed,steps,stopped_at,message,file'];
	for (const row of report.learners) {
		row.cells.forEach((cell, index) => {
			const lab = report.labs[index]!;
			const passed = cell.status === 'none' ? '' : cell.passed;
			const total = cell.status === 'none' ? '' : cell.total;
			const stoppedAt = cell.status === 'fail' ? cell.step : cell.status === 'error' ? '(checker error)' : '';
			const message = cell.status === 'fail' || cell.status === 'error' ? cell.message : '';
			const status = {pass: 'passed', fail: 'failed', error: 'checker error', none: 'not run'}[cell.status];
			rows.push([csvField(row.learner), csvField(lab.id), status, passed, total, csvField(stoppedAt), csvField(message), csvField(row.file)].join(','));
		});
	}
	return `${rows.join('\r\n')}\r\n`;
}
