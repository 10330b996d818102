import {Box, Text} from 'ink';
import type {Lab} from '../catalog.js';
import {useViewKeys} from './use-keys.js';
import {wordWrap} from './wrap-lines.js';
import {t} from '../i18n/index.js';
import {textWidth, truncateToWidth} from '../i18n/width.js';

type Props = {
	readonly lab: Lab;
	/** How many hints the learner has seen (the screen shows them all). */
	readonly shown: number;
	readonly width: number;
	readonly height: number;
	readonly isActive: boolean;
	readonly onMore: () => void;
	readonly onBack: () => void;
};

/**
The hints seen so far, from a nudge to nearly the answer; one more on each h.
When they don't all fit, the earlier ones shrink to one line each: the newest
is the one being read.
*/
export function HintView({lab, shown, width, height, isActive, onMore, onBack}: Props) {
	useViewKeys(
		'hints',
		(input, key) => {
			if (input === 'h' || input === ' ' || key.return) onMore();
			else if (key.escape || input === 'b' || key.leftArrow) onBack();
		},
		{isActive},
	);
	const total = lab.hints.length;
	const words = t().app.hints;
	const label = (index: number) => words.label(index + 1, total);
	const closing = shown >= total ? words.last : words.next;
	const texts = lab.hints.slice(0, shown).map((hint, index) => label(index) + hint);
	const hints = texts.map(text => wordWrap(text, width));
	const closingRows = wordWrap(closing, width);
	const fullRows = 1 + hints.reduce((sum, rows) => sum + 1 + rows.length, 0) + 1 + closingRows.length;
	const fold = fullRows > height;
	return (
		<Box flexDirection="column" width={width}>
			<Text bold>
				{words.title(lab.id)}
				<Text dimColor>{words.seen(shown, total)}</Text>
			</Text>
			{hints.map((rows, index) => {
				const text = texts[index]!;
				const shownRows = fold && index < hints.length - 1 ? [textWidth(text) > width ? truncateToWidth(text, width) : text] : rows;
				const head = label(index);
				return (
					<Box key={index} flexDirection="column" marginTop={fold ? 0 : 1}>
						<Text wrap="truncate-end">
							<Text color="cyan">{head}</Text>
							{shownRows[0]!.slice(head.length)}
						</Text>
						{shownRows.length > 1 ? <Text>{shownRows.slice(1).join('\n')}</Text> : null}
					</Box>
				);
			})}
			<Box marginTop={1}>
				<Text dimColor>{closingRows.join('\n')}</Text>
			</Box>
		</Box>
	);
}
