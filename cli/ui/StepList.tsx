import type React from 'react';
import {Box, Text} from 'ink';
import Spinner from 'ink-spinner';
import type {StepView} from '../app/run-state.js';
import {formatDuration} from '../reporters/text.js';

type Props = {
	readonly steps: readonly StepView[];
	/** Passed steps folded into one line (a failure needs the room). */
	readonly foldPassed: boolean;
	/** Skipped steps folded into one line (after a failure they are all "skipped"). */
	readonly foldSkipped: boolean;
	/** Show each passed step's note (a figure worth knowing) on a line of its own. */
	readonly notes: boolean;
};

/** Rows the list takes. */
export function stepRows(steps: readonly StepView[], foldPassed: boolean, foldSkipped: boolean, notes: boolean): number {
	const passed = steps.filter(step => step.status === 'passed');
	const skipped = steps.filter(step => step.status === 'skipped').length;
	const others = steps.length - passed.length - skipped;
	const passedRows = foldPassed ? Math.min(1, passed.length) : passed.length + (notes ? passed.filter(step => step.note).length : 0);
	return passedRows + others + (foldSkipped ? Math.min(1, skipped) : skipped);
}

function StepLine({step}: {readonly step: StepView}) {
	const duration = step.durationMs === undefined ? '' : ` (${formatDuration(step.durationMs)})`;
	switch (step.status) {
		case 'running':
			return (
				<Text wrap="truncate-end">
					{'  '}
					<Text color="cyan">
						<Spinner type="dots" />
					</Text>{' '}
					{step.title}
				</Text>
			);
		case 'passed':
			return (
				<Text wrap="truncate-end">
					{'  '}
					<Text color="green">✓</Text> {step.title}
					<Text dimColor>{duration}</Text>
				</Text>
			);
		case 'failed':
			return (
				<Text wrap="truncate-end">
					{'  '}
					<Text color="red">✗</Text> <Text bold>{step.title}</Text>
					<Text dimColor>{duration}</Text>
				</Text>
			);
		case 'skipped':
			return (
				<Text dimColor wrap="truncate-end">
					{'  - '}
					{step.title} (skipped)
				</Text>
			);
		default:
			return (
				<Text dimColor wrap="truncate-end">
					{'  · '}
					{step.title}
				</Text>
			);
	}
}

/** Each step of the check: pending, a spinner while it runs, then ✓ or ✗. */
export function StepList({steps, foldPassed, foldSkipped, notes}: Props) {
	const passed = steps.filter(step => step.status === 'passed');
	const skipped = steps.filter(step => step.status === 'skipped');
	const rows: React.ReactNode[] = [];
	let passedShown = false;
	let skippedShown = false;
	for (const step of steps) {
		if (step.status === 'passed' && foldPassed) {
			if (passedShown) continue;
			passedShown = true;
			rows.push(
				<Text key="passed" wrap="truncate-end">
					{'  '}
					<Text color="green">✓</Text> {passed.length} step{passed.length === 1 ? '' : 's'} passed
					<Text dimColor> ({passed.map(each => each.title).join('; ')})</Text>
				</Text>,
			);
		} else if (step.status === 'skipped' && foldSkipped) {
			if (skippedShown) continue;
			skippedShown = true;
			rows.push(
				<Text key="skipped" dimColor wrap="truncate-end">
					{'  - '}
					{skipped.length} more step{skipped.length === 1 ? '' : 's'} skipped after the failure
				</Text>,
			);
		} else {
			rows.push(
				<Box key={step.id} flexDirection="column">
					<StepLine step={step} />
					{notes && step.status === 'passed' && step.note ? (
						<Text dimColor wrap="truncate-end">
							{'    '}
							{step.note}
						</Text>
					) : null}
				</Box>,
			);
		}
	}
	return <Box flexDirection="column">{rows}</Box>;
}
