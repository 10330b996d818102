import {useRef} from 'react';
import {Box, Text} from 'ink';
import Spinner from 'ink-spinner';
import type {RunView} from '../app/run-state.js';
import type {SessionState} from '../app/session.js';
import type {Failure} from '../checks/events.js';
import {formatDuration} from '../reporters/text.js';
import {FailureDetails, failureRows, outputLinesRows, pickOutputLines} from './FailureDetails.js';
import {StepList, stepRows} from './StepList.js';
import {TrafficBars} from './TrafficBars.js';
import {useViewKeys} from './use-keys.js';
import {useScroll} from './use-scroll.js';
import {wordWrap} from './wrap-lines.js';
import {t, triggerText} from '../i18n/index.js';

type Props = {
	readonly state: SessionState;
	readonly width: number;
	readonly height: number;
};

function watchBadge(watch: SessionState['watch']): string {
	const words = t().app.check;
	if (!watch.enabled) return words.watchOff;
	return watch.mode === 'poll' ? words.watchPolling : words.watchOn;
}

function Status({state, width}: {readonly state: SessionState; readonly width: number}) {
	const {run, trigger, open} = state;
	const words = t().app.check;
	const why = trigger ? words.trigger(triggerText(trigger)) : '';
	const at = run.steps.findIndex(step => step.status === 'running' || step.status === 'failed') + 1;
	switch (run.phase) {
		case 'running':
			return (
				<Text wrap="truncate-end">
					<Text color="cyan">
						<Spinner type="dots" />
					</Text>{' '}
					{words.checking(why)}
					{at > 0 ? words.stepOf(at, run.steps.length) : words.startingProgram}
				</Text>
			);
		case 'passed':
			return (
				<Text wrap="truncate-end">
					<Text color="green" bold>
						{words.passed}
					</Text>{' '}
					{words.passedIn(formatDuration(run.durationMs ?? 0), why)}
					<Text bold>n</Text>
					{words.nextLab}
					<Text bold>s</Text>
					{words.referenceSolution}
				</Text>
			);
		case 'failed':
			return (
				<Text wrap="truncate-end">
					<Text color="red" bold>
						{words.failed}
					</Text>{' '}
					{words.failedAt(at, run.steps.length, why)}
					<Text bold>h</Text>
					{words.givesHint}
				</Text>
			);
		case 'error':
			return (
				<Text color="yellow">{wordWrap(words.checkerFailed(run.error ?? words.unknownError), width).join('\n')}</Text>
			);
		case 'cancelled':
			return <Text dimColor>{words.cancelled}</Text>;
		default:
			return <Text dimColor>{state.watch.enabled ? words.saveToCheck(open?.id ?? '') : words.watchIsOff}</Text>;
	}
}

/** However little room there is, a failure keeps this many rows for the program's last lines (scrolled to). */
const MIN_OUTPUT_ROWS = 3;

/**
The failure, in the rows left under the steps. When it is taller (a long
hint, a repro that wraps, a narrow terminal), it scrolls with ↑↓ PgUp PgDn g G
and its last row says where you are: a Yoga column squeezed below its
content shrinks its children to nothing and draws them over each other.
*/
function FailurePane({failure, output, width, rows}: {readonly failure: Failure; readonly output: RunView['output']; readonly width: number; readonly rows: number}) {
	const detailRows = failureRows(failure, width);
	// The program's lines get what is left, and at least MIN_OUTPUT_ROWS (or all it printed, if fewer).
	const outputRows = Math.max(rows - detailRows, Math.min(MIN_OUTPUT_ROWS, outputLinesRows(output, width)));
	const shown = pickOutputLines(output, outputRows, width).shown;
	const total = detailRows + outputLinesRows(shown, width);
	const scrolls = total > rows;
	const page = scrolls ? Math.max(1, rows - 1) : rows;
	const scroll = useScroll(total, page);
	useViewKeys('check', (input, key) => {
		if (scrolls) scroll.handle(input, key);
	});
	const last = Math.min(total, scroll.top + page);
	return (
		<Box flexDirection="column" flexShrink={0}>
			<Box flexDirection="column" height={page} overflow="hidden" flexShrink={0}>
				<Box flexDirection="column" marginTop={-scroll.top} flexShrink={0}>
					<FailureDetails failure={failure} output={output} width={width} outputRows={outputRows} />
				</Box>
			</Box>
			{scrolls ? (
				<Text dimColor wrap="truncate-end">
					{t().app.check.failureScroll(scroll.top + 1, last, total)}
				</Text>
			) : null}
		</Box>
	);
}

/** The check as it runs: steps, live traffic, and on failure what went wrong and what the program printed. */
export function CheckView({state, width, height}: Props) {
	const {run, open} = state;
	// Each new failure is read from its top.
	const shownFailure = useRef<{failure?: Failure; generation: number}>({generation: 0});
	if (!open) return null;
	const fixed = 3;
	const failed = run.phase === 'failed' ? run.steps.find(step => step.status === 'failed' && step.failure) : undefined;
	const traffic = run.phase === 'running' ? run.traffic : undefined;
	if (failed?.failure && failed.failure !== shownFailure.current.failure) shownFailure.current = {failure: failed.failure, generation: shownFailure.current.generation + 1};

	// After a failure the skipped steps are one line; the passed ones too when the failure and the program's last lines need the room.
	const foldSkipped = run.phase === 'failed';
	let foldPassed = false;
	let failureRoom = 0;
	const notesFit = fixed + stepRows(run.steps, false, foldSkipped, true) <= height;
	if (failed?.failure) {
		const details = failureRows(failed.failure, width);
		foldPassed = fixed + stepRows(run.steps, false, true, false) + details + Math.min(5, run.output.length) > height;
		failureRoom = Math.max(2, height - fixed - stepRows(run.steps, foldPassed, true, false));
	}
	const maxBars = Math.max(1, height - fixed - run.steps.length - 1);

	return (
		<Box flexDirection="column" width={width}>
			{/* One row: the title gives way to the badge (a long title, measured at its full width, had made it two rows). */}
			<Box justifyContent="space-between" flexShrink={0} height={1}>
				<Text bold wrap="truncate-end">
					{open.id} <Text dimColor>{open.title}</Text>
				</Text>
				<Box flexShrink={0} marginLeft={1}>
					<Text color={state.watch.enabled ? 'cyan' : undefined} dimColor={!state.watch.enabled}>
						{watchBadge(state.watch)}
					</Text>
				</Box>
			</Box>
			<Box flexShrink={0}>
				<Status state={state} width={width} />
			</Box>
			<Text> </Text>
			<Box flexShrink={0} flexDirection="column">
				<StepList lab={open.id} steps={run.steps} foldPassed={foldPassed} foldSkipped={foldSkipped} notes={notesFit && !failed} />
			</Box>
			{traffic ? <TrafficBars tally={traffic.tally} width={width} maxBars={maxBars} /> : null}
			{failed?.failure ? <FailurePane key={shownFailure.current.generation} failure={failed.failure} output={run.output} width={width} rows={failureRoom} /> : null}
		</Box>
	);
}
