/**
The human reporter, modelled on CodeCrafters' tester logs. It streams: a header
per lab, one line per step as it finishes, the failure explained in place, and
what the learner's program printed when a lab fails.
*/
import type {CheckEvent, Failure, RunSummary} from '../checks/events.js';
import {OUTPUT_CONTEXT_LINES} from '../checks/fold-events.js';
import {formatDuration, nodeLabel, oneLine, sanitize, stripAnsi, tallyLabs} from './text.js';
import type {Reporter, ReporterOptions} from './types.js';
import {hintText, stepTitle, t} from '../i18n/index.js';
import {textWidth} from '../i18n/width.js';

type Paint = (text: string) => string;

/** The few ANSI styles the reporter uses; identity functions when colour is off. */
function palette(on: boolean) {
	const style = (open: number, close: number): Paint => (on ? (text) => (text === '' ? text : `\u001B[${open}m${text}\u001B[${close}m`) : (text) => text);
	return {
		bold: style(1, 22),
		dim: style(2, 22),
		red: style(31, 39),
		green: style(32, 39),
		yellow: style(33, 39),
	};
}

const STEP_INDENT = '  ';
const DETAIL_INDENT = '    ';

/**
"label: value", with the continuation lines of a multi-line value indented to
line up under the first one.
*/
function labelled(indent: string, label: string, value: string): string[] {
	const lines = sanitize(value).split('\n');
	const head = `${indent}${label}`;
	// Columns, not characters: a Chinese label is twice as wide as it is long.
	const pad = ' '.repeat(textWidth(stripAnsi(head)));
	return lines.map((line, index) => (index === 0 ? `${head}${line}` : `${pad}${line}`).trimEnd());
}

function formatEnv(env: Record<string, string>): string {
	return Object.entries(env)
		.map(([key, value]) => {
			const clean = sanitize(value);
			return `${key}=${/^[\w@%+=:,./-]*$/.test(clean) && clean !== '' ? clean : JSON.stringify(clean)}`;
		})
		.join(' ');
}

export function createPrettyReporter(options: ReporterOptions): Reporter {
	const paint = palette(options.color);
	const out = (lines: string | string[]) => {
		const list = typeof lines === 'string' ? [lines] : lines;
		if (list.length > 0) options.write(`${list.join('\n')}\n`);
	};
	/** The last lines each lab printed, kept until the lab ends. */
	const outputs = new Map<string, string[]>();

	// The reporter's own words in the learner's language (cli/i18n); the checker's messages stay as the checker wrote them.
	const words = t();
	const title = (event: {lab: string; step: string; title: string}) => stepTitle(event.lab, event.step, event.title);

	function failureBlock(failure: Failure): string[] {
		const lines: string[] = [];
		lines.push(...labelled(DETAIL_INDENT, '', failure.message).map((line) => paint.red(line)));
		if (failure.expected !== undefined) lines.push(...labelled(DETAIL_INDENT, words.report.expected, failure.expected));
		if (failure.actual !== undefined) lines.push(...labelled(DETAIL_INDENT, words.report.actual, failure.actual));
		if (failure.hint !== undefined) lines.push(...labelled(DETAIL_INDENT, words.report.hint, hintText(failure.hint)));
		if (failure.repro !== undefined) lines.push(...labelled(DETAIL_INDENT, words.report.repro, failure.repro));
		return lines;
	}

	function onEvent(event: CheckEvent): void {
		switch (event.type) {
			case 'lab-start': {
				outputs.set(event.lab, []);
				out(`${paint.bold(oneLine(event.lab))}  ${oneLine(event.title)}`);
				const env = formatEnv(event.env);
				if (env) out(paint.dim(`${STEP_INDENT}${env}`));
				break;
			}
			case 'step-pass': {
				out(`${STEP_INDENT}${paint.green('✓')} ${oneLine(title(event))} ${paint.dim(`(${formatDuration(event.durationMs)})`)}`);
				if (event.note) out(labelled(DETAIL_INDENT, '', event.note).map((line) => paint.dim(line)));
				break;
			}
			case 'step-fail': {
				out(`${STEP_INDENT}${paint.red('✗')} ${oneLine(title(event))}`);
				out(failureBlock(event.failure));
				// Failed steps carry no note today; print one if the event ever grows it.
				if ('note' in event && typeof event.note === 'string' && event.note) out(labelled(DETAIL_INDENT, '', event.note).map((line) => paint.dim(line)));
				break;
			}
			case 'step-skip': {
				const reason = event.reason === t('en').report.earlierStepFailed ? words.report.earlierStepFailed : event.reason;
				out(paint.dim(`${STEP_INDENT}- ${oneLine(title(event))} ${words.report.skipped(oneLine(reason))}`));
				break;
			}
			case 'output': {
				let lines = outputs.get(event.lab);
				if (!lines) {
					lines = [];
					outputs.set(event.lab, lines);
				}
				lines.push(event.line);
				if (lines.length > OUTPUT_CONTEXT_LINES) lines.shift();
				break;
			}
			case 'lab-end': {
				const printed = outputs.get(event.lab) ?? [];
				outputs.delete(event.lab);
				if (event.status === 'failed') {
					if (printed.length === 0) {
						out(paint.dim(`${DETAIL_INDENT}${words.report.printedNothing}`));
					} else {
						out(`${DETAIL_INDENT}${words.report.printedLast}`);
						out(printed.flatMap((line) => sanitize(line).split('\n')).map((line) => `${DETAIL_INDENT}${paint.dim('[your_program]')} ${line}`.trimEnd()));
					}
				} else if (event.status === 'error') {
					out(labelled(STEP_INDENT, `${paint.yellow('!')} ${words.report.checkerFailed}`, event.error ?? 'unknown error'));
					out(`${DETAIL_INDENT}${words.report.checkerBug}`);
				}
				out('');
				break;
			}
			default:
				// step-start and traffic print nothing: one line per step is enough.
				break;
		}
	}

	function finish(summary: RunSummary): void {
		const tally = tallyLabs(summary);
		const allGood = tally.total > 0 && tally.passed === tally.total;
		const lines: string[] = [];
		const headline = `${tally.total === 0 ? words.noLabsRun : words.labsPassed(tally.passed, tally.total)} (${formatDuration(summary.durationMs)})`;
		lines.push(allGood ? paint.green(headline) : tally.total === 0 ? headline : paint.red(headline));
		if (tally.failed.length > 0) lines.push(paint.red(words.report.labsFailed(tally.failed.length, tally.failed.map((lab) => lab.lab).join(', '))));
		if (tally.errored.length > 0) lines.push(paint.yellow(words.report.labsErrored(tally.errored.length, tally.errored.map((lab) => lab.lab).join(', '))));
		lines.push(paint.dim(`node ${nodeLabel(summary.nodeVersion)} ${summary.platform}`));
		out(lines);
	}

	return {onEvent, finish};
}
