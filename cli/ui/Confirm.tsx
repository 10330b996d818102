import {Box, Text} from 'ink';
import {useViewKeys} from './use-keys.js';

type Props = {
	readonly question: string;
	readonly detail?: string;
	readonly onAnswer: (yes: boolean) => void;
};

/** A yes/no question; only y says yes (Enter, n, Esc and q say no). */
export function Confirm({question, detail, onAnswer}: Props) {
	useViewKeys('dialog', (input, key) => {
		if (input === 'y' || input === 'Y') onAnswer(true);
		else if (input === 'n' || input === 'N' || input === 'q' || key.escape || key.return) onAnswer(false);
	});
	return (
		<Box borderStyle="round" borderColor="yellow" flexDirection="column" paddingX={1} flexShrink={0}>
			<Text bold>
				{question} <Text color="yellow">[y/N]</Text>
			</Text>
			{detail ? <Text dimColor>{detail}</Text> : null}
		</Box>
	);
}
