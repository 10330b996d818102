import type React from 'react';
import {Box, Text} from 'ink';
import Spinner from 'ink-spinner';
import type {StepView} from '../app/run-state.js';
import {formatDuration} from '../reporters/text.js';
import {stepTitle, t} from '../i18n/index.js';

type Props = {
	/** The lab the steps are of: their titles come in the app's language (cli/checks/titles.*.ts). */
	readonly lab?: string;
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

function StepLine({step: raw, lab}: {readonly step: StepView; readonly lab?: string}) {
	const step = lab === undefined ? raw : {...raw, title: stepTitle(lab, raw.id, raw.title)};
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
					{step.title}
					{t().app.check.skipped}
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
export function StepList({lab, steps, foldPassed, foldSkipped, notes}: Props) {
	const words = t().app.check;
	const title = (step: StepView) => (lab === undefined ? step.title : stepTitle(lab, step.id, step.title));
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
					<Text color="green">✓</Text> {words.stepsPassed(passed.length)}
					<Text dimColor> ({passed.map(title).join('; ')})</Text>
				</Text>,
			);
		} else if (step.status === 'skipped' && foldSkipped) {
			if (skippedShown) continue;
			skippedShown = true;
			rows.push(
				<Text key="skipped" dimColor wrap="truncate-end">
					{'  - '}
					{words.moreSkipped(skipped.length)}
				</Text>,
			);
		} else {
			rows.push(
				<Box key={step.id} flexDirection="column">
					<StepLine step={step} lab={lab} />
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
