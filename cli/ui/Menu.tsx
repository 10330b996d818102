import {Box, Text} from 'ink';
import {useViewKeys} from './use-keys.js';
import type {LabRow, LabStatus} from '../app/session.js';
import {useListCursor} from './use-list-cursor.js';
import {wordWrap} from './wrap-lines.js';
import {t} from '../i18n/index.js';
import {padEndToWidth, textWidth, truncateToWidth} from '../i18n/width.js';

const STATUS_COLOR: Record<LabStatus, string | undefined> = {'not started': undefined, failing: 'red', passed: 'green'};

type Props = {
	readonly rows: readonly LabRow[];
	/** The workspace's current lab: the cursor starts there. */
	readonly current?: string;
	readonly passed: number;
	readonly width: number;
	readonly height: number;
	readonly isActive: boolean;
	readonly onOpen: (id: string) => void;
	readonly onLesson: (id: string) => void;
	/** The cursor moved to this lab (the App keeps it while the lesson or a lab is open). */
	readonly onCursor?: (id: string) => void;
};

/** "■■■□□□□" for done of total, `cells` wide. */
function progressBar(done: number, total: number, cells: number): string {
	const full = total === 0 ? 0 : Math.round((done / total) * cells);
	return '■'.repeat(full) + '□'.repeat(cells - full);
}

/** The labs in order with their status; the highlighted lab's summary below. */
export function Menu({rows, current, passed, width, height, isActive, onOpen, onLesson, onCursor}: Props) {
	const cursor = useListCursor(
		rows.length,
		rows.findIndex(row => row.lab.id === current),
	);
	useViewKeys(
		'menu',
		(input, key) => {
			if (key.upArrow || input === 'k') cursor.move(-1);
			else if (key.downArrow || input === 'j') cursor.move(1);
			else if (input === 'g' || key.home) cursor.set(0);
			else if (input === 'G' || key.end) cursor.set(rows.length - 1);
			else if (key.return || key.rightArrow) onOpen(rows[cursor.current()]!.lab.id);
			else if (input === 'l') onLesson(rows[cursor.current()]!.lab.id);
			else return;
			const here = rows[cursor.current()];
			if (here) onCursor?.(here.lab.id);
		},
		{isActive},
	);

	const words = t();
	const selected = rows[cursor.index];
	const idWidth = Math.max(...rows.map(row => row.lab.id.length));
	// Columns, not characters: Chinese titles and statuses are two columns a character.
	const statusWidth = Math.max(...Object.values(words.status).map(textWidth));
	const titleWidth = Math.max(10, width - idWidth - statusWidth - 8);
	const summary = selected ? wordWrap(selected.lab.summary, width) : [];
	// The progress line and a blank one, the list (with a "more" line when it scrolls), a blank line and the summary.
	const room = height - 2 - 1 - summary.length;
	const listRows = Math.max(3, rows.length <= room ? rows.length : room - 1);
	const first = Math.max(0, Math.min(cursor.index - listRows + 1, rows.length - listRows));
	const visible = rows.slice(first, first + listRows);

	return (
		<Box flexDirection="column" width={width}>
			<Text>
				{words.app.menuTitle} <Text color="green">{progressBar(passed, rows.length, Math.min(30, rows.length * 3))}</Text>{' '}
				<Text dimColor>{rows.length === 0 ? '' : words.app.percentDone(Math.round((passed / rows.length) * 100))}</Text>
			</Text>
			<Text> </Text>
			{visible.map((row, offset) => {
				const here = first + offset === cursor.index;
				const title = truncateToWidth(row.lab.title, titleWidth);
				return (
					<Text key={row.lab.id} wrap="truncate-end">
						<Text color="cyan">{here ? '❯ ' : '  '}</Text>
						<Text bold={here}>{row.lab.id.padEnd(idWidth)}</Text>
						{'  '}
						<Text bold={here}>{padEndToWidth(title, titleWidth)}</Text>
						{'  '}
						<Text color={STATUS_COLOR[row.status]} dimColor={row.status === 'not started'}>
							{words.status[row.status]}
						</Text>
					</Text>
				);
			})}
			{rows.length > listRows ? <Text dimColor>  {words.app.moreLabs(rows.length - listRows)}</Text> : null}
			{summary.length > 0 ? (
				<Box marginTop={1}>
					<Text dimColor>{summary.join('\n')}</Text>
				</Box>
			) : null}
		</Box>
	);
}
