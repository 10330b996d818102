import type {CheckEvent, RunSummary} from '../checks/events.js';

export type ReporterName = 'pretty' | 'json' | 'junit' | 'tap' | 'github' | 'classroom50' | 'gradescope' | 'prairielearn';
export const reporterNames: readonly ReporterName[] = ['pretty', 'json', 'junit', 'tap', 'github', 'classroom50', 'gradescope', 'prairielearn'];

export type ReporterOptions = {
	/** Where the report goes (stdout in the CLI, a buffer in tests). */
	write: (text: string) => void;
	/** Paths in the report are made relative to this folder. */
	cwd: string;
	/** ANSI colours on or off (the CLI honours NO_COLOR and non-TTY stdout). */
	color: boolean;
	/** GITHUB_STEP_SUMMARY and friends are read from here, never from process.env directly. */
	env: Record<string, string | undefined>;
	/** Step weights per lab (the lessons' `weights`) for the grading reporters; equal weights when absent. */
	weights?: (lab: string) => Readonly<Record<string, number>> | undefined;
};

/**
A reporter consumes the live event stream, then the summary once every requested
lab has run. Streaming reporters print in onEvent; document reporters print in finish.
*/
export type Reporter = {
	onEvent: (event: CheckEvent) => void;
	finish: (summary: RunSummary) => void;
};
