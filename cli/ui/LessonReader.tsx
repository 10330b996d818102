import {useEffect, useState} from 'react';
import {Box, Text} from 'ink';
import {useViewKeys} from './use-keys.js';
import {lessonBody, type Lab} from '../catalog.js';
import {renderMarkdown} from './markdown.js';
import {useScroll} from './use-scroll.js';
import {wrapLines} from './wrap-lines.js';

type Props = {
	readonly lab: Lab;
	readonly width: number;
	/** Rows for the text and its position line. */
	readonly height: number;
	readonly isActive: boolean;
	readonly onBack: () => void;
	/** r: check this lab. */
	readonly onRun: () => void;
};

type Rendered = {lab: string; width: number; rows: string[]};

/** The lesson's Markdown for the terminal, wrapped to the width (again on resize), scrollable. */
export function LessonReader({lab, width, height, isActive, onBack, onRun}: Props) {
	const textWidth = Math.max(20, width - 2);
	const [rendered, setRendered] = useState<Rendered>();
	useEffect(() => {
		let live = true;
		renderMarkdown(lessonBody(lab), textWidth).then(
			text => live && setRendered({lab: lab.id, width: textWidth, rows: wrapLines(text, textWidth)}),
			(error: unknown) => live && setRendered({lab: lab.id, width: textWidth, rows: [`Could not render ${lab.lessonFile}: ${(error as Error).message}`]}),
		);
		return () => {
			live = false;
		};
	}, [lab, textWidth]);

	// Until the new width is rendered, the old rendering stays (re-wrapping takes a few ms).
	const rows = rendered?.lab === lab.id ? rendered.rows : ['Loading the lesson…'];
	const page = Math.max(1, height - 1);
	const scroll = useScroll(rows.length, page);
	useViewKeys(
		'lesson',
		(input, key) => {
			if (scroll.handle(input, key)) return;
			if (key.escape || input === 'b' || key.leftArrow) onBack();
			else if (input === 'r') onRun();
		},
		{isActive},
	);

	const last = Math.min(rows.length, scroll.top + page);
	const percent = rows.length <= page ? 100 : Math.round((last / rows.length) * 100);
	return (
		<Box flexDirection="column" width={width}>
			<Box flexDirection="column" height={page} paddingX={1} overflow="hidden">
				<Text>{rows.slice(scroll.top, last).join('\n')}</Text>
			</Box>
			<Text dimColor wrap="truncate-end">
				{`${lab.id} lesson · rows ${scroll.top + 1}-${last} of ${rows.length} (${percent}%)`}
			</Text>
		</Box>
	);
}
