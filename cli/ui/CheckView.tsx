import {Box, Text} from 'ink';
import Spinner from 'ink-spinner';
import type {SessionState} from '../app/session.js';
import {formatDuration} from '../reporters/text.js';
import {FailureDetails, failureRows} from './FailureDetails.js';
import {StepList, stepRows} from './StepList.js';
import {TrafficBars} from './TrafficBars.js';
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

/** The check as it runs: steps, live traffic, and on failure what went wrong and what the program printed. */
export function CheckView({state, width, height}: Props) {
	const {run, open} = state;
	if (!open) return null;
	const fixed = 3;
	const failed = run.phase === 'failed' ? run.steps.find(step => step.status === 'failed' && step.failure) : undefined;
	const traffic = run.phase === 'running' ? run.traffic : undefined;

	// After a failure the skipped steps are one line; the passed ones too when the failure and the program's last lines need the room.
	const foldSkipped = run.phase === 'failed';
	let foldPassed = false;
	let outputRows = 0;
	const notesFit = fixed + stepRows(run.steps, false, foldSkipped, true) <= height;
	if (failed?.failure) {
		const details = failureRows(failed.failure, width) + 1;
		foldPassed = fixed + stepRows(run.steps, false, true, false) + details + Math.min(5, run.output.length) > height;
		outputRows = Math.max(1, height - fixed - stepRows(run.steps, foldPassed, true, false) - details);
	}
	const maxBars = Math.max(1, height - fixed - run.steps.length - 1);

	return (
		<Box flexDirection="column" width={width}>
			<Box justifyContent="space-between">
				<Text bold wrap="truncate-end">
					{open.id} <Text dimColor>{open.title}</Text>
				</Text>
				<Text color={state.watch.enabled ? 'cyan' : undefined} dimColor={!state.watch.enabled}>
					{watchBadge(state.watch)}
				</Text>
			</Box>
			<Status state={state} width={width} />
			<Text> </Text>
			<StepList lab={open.id} steps={run.steps} foldPassed={foldPassed} foldSkipped={foldSkipped} notes={notesFit && !failed} />
			{traffic ? <TrafficBars tally={traffic.tally} width={width} maxBars={maxBars} /> : null}
			{failed?.failure ? <FailureDetails failure={failed.failure} output={run.output} width={width} outputRows={outputRows} /> : null}
		</Box>
	);
}
