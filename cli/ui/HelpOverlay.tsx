import {Box, Text} from 'ink';
import {useViewKeys} from './use-keys.js';

type Section = {title: string; keys: Array<[string, string]>};

/** Every key the app knows, by screen, in two columns so it fits 80x24. Keep in step with the handlers. */
export const HELP: [Section[], Section[]] = [
	[
		{title: 'Everywhere', keys: [['?', 'this help'], ['q ctrl-c', 'quit; ends all processes']]},
		{title: 'Labs', keys: [['↑ ↓ j k', 'move'], ['g G', 'first, last'], ['enter →', 'open it (checks on save)'], ['l', 'read the lesson']]},
		{
			title: 'Lesson, solution',
			keys: [
				['↑ ↓ j k', 'scroll a line'],
				['PgDn spc PgUp', 'a page down, up'],
				['g G', 'top, bottom'],
				['< >', 'lesson: code sideways'],
				['r', 'lesson: check this lab'],
				['f', 'solution: all or changes'],
				['esc b ←', 'back'],
			],
		},
	],
	[
		{
			title: 'Lab (check view)',
			keys: [
				['r', 'run the check again'],
				['c', 'cancel the run'],
				['w', 'watch mode on/off'],
				['h', 'one more hint'],
				['l', 'the lesson'],
				['s', 'solution, diff vs yours'],
				['x', 'reset to the starter'],
				['n', 'next lab (after a pass)'],
				['esc b ←', 'back to the labs'],
			],
		},
		{title: 'Hints', keys: [['h space enter', 'one more hint'], ['esc b ←', 'back']]},
	],
];

const KEY_WIDTH = 16;

function Column({sections, width}: {readonly sections: Section[]; readonly width: number}) {
	return (
		<Box flexDirection="column" width={width}>
			{sections.map(section => (
				<Box key={section.title} flexDirection="column">
					<Text color="cyan">{section.title}</Text>
					{section.keys.map(([key, what]) => (
						<Text key={key} wrap="truncate-end">
							<Text bold>{`  ${key}`.padEnd(KEY_WIDTH)}</Text>
							{what}
						</Text>
					))}
				</Box>
			))}
		</Box>
	);
}

type Props = {readonly width: number; readonly onClose: () => void};

export function HelpOverlay({width, onClose}: Props) {
	useViewKeys('help', (input, key) => {
		if (input === '?' || key.escape || key.return || input === 'b' || key.leftArrow) onClose();
	});
	const column = Math.floor(width / 2);
	return (
		<Box flexDirection="column">
			<Text bold>
				Keys <Text dimColor>(esc or ? closes this)</Text>
			</Text>
			<Box>
				<Column sections={HELP[0]} width={column} />
				<Column sections={HELP[1]} width={width - column} />
			</Box>
			<Text dimColor wrap="truncate-end">
				Watch: saving a .ts/.js/.json file in the lab folder re-runs the check.
			</Text>
			<Text dimColor wrap="truncate-end">
				NCL_WATCH=poll polls instead of using file events; NCL_WATCH=off starts it off.
			</Text>
		</Box>
	);
}
