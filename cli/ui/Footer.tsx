import {Box, Text} from 'ink';
import {textWidth} from '../i18n/width.js';

/** A key and what it does, e.g. ['r', 'run']. */
export type KeyHint = readonly [key: string, label: string];

const GAP = '  ';

function widthOf(keys: readonly KeyHint[]): number {
	// Columns: a Chinese label is twice as wide as it is long.
	return keys.reduce((sum, [key, label]) => sum + textWidth(key) + 1 + textWidth(label), 0) + GAP.length * Math.max(0, keys.length - 1);
}

/**
The keys that fit in `width`, most important first. The last `keep` (back,
help, quit) always stay; others are dropped from the end of the rest.
*/
export function fitKeys(keys: readonly KeyHint[], width: number, keep = 3): KeyHint[] {
	const fixed = keys.slice(-keep);
	const rest = keys.slice(0, Math.max(0, keys.length - keep));
	while (rest.length > 0 && widthOf([...rest, ...fixed]) > width) rest.pop();
	return [...rest, ...fixed];
}

type Props = {readonly keys: readonly KeyHint[]; readonly width: number};

/** One line of keys under a rule; `?` lists them all. */
export function Footer({keys, width}: Props) {
	const shown = fitKeys(keys, width);
	return (
		<Box borderStyle="single" borderTop borderBottom={false} borderLeft={false} borderRight={false} borderDimColor width={width}>
			<Text wrap="truncate-end">
				{shown.map(([key, label], index) => (
					<Text key={key}>
						{index > 0 ? GAP : ''}
						<Text bold color="cyan">
							{key}
						</Text>{' '}
						{label}
					</Text>
				))}
			</Text>
		</Box>
	);
}
