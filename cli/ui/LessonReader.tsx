import {useEffect, useRef, useState} from 'react';
import {Box, Text} from 'ink';
import {useViewKeys} from './use-keys.js';
import {lessonBody, type Lab} from '../catalog.js';
import {codeRow, renderLesson, visibleLength, type LessonRow} from './markdown.js';
import {useScroll} from './use-scroll.js';
import {t} from '../i18n/index.js';

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

type Rendered = {lab: string; width: number; rows: LessonRow[]};

/** How far < and > move code sideways. */
const SIDEWAYS = 20;

/**
The lesson's Markdown for the terminal, laid out for the width (again on
resize), scrollable. Code is never wrapped: a line too wide is cut with a
marker, and < > move every code line sideways.
*/
export function LessonReader({lab, width, height, isActive, onBack, onRun}: Props) {
	const textWidth = Math.max(20, width - 2);
	const [rendered, setRendered] = useState<Rendered>();
	useEffect(() => {
		let live = true;
		// No translation of this lesson in the app's language yet: one line says so, then the English.
		const notice = lab.missingTwin ? `> ${t().missingTwin(lab.id)}\n\n` : '';
		renderLesson(notice + lessonBody(lab), textWidth).then(
			rows => live && setRendered({lab: lab.lessonFile, width: textWidth, rows}),
			(error: unknown) => live && setRendered({lab: lab.lessonFile, width: textWidth, rows: [{text: t().app.lesson.cannotRender(lab.lessonFile, (error as Error).message)}]}),
		);
		return () => {
			live = false;
		};
	}, [lab, textWidth]);

	// Until the new width is rendered, the old rendering stays (re-wrapping takes a few ms).
	// By file: the same lab in another language is another lesson.
	const rows = rendered?.lab === lab.lessonFile ? rendered.rows : [{text: t().app.lesson.loading}];
	const page = Math.max(1, height - 1);
	const scroll = useScroll(rows.length, page);
	const widest = Math.max(0, ...rows.map(row => (row.code ? row.code.indent + visibleLength(row.code.line) : 0)));
	const maxLeft = Math.max(0, widest - textWidth + 2);
	const [left, setLeft] = useState(0);
	const sideways = useRef(0);
	const moveSideways = (delta: number) => {
		sideways.current = Math.max(0, Math.min(maxLeft, sideways.current + delta));
		setLeft(sideways.current);
	};
	useViewKeys(
		'lesson',
		(input, key) => {
			if (scroll.handle(input, key)) return;
			if (input === '>') moveSideways(SIDEWAYS);
			else if (input === '<') moveSideways(-SIDEWAYS);
			else if (key.escape || input === 'b' || key.leftArrow) onBack();
			else if (input === 'r') onRun();
		},
		{isActive},
	);

	const last = Math.min(rows.length, scroll.top + page);
	const percent = rows.length <= page ? 100 : Math.round((last / rows.length) * 100);
	return (
		<Box flexDirection="column" width={width}>
			<Box flexDirection="column" height={page} paddingX={1} overflow="hidden">
				<Text>
					{rows
						.slice(scroll.top, last)
						.map(row => (row.code ? codeRow(row.code, textWidth, Math.min(left, maxLeft)) : row.text))
						.join('\n')}
				</Text>
			</Box>
			<Text dimColor wrap="truncate-end">
				{`${t().app.lesson.position(lab.id, scroll.top + 1, last, rows.length, percent)}${maxLeft > 0 ? t().app.lesson.sideways : ''}`}
			</Text>
		</Box>
	);
}
