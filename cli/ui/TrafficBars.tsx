import {Box, Text} from 'ink';
import type {TrafficTally} from '../checks/events.js';
import {t} from '../i18n/index.js';

type Props = {
	readonly tally: TrafficTally;
	readonly width: number;
	/** At most this many bars; the rest are summed up in one line. */
	readonly maxBars: number;
};

/** The checker's traffic while it flows: counters, and one bar per worker pid showing how requests spread. */
export function TrafficBars({tally, width, maxBars}: Props) {
	const pids = Object.entries(tally.perPid).sort(([a], [b]) => Number(a) - Number(b));
	const most = Math.max(1, ...pids.map(([, count]) => count));
	const answered = pids.reduce((sum, [, count]) => sum + count, 0);
	const pidWidth = Math.max(5, ...pids.map(([pid]) => pid.length));
	const countWidth = String(most).length;
	const barWidth = Math.max(5, width - pidWidth - countWidth - 18);
	const shown = pids.length > maxBars ? pids.slice(0, Math.max(0, maxBars - 1)) : pids;
	const hidden = pids.slice(shown.length);
	const words = t().app.check;
	return (
		<Box flexDirection="column">
			<Text wrap="truncate-end">
				{words.traffic}
				{words.sent}
				<Text bold>{tally.sent}</Text>
				{words.ok}
				<Text color="green">{tally.ok}</Text>
				{words.failedCount}
				<Text color={tally.failed > 0 ? 'red' : undefined}>{tally.failed}</Text>
				{'  '}
				<Text bold>{tally.rps}</Text>
				{words.perSecond}
			</Text>
			{shown.map(([pid, count]) => {
				const cells = Math.round((count / most) * barWidth);
				const share = answered === 0 ? 0 : Math.round((count / answered) * 100);
				return (
					<Text key={pid} wrap="truncate-end">
						{'  pid '}
						{pid.padEnd(pidWidth)} <Text color="cyan">{'█'.repeat(cells)}</Text>
						<Text dimColor>{'░'.repeat(barWidth - cells)}</Text> {String(count).padStart(countWidth)} {String(share).padStart(3)}%
					</Text>
				);
			})}
			{hidden.length > 0 ? (
				<Text dimColor>
					{'  '}
					{words.morePids(hidden.length, hidden.reduce((sum, [, count]) => sum + count, 0))}
				</Text>
			) : null}
		</Box>
	);
}
