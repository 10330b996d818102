import {Box, Text} from 'ink';
import {t} from '../i18n/index.js';

type Props = {readonly workspace: string; readonly passed: number; readonly total: number; readonly width: number};

/** The top line: the kit, the workspace folder, overall progress. */
export function Header({workspace, passed, total, width}: Props) {
	return (
		<Box width={width} justifyContent="space-between">
			<Text wrap="truncate-end">
				<Text bold>node-cluster-lab</Text>
				<Text dimColor> · {workspace}</Text>
			</Text>
			<Text color={passed === total && total > 0 ? 'green' : undefined}>
				{t().labsPassed(passed, total)}
			</Text>
		</Box>
	);
}
