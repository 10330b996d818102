import {Box, Text} from 'ink';
import {useViewKeys} from './use-keys.js';
import {t, type Lang} from '../i18n/index.js';

type Section = {title: string; keys: Array<[string, string]>};

/** Every key the app knows, by screen, in two columns so it fits 80x24, in the app's language. Keep in step with the handlers. */
export function helpSections(lang?: Lang): [Section[], Section[]] {
	const words = t(lang).app.help;
	return [
		[
			{title: words.everywhere, keys: [['?', words.thisHelp], ['q ctrl-c', words.quitAll]]},
			{title: words.labs, keys: [['↑ ↓ j k', t(lang).app.keys.move], ['g G', words.firstLast], ['enter →', words.openIt], ['l', words.readLesson]]},
			{
				title: words.lessonSolution,
				keys: [
					['↑ ↓ j k', words.scrollLine],
					['PgDn spc PgUp', words.page],
					['g G', words.topBottom],
					['< >', words.sideways],
					['r', words.lessonCheck],
					['f', words.solutionFull],
					['esc b ←', words.back],
				],
			},
		],
		[
			{
				title: words.checkView,
				keys: [
					['r', words.runAgain],
					['c', words.cancelRun],
					['w', words.watchToggle],
					['h', words.oneMoreHint],
					['l', words.theLesson],
					['s', words.solutionDiff],
					['x', words.resetStarter],
					['n', words.nextLab],
					['↑ ↓ PgDn g G', words.scrollFailure],
					['esc b ←', words.backToLabs],
				],
			},
			{title: words.hints, keys: [['h space enter', words.oneMoreHint], ['esc b ←', words.back]]},
			// The language key works everywhere; the left column has no room left at 24 rows.
			{title: words.languageTitle, keys: [['t', words.language]]},
		],
	];
}

/** The English sections (kept for the tests that read them). */
export const HELP = helpSections('en');

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
	const sections = helpSections();
	const words = t().app.help;
	return (
		<Box flexDirection="column">
			<Text bold>
				{words.title} <Text dimColor>{words.closes}</Text>
			</Text>
			<Box>
				<Column sections={sections[0]} width={column} />
				<Column sections={sections[1]} width={width - column} />
			</Box>
			<Text dimColor wrap="truncate-end">
				{words.watchLine}
			</Text>
			<Text dimColor wrap="truncate-end">
				{words.watchEnvLine}
			</Text>
		</Box>
	);
}
