import {Box, Text} from 'ink';
import type {OutputLine} from '../app/run-state.js';
import type {Failure} from '../checks/events.js';
import {sanitize} from '../reporters/text.js';
import {rowsFor, wordWrap} from './wrap-lines.js';
import {hintText, t} from '../i18n/index.js';
import {textWidth} from '../i18n/width.js';

const INDENT = 4;

/** The labels, as the pretty reporter words them, in the app's language. */
const fields = () => {
	const words = t().report;
	return [
		['expected', words.expected],
		['actual', words.actual],
		['hint', words.hint],
		['repro', words.repro],
	] as const;
};

type Props = {
	readonly failure: Failure;
	readonly output: readonly OutputLine[];
	readonly width: number;
	/** How many of the program's last lines fit. */
	readonly outputRows: number;
};

const STACK_FRAME = /^\s+at /;
const ERROR_LINE = /\b(?:[A-Z]\w*Error|ERROR|Error|Exception)\b/;
const PREFIX = '[your_program] ';

/**
The program's lines that fit in `rows` screen rows (long lines wrap), most
telling first: all of them if they fit; else without stack frames and blank
lines; and if that is still too many, the lines from the first one that names
an error (where a crash says what went wrong) on, or else the last lines.
*/
export function pickOutputLines(lines: readonly OutputLine[], rows: number, width: number): {shown: OutputLine[]; trimmed: boolean} {
	if (rows <= 0) return {shown: [], trimmed: lines.length > 0};
	const cost = (line: OutputLine) => rowsFor(PREFIX + line.line, width - INDENT);
	const total = (list: readonly OutputLine[]) => list.reduce((sum, line) => sum + cost(line), 0);
	if (total(lines) <= rows) return {shown: [...lines], trimmed: false};
	const kept = lines.filter(({line}) => line.trim() !== '' && !STACK_FRAME.test(line));
	if (total(kept) <= rows) return {shown: kept, trimmed: true};
	// The first error line of the last few is a crash's headline ("Error: Transform failed…").
	const firstError = kept.findIndex(({line}) => ERROR_LINE.test(line));
	const from = firstError === -1 ? kept.length : firstError;
	// Forwards from the error line while there is room, then backwards from it (or from the end).
	let used = 0;
	let last = from;
	while (last < kept.length && used + cost(kept[last]!) <= rows) used += cost(kept[last++]!);
	let first = from;
	while (first > 0 && used + cost(kept[first - 1]!) <= rows) used += cost(kept[--first]!);
	// Not even one line fits whole: show the one that matters, clipped.
	if (first === last) return {shown: kept.slice(Math.min(from, kept.length - 1), Math.min(from, kept.length - 1) + 1), trimmed: true};
	return {shown: kept.slice(first, last), trimmed: true};
}

/** Rows the program's lines take in the failure (each may wrap). */
export function outputLinesRows(lines: readonly OutputLine[], width: number): number {
	return lines.reduce((sum, line) => sum + rowsFor(PREFIX + line.line, width - INDENT), 0);
}

/** Rows the failure takes without the program's output lines: the message, each field and the "printed" line. */
export function failureRows(failure: Failure, width: number): number {
	let rows = rowsFor(sanitize(failure.message), width - INDENT);
	for (const [field, label] of fields()) {
		const value = field === 'hint' && failure.hint !== undefined ? hintText(failure.hint) : failure[field];
		if (value !== undefined) rows += rowsFor(sanitize(value), width - INDENT - textWidth(label));
	}
	return rows + 1;
}

function Labelled({label, value, width, color}: {readonly label: string; readonly value: string; readonly width: number; readonly color?: string}) {
	return (
		<Box paddingLeft={INDENT}>
			<Box width={textWidth(label)} flexShrink={0}>
				<Text dimColor>{label}</Text>
			</Box>
			<Text color={color}>{wordWrap(sanitize(value), width - INDENT - textWidth(label)).join('\n')}</Text>
		</Box>
	);
}

/** Expected vs actual, the hint, the command to try it yourself, and the last lines the program printed. */
export function FailureDetails({failure, output, width, outputRows}: Props) {
	const {shown: lines, trimmed} = pickOutputLines(output, outputRows, width);
	return (
		<Box flexDirection="column" width={width}>
			<Box paddingLeft={INDENT}>
				<Text color="red" bold>
					{wordWrap(sanitize(failure.message), width - INDENT).join('\n')}
				</Text>
			</Box>
			{fields().map(([field, label]) => {
				const value = field === 'hint' && failure.hint !== undefined ? hintText(failure.hint) : failure[field];
				return value === undefined ? null : <Labelled key={field} label={label} value={value} width={width} color={field === 'repro' ? 'cyan' : undefined} />;
			})}
			{output.length === 0 ? (
				<Text dimColor>
					{' '.repeat(INDENT)}
					{t().report.printedNothing}
				</Text>
			) : (
				<Text>
					{' '.repeat(INDENT)}
					{t().app.check.printedSome(lines.length, output.length, trimmed)}
				</Text>
			)}
			{lines.map((line, index) => {
				const rows = wordWrap(PREFIX + line.line, width - INDENT);
				return (
					<Box key={index} paddingLeft={INDENT} flexDirection="column">
						<Text color={line.stream === 'stderr' ? 'yellow' : undefined}>
							<Text dimColor>{PREFIX}</Text>
							{rows.join('\n').slice(PREFIX.length)}
						</Text>
					</Box>
				);
			})}
		</Box>
	);
}
