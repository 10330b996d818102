import path from 'node:path';
import {loadCatalog, type Lab} from '../catalog.js';
import {UsageError, UserError, type Command} from '../command.js';
import type {CheckEvent} from '../checks/events.js';
import {foldLabEvents} from '../checks/fold-events.js';
import {checks} from '../checks/index.js';
import {runLab} from '../checks/runner.js';
import {writeFileAtomic} from '../fs-safe.js';
import {solutionsDir} from '../paths.js';
import {createReporter} from '../reporters/index.js';
import {reporterNames, type Reporter, type ReporterName} from '../reporters/types.js';
import {labHere, labOrThrow, resolveTarget} from './context.js';

type ReporterSpec = {name: ReporterName; file: string | undefined};

function parseReporters(values: unknown): ReporterSpec[] {
	const specs = ((values as string[] | undefined) ?? []).map(value => {
		const [name, file] = value.split('=', 2) as [string, string | undefined];
		if (!reporterNames.includes(name as ReporterName)) throw new UsageError(`unknown reporter '${name}'; choose from ${reporterNames.join(', ')}`);
		return {name: name as ReporterName, file: file || undefined};
	});
	// Someone must talk to the terminal.
	if (!specs.some(spec => spec.file === undefined)) specs.unshift({name: 'pretty', file: undefined});
	return specs;
}

export const verifyCommand: Command = {
	name: 'verify',
	summary: 'run the checkers against your labs',
	usage: 'verify [lab...] [--all] [--solutions] [--dir <path>] [--reporter <name>[=<file>]]',
	help: [
		'Starts each lab\'s program, fires real HTTP traffic at it, inspects its processes and reports',
		'every step: passed, or failed with what was expected, what happened, a hint and a command to',
		'try it yourself. With no lab named, checks the lab whose folder you are in, else the current lab.',
		'Exit code 0 only if every lab passed; 1 if one did not; 2 for a usage error (an unknown lab too).',
		'',
		'  --all                   every lab, in order',
		'  --solutions             check the kit\'s reference solutions instead of your files',
		'  --dir <path>            a workspace, or any folder laid out like labs/ (one folder per lab id)',
		`  --reporter <name>       ${reporterNames.join(', ')} (default pretty); repeat it for several.`,
		'                          name=<file> writes that report to a file, e.g. --reporter junit=junit.xml',
		'',
		'Reporters: json (one document, per-lab and per-step results), junit (one testcase per step),',
		'tap (TAP version 14), github (workflow annotations on your files, plus a Markdown summary',
		'appended to $GITHUB_STEP_SUMMARY when it is set). For graders, with a score per step (the',
		'lesson\'s weights, else 1 each): classroom50 (Classroom 50\'s result.json), gradescope',
		'(Gradescope\'s results.json), prairielearn (PrairieLearn\'s external grader results.json).',
	].join('\n'),
	options: {
		all: {type: 'boolean'},
		solutions: {type: 'boolean'},
		dir: {type: 'string'},
		reporter: {type: 'string', multiple: true},
	},
	async run({values, positionals}, io) {
		const specs = parseReporters(values.reporter);
		if (values.all && positionals.length > 0) throw new UsageError('name labs or pass --all, not both');
		if (values.solutions && values.dir) throw new UsageError('--solutions and --dir both choose the folder; pass one');
		const target = values.solutions ? {labsRoot: solutionsDir} : resolveTarget(io, values.dir);
		if (!target) throw new UserError('no workspace here and no --dir. Create one with: npx node-cluster-lab init my-labs\n(or check the reference solutions with --solutions)');
		const workspace = 'workspace' in target ? target.workspace : undefined;
		let labs: Lab[];
		if (values.all) labs = loadCatalog();
		else if (positionals.length > 0) labs = positionals.map(id => labOrThrow(id));
		else {
			// Standing in labs/<id> (or below) checks that lab; elsewhere, the current one.
			const here = labHere(io.cwd, workspace);
			const current = workspace?.state.current;
			if (here) labs = [here];
			else if (current) labs = [labOrThrow(current, 'workspace')];
			else throw new UsageError('name a lab (e.g. verify 01-ipc) or pass --all');
		}

		const buffers = new Map<ReporterSpec, string[]>();
		const reporters: Reporter[] = specs.map(spec => {
			const chunks: string[] = [];
			buffers.set(spec, chunks);
			return createReporter(spec.name, {
				write: spec.file ? text => chunks.push(text) : text => process.stdout.write(text),
				cwd: io.cwd,
				color: !spec.file && io.stdoutIsTty && io.env.NO_COLOR === undefined,
				env: io.env,
				weights: lab => labs.find(candidate => candidate.id === lab)?.weights,
			});
		});
		const events: CheckEvent[] = [];
		const emit = (event: CheckEvent) => {
			events.push(event);
			for (const reporter of reporters) reporter.onEvent(event);
		};

		const started = Date.now();
		const startedAt = new Date().toISOString();
		let allPassed = true;
		for (const lab of labs) {
			const check = checks[lab.id];
			if (!check) throw new Error(`lab ${lab.id} has no checker`);
			const status = await runLab({lab, check, dir: path.join(target.labsRoot, lab.id), emit, cwd: io.cwd});
			if (status !== 'passed') allPassed = false;
			// A checker error is the kit's fault, not a verdict on the learner's work.
			if (workspace && status !== 'error') workspace.recordRun(lab.id, status === 'passed');
		}

		const summary = {labs: foldLabEvents(events), nodeVersion: process.version, platform: process.platform, startedAt, durationMs: Date.now() - started};
		for (const reporter of reporters) reporter.finish(summary);
		for (const spec of specs) {
			if (spec.file) writeFileAtomic(path.resolve(io.cwd, spec.file), buffers.get(spec)!.join(''));
		}
		return allPassed ? 0 : 1;
	},
};
