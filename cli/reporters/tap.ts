/**
TAP version 14, streamed: each lab is a subtest whose test points are the steps,
followed by the lab's own test point in the parent; plans come at the end, which
TAP 14 allows.
*/
import type {CheckEvent, Failure} from '../checks/events.js';
import {oneLine} from './text.js';
import type {Reporter, ReporterOptions} from './types.js';

const SUBTEST_INDENT = '    ';
const YAML_INDENT = '  ';

/** A TAP description: one line, with "#" and "\" escaped so no directive is misread. */
export function tapDescription(text: string): string {
	return oneLine(text).replace(/\\/g, '\\\\').replace(/#/g, '\\#');
}

/** Text after "# SKIP": one line, no escaping needed (it runs to the end of the line). */
function directiveReason(text: string): string {
	return oneLine(text);
}

/** Anything YAML would read as something other than a plain string. */
const YAML_RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;
const YAML_NUMBER = /^[-+]?(?:\.(?:inf|nan)|\.?\d[\d_.,:]*(?:e[-+]?\d+)?|0x[\da-f]+|0o[0-7]+|0b[01]+)$/i;
/** Characters a YAML block or plain scalar cannot hold (non-printable), plus line separators. */
// eslint-disable-next-line no-control-regex
const YAML_UNPRINTABLE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isPlainSafe(value: string): boolean {
	if (value === '' || value !== value.trim()) return false;
	if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(value)) return false;
	if (value.includes(': ') || value.includes(' #') || value.endsWith(':')) return false;
	if (YAML_RESERVED.test(value) || YAML_NUMBER.test(value)) return false;
	return true;
}

function quoted(value: string): string {
	// JSON is valid YAML; YAML 1.1 readers treat U+2028/U+2029 as line breaks, so escape those too.
	return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
One "key: value" entry of a YAML mapping, as lines without the block's indent.
Multi-line values become literal block scalars; anything with control characters
is a JSON string.
*/
export function yamlEntry(key: string, value: string): string[] {
	if (YAML_UNPRINTABLE.test(value)) return [`${key}: ${quoted(value)}`];
	if (!value.includes('\n')) return [`${key}: ${isPlainSafe(value) ? value : quoted(value)}`];
	const keep = value.endsWith('\n');
	const lines = (keep ? value.slice(0, -1) : value).split('\n');
	const firstContent = lines.findIndex((line) => line.trim() !== '');
	const leading = firstContent === -1 ? lines : lines.slice(0, firstContent + 1);
	// A first content line (or blank line before it) starting with spaces would be
	// taken as indentation; say how deep the indentation is instead.
	const indicator = leading.some((line) => line.startsWith(' ')) ? '2' : '';
	return [`${key}: |${indicator}${keep ? '+' : '-'}`, ...lines.map((line) => (line === '' ? '' : `  ${line}`))];
}

function yamlBlock(entries: Array<[string, string | undefined]>, indent: string): string[] {
	const body = entries.flatMap(([key, value]) => (value === undefined ? [] : yamlEntry(key, value)));
	// Blank lines keep the indent too, so a TAP parser never sees the block interrupted.
	return [`${indent}---`, ...body.map((line) => `${indent}${line}`), `${indent}...`];
}

function failureEntries(failure: Failure): Array<[string, string | undefined]> {
	return [
		['message', failure.message],
		['expected', failure.expected],
		['actual', failure.actual],
		['hint', failure.hint],
		['repro', failure.repro],
	];
}

export function createTapReporter(options: ReporterOptions): Reporter {
	const out = (lines: string[]) => options.write(`${lines.join('\n')}\n`);
	let started = false;
	let labCount = 0;
	/** Per running lab: how many test points its subtest has printed. */
	const stepCounts = new Map<string, number>();

	const begin = () => {
		if (!started) {
			started = true;
			out(['TAP version 14']);
		}
	};

	function point(lab: string, ok: boolean, title: string, directive?: string): string {
		const n = (stepCounts.get(lab) ?? 0) + 1;
		stepCounts.set(lab, n);
		return `${SUBTEST_INDENT}${ok ? 'ok' : 'not ok'} ${n} - ${tapDescription(title)}${directive ? ` # ${directive}` : ''}`;
	}

	function onEvent(event: CheckEvent): void {
		begin();
		switch (event.type) {
			case 'lab-start': {
				stepCounts.set(event.lab, 0);
				out([`# Subtest: ${oneLine(event.lab)}`]);
				break;
			}
			case 'step-pass': {
				out([point(event.lab, true, event.title)]);
				break;
			}
			case 'step-fail': {
				out([point(event.lab, false, event.title), ...yamlBlock(failureEntries(event.failure), SUBTEST_INDENT + YAML_INDENT)]);
				break;
			}
			case 'step-skip': {
				out([point(event.lab, true, event.title, `SKIP ${directiveReason(event.reason)}`)]);
				break;
			}
			case 'lab-end': {
				const lines: string[] = [];
				if (event.status === 'error') {
					lines.push(point(event.lab, false, 'checker'));
					lines.push(
						...yamlBlock(
							[
								['message', 'the checker itself failed (a node-cluster-lab bug, not your program)'],
								['error', event.error ?? 'unknown error'],
							],
							SUBTEST_INDENT + YAML_INDENT,
						),
					);
				}
				lines.push(`${SUBTEST_INDENT}1..${stepCounts.get(event.lab) ?? 0}`);
				stepCounts.delete(event.lab);
				labCount += 1;
				lines.push(`${event.status === 'passed' ? 'ok' : 'not ok'} ${labCount} - ${tapDescription(event.lab)}`);
				out(lines);
				break;
			}
			default:
				// step-start, traffic and output are not test points.
				break;
		}
	}

	function finish(): void {
		begin();
		out([`1..${labCount}`]);
	}

	return {onEvent, finish};
}
