import {Box, Text} from 'ink';
import {useRef, useState} from 'react';
import {useViewKeys} from './use-keys.js';
import type {Lab} from '../catalog.js';
import type {SolutionDiff} from '../app/solution-diff.js';
import {useScroll} from './use-scroll.js';
import {sanitize} from '../reporters/text.js';
import {wrapLines} from './wrap-lines.js';
import {t} from '../i18n/index.js';

type Props = {
	readonly lab: Lab;
	/** Why nothing of the solution is shown: an instructor's lock, or a workshop code not entered yet. */
	readonly lock?: 'locked' | 'workshop';
	/** A workshop code typed here: undefined once it opened this lab, else why not. */
	readonly onUnlock?: (code: string) => string | undefined;
	readonly diffs: readonly SolutionDiff[];
	/** Whole files with the changes marked, or only the changes with some context. */
	readonly full: boolean;
	readonly width: number;
	readonly height: number;
	readonly isActive: boolean;
	readonly onBack: () => void;
	readonly onToggleFull: () => void;
};

type Row = {text: string; color?: string; bold?: boolean; dim?: boolean};

function diffRows(lab: Lab, diffs: readonly SolutionDiff[], width: number): Row[] {
	const rows: Row[] = [];
	const add = (text: string, style: Omit<Row, 'text'> = {}) => {
		// The learner's file may hold anything, escape sequences included.
		for (const part of wrapLines(sanitize(text), width)) rows.push({text: part, ...style});
	};
	const words = t().app.solution;
	for (const diff of diffs) {
		add(words.fileHeader(diff.file, lab.id), {bold: true});
		if (diff.identical) add(words.identical, {dim: true});
		else if (diff.missing) add(words.missing(diff.file), {dim: true});
		for (const line of diff.lines) {
			if (line.startsWith('@@')) add(line, {color: 'cyan'});
			else if (line.startsWith('+')) add(line, {color: 'green'});
			else if (line.startsWith('-')) add(line, {color: 'red'});
			else add(line);
		}
		add('');
	}
	return rows;
}

/** The reference solution as a diff against the learner's files, scrollable; or why it is locked. */
export function SolutionView({lab, lock, onUnlock, diffs, full, width, height, isActive, onBack, onToggleFull}: Props) {
	const locked = lock !== undefined;
	const rows = locked ? [] : diffRows(lab, diffs, width);
	const typed = useRef('');
	const [code, setCode] = useState('');
	const [refusal, setRefusal] = useState<string>();
	const page = Math.max(1, height - 1);
	const scroll = useScroll(rows.length, page);
	useViewKeys(
		'solution',
		(input, key) => {
			if (lock === 'workshop') {
				// Typing a code: every letter is the code's (b, j, k and q included); esc goes back.
				// The text lives in a ref: keys of one paste arrive before React renders again.
				if (key.escape) return onBack();
				if (key.return) {
					setRefusal(onUnlock?.(typed.current));
					typed.current = '';
				} else if (key.backspace || key.delete) typed.current = typed.current.slice(0, -1);
				else if (/^[\w -]$/.test(input) && typed.current.length < 20) typed.current += input.toUpperCase();
				setCode(typed.current);
				return;
			}
			if (scroll.handle(input, key)) return;
			if (key.escape || input === 'b' || key.leftArrow) onBack();
			else if (input === 'f' && !locked) onToggleFull();
		},
		{isActive},
	);

	const words = t().app.solution;
	if (lock === 'workshop') {
		return (
			<Box flexDirection="column" width={width}>
				<Text color="yellow" bold>
					{words.workshopTitle(lab.id)}
				</Text>
				<Text wrap="wrap">{words.workshopTypeCode}</Text>
				<Text>{`${words.code}${code}_`}</Text>
				{refusal ? (
					<Text color="red" wrap="wrap">
						{sanitize(refusal)}
					</Text>
				) : null}
			</Box>
		);
	}
	if (locked) {
		return (
			<Box flexDirection="column" width={width}>
				<Text color="yellow" bold>
					{words.lockedTitle}
				</Text>
				<Text wrap="wrap">{words.lockedText}</Text>
			</Box>
		);
	}
	const last = Math.min(rows.length, scroll.top + page);
	return (
		<Box flexDirection="column" width={width}>
			<Box flexDirection="column" height={page} overflow="hidden">
				{rows.slice(scroll.top, last).map((row, index) => (
					<Text key={scroll.top + index} color={row.color} bold={row.bold} dimColor={row.dim} wrap="truncate-end">
						{row.text === '' ? ' ' : row.text}
					</Text>
				))}
			</Box>
			<Text dimColor wrap="truncate-end">
				{words.position(lab.id, full, Math.min(rows.length, scroll.top + 1), last, rows.length)}
			</Text>
		</Box>
	);
}
