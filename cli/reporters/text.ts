/**
Small text helpers shared by the reporters: ANSI stripping, durations, paths,
status words. Nothing here writes anywhere.
*/
import path from 'node:path';
import type {LabResult, LabStatus, RunSummary} from '../checks/events.js';

/** CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \) and two-byte ESC sequences. */
// eslint-disable-next-line no-control-regex
const ANSI_PATTERN = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|[@-Z\\-_])|\u009B[0-?]*[ -/]*[@-~]/g;

/** Removes ANSI escape sequences (colours, cursor moves, hyperlinks). */
export function stripAnsi(text: string): string {
	return text.replace(ANSI_PATTERN, '');
}

/**
Makes learner-supplied text safe to print on a terminal or in a log: drops ANSI
sequences and every C0/C1 control character except tab and newline (a stray
carriage return would overwrite the line it sits on).
*/
export function sanitize(text: string): string {
	// eslint-disable-next-line no-control-regex
	return stripAnsi(text).replace(/\r\n/g, '\n').replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, '');
}

/** Collapses text onto one line (for titles and TAP descriptions). */
export function oneLine(text: string): string {
	return sanitize(text).replace(/\s*\n\s*/g, ' ').trim();
}

/** "123 ms" under a second, "4.5 s" from one second on. */
export function formatDuration(ms: number): string {
	if (!Number.isFinite(ms) || ms < 0) return '0 ms';
	if (ms < 1000) return `${Math.round(ms)} ms`;
	return `${(ms / 1000).toFixed(1)} s`;
}

/** Milliseconds as seconds with three decimals, as JUnit wants them. */
export function seconds(ms: number): string {
	if (!Number.isFinite(ms) || ms < 0) return '0.000';
	return (ms / 1000).toFixed(3);
}

/**
A path relative to cwd with forward slashes. Paths already relative are kept;
absolute paths outside cwd are kept absolute.
*/
export function relativePath(cwd: string, file: string): string {
	if (!file) return file;
	if (!path.isAbsolute(file)) return file.split(path.sep).join('/');
	const rel = path.relative(cwd, file);
	if (rel === '') return '.';
	if (rel.startsWith('..') || path.isAbsolute(rel)) return file.split(path.sep).join('/');
	return rel.split(path.sep).join('/');
}

/** "v20.20.2" whether or not the summary kept the leading v. */
export function nodeLabel(version: string): string {
	return version.startsWith('v') ? version : `v${version}`;
}

export function plural(count: number, word: string): string {
	return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export type Tally = {total: number; passed: number; failed: LabResult[]; errored: LabResult[]};

export function tallyLabs(summary: RunSummary): Tally {
	return {
		total: summary.labs.length,
		passed: summary.labs.filter((lab) => lab.status === 'passed').length,
		failed: summary.labs.filter((lab) => lab.status === 'failed'),
		errored: summary.labs.filter((lab) => lab.status === 'error'),
	};
}

/** Overall status: error if any lab errored, else failed if any failed, else passed. */
export function overallStatus(summary: RunSummary): LabStatus {
	if (summary.labs.some((lab) => lab.status === 'error')) return 'error';
	if (summary.labs.some((lab) => lab.status === 'failed')) return 'failed';
	return 'passed';
}

/** "2 of 3 labs passed", "1 of 1 lab passed", "no labs were run". */
export function passedLine(tally: Tally): string {
	if (tally.total === 0) return 'no labs were run';
	return `${tally.passed} of ${plural(tally.total, 'lab')} passed`;
}

/**
Turns a fold-events output line ("  text" for stdout, "! text" for stderr) back
into its stream and text.
*/
export function splitOutputLine(line: string): {stream: 'stdout' | 'stderr'; line: string} {
	if (line.startsWith('! ')) return {stream: 'stderr', line: line.slice(2)};
	if (line.startsWith('  ')) return {stream: 'stdout', line: line.slice(2)};
	return {stream: 'stdout', line};
}
