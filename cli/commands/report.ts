import path from 'node:path';
import {loadCatalog} from '../catalog.js';
import {UsageError, UserError, type Command} from '../command.js';
import {writeFileAtomic} from '../fs-safe.js';
import {kitVersion} from '../paths.js';
import {analyseClass} from '../report/analyse.js';
import {renderHtml} from '../report/html.js';
import {loadClassResults, ReportInputError} from '../report/load.js';
import {renderCsv, renderMarkdown, renderTerminal} from '../report/render.js';

export const reportCommand: Command = {
	name: 'report',
	summary: 'a class\'s results at a glance (for instructors)',
	usage: 'report <files or folders...> [--markdown | --csv] [--html <file>]',
	help: [
		'Reads the json reports of a class (verify --reporter json=<file>, one per learner; folders are',
		'searched for .json files) and shows, per lab, how many passed and the step where most of the',
		'others stop, with that step\'s most common message; per learner, where they stand in each lab.',
		'A learner is named by the report\'s "learner" (NCL_LEARNER or GITHUB_REPOSITORY when verify ran),',
		'else by the first folder under a searched folder, else by the file name.',
		'',
		'  --markdown        Markdown tables instead of the terminal table',
		'  --csv             CSV, one row per learner and lab',
		'  --html <file>     also write one self-contained page (no network) to project in a workshop',
	].join('\n'),
	options: {
		markdown: {type: 'boolean'},
		csv: {type: 'boolean'},
		html: {type: 'string'},
	},
	async run({values, positionals}, io) {
		if (positionals.length === 0) throw new UsageError('name the results: files, or folders to search for them');
		if (values.markdown && values.csv) throw new UsageError('--markdown and --csv both choose the output; pass one');
		if (values.html === '') throw new UsageError('--html needs a file name');
		let results;
		try {
			results = loadClassResults(positionals, io.cwd, kitVersion());
		} catch (error) {
			if (error instanceof ReportInputError) throw new UserError(error.message);
			throw error;
		}
		let known: Array<{id: string; title: string}> = [];
		try {
			known = loadCatalog().map(lab => ({id: lab.id, title: lab.title}));
		} catch {
			// The report still works from the files alone.
		}
		const report = analyseClass(results, known);
		if (values.markdown) io.out(renderMarkdown(report));
		else if (values.csv) process.stdout.write(renderCsv(report));
		else io.out(renderTerminal(report));
		if (typeof values.html === 'string') {
			const file = path.resolve(io.cwd, values.html);
			try {
				writeFileAtomic(file, renderHtml(report));
			} catch (error) {
				throw new UserError(`Cannot write ${values.html}: ${(error as Error).message.split('\n')[0]}.`);
			}
			io.err(`wrote ${values.html}: ${report.learners.length} learner${report.learners.length === 1 ? '' : 's'}, ${report.labs.length} lab${report.labs.length === 1 ? '' : 's'}`);
		}
		return 0;
	},
};
