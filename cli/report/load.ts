/**
Reads a class's results for `report`: the json reporter's documents, one per
learner, from files or from folders searched for them. Everything in them was
handed in by learners and is untrusted: only the fields `report` uses are kept,
each checked for its type. Any problem is a ReportInputError whose message is
one sentence naming the file.
*/
import fs from 'node:fs';
import path from 'node:path';

export class ReportInputError extends Error {}

export type StepOutcome = {id: string; name: string; status: 'pass' | 'fail' | 'skip'; message?: string};
export type LabOutcome = {id: string; title: string; status: 'pass' | 'fail' | 'error'; message?: string; steps: StepOutcome[]};
export type LearnerResults = {learner: string; file: string; startedAt?: string; labs: LabOutcome[]};

/** A results file is never this large; a bigger one is refused before it is read. */
export const MAX_RESULT_BYTES = 10 * 1024 * 1024;
/** Files a folder search passes over: the project's own JSON, never results. */
const NOT_RESULTS = new Set(['package.json', 'package-lock.json', 'tsconfig.json', 'node-cluster-lab.json', 'jsconfig.json', '.eslintrc.json']);
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '.node-cluster-lab']);
const MAX_DEPTH = 8;

type Found = {file: string; /** The name a folder search gives it: the first folder under the searched one, if any. */ folderName?: string};

function describeError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException).code;
	if (code === 'ENOENT') return 'it does not exist';
	if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
	if (code === 'EISDIR') return 'it is a folder';
	return (error as Error).message.split('\n')[0] ?? String(error);
}

function searchFolder(root: string, shown: string): Found[] {
	const found: Found[] = [];
	const walk = (dir: string, depth: number, first: string | undefined) => {
		let entries: fs.Dirent[];
		try {
			entries = fs.readdirSync(dir, {withFileTypes: true});
		} catch (error) {
			throw new ReportInputError(`Cannot read the folder ${dir === root ? shown : path.join(shown, path.relative(root, dir))}: ${describeError(error)}.`);
		}
		for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) {
				if (!SKIPPED_FOLDERS.has(entry.name) && depth < MAX_DEPTH) walk(full, depth + 1, first ?? entry.name);
			} else if (entry.isFile() && entry.name.toLowerCase().endsWith('.json') && !NOT_RESULTS.has(entry.name)) {
				found.push({file: full, folderName: first});
			}
		}
	};
	walk(root, 0, undefined);
	if (found.length === 0) throw new ReportInputError(`The folder ${shown} holds no .json results (write them with: npx node-cluster-lab verify --all --reporter json=labs-results.json).`);
	return found;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Names of other formats a teacher might point `report` at by mistake. */
function otherTool(data: Record<string, unknown>): string | undefined {
	if (typeof data.schema === 'string' && data.schema.startsWith('classroom50/')) return "Classroom 50's result.json";
	if ('gradable' in data || ('tests' in data && 'score' in data && !('labs' in data) && 'message' in data)) return "PrairieLearn's results.json";
	if ('tests' in data && ('execution_time' in data || 'score' in data) && !('labs' in data)) return "Gradescope's results.json";
	if ('numTotalTests' in data || 'testResults' in data) return "Jest's JSON";
	if ('stats' in data && 'tests' in data) return "Mocha's JSON";
	return undefined;
}

function parseSteps(value: unknown): StepOutcome[] | undefined {
	if (!Array.isArray(value)) return undefined;
	const steps: StepOutcome[] = [];
	for (const step of value) {
		if (!isObject(step)) return undefined;
		const id = str(step.id);
		const status = step.status;
		if (id === undefined || (status !== 'pass' && status !== 'fail' && status !== 'skip')) return undefined;
		steps.push({id, name: str(step.name) ?? id, status, message: str(step.message)});
	}
	return steps;
}

function parseLabs(value: unknown): LabOutcome[] | undefined {
	if (!Array.isArray(value)) return undefined;
	const labs: LabOutcome[] = [];
	for (const lab of value) {
		if (!isObject(lab)) return undefined;
		const id = str(lab.id);
		const status = lab.status;
		const steps = parseSteps(lab.steps);
		if (id === undefined || id === '' || (status !== 'pass' && status !== 'fail' && status !== 'error') || steps === undefined) return undefined;
		labs.push({id, title: str(lab.title) ?? id, status, message: str(lab.message), steps});
	}
	return labs;
}

function learnerFromPath(found: Found): string {
	return found.folderName ?? path.basename(found.file).replace(/\.json$/i, '');
}

/** One learner's document, validated; `shown` is how the file is named in messages. */
export function parseResults(text: string, shown: string, kitVersion: string, fallbackLearner: string): Omit<LearnerResults, 'file'> {
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch {
		throw new ReportInputError(`${shown} is not valid JSON, so it cannot be a node-cluster-lab report.`);
	}
	if (!isObject(data)) throw new ReportInputError(`${shown} is JSON but not a node-cluster-lab report (write one with: verify --reporter json=<file>).`);
	const other = otherTool(data);
	if (other) throw new ReportInputError(`${shown} is ${other}, not a node-cluster-lab json report (write one with: verify --reporter json=<file>).`);
	const kit = isObject(data.kit) ? data.kit : undefined;
	if (!Array.isArray(data.labs) || typeof data.version !== 'number' || (kit !== undefined && kit.name !== 'node-cluster-lab')) {
		throw new ReportInputError(`${shown} is JSON from another tool, not a node-cluster-lab json report (write one with: verify --reporter json=<file>).`);
	}
	if (data.version !== 3) throw new ReportInputError(`${shown} is in report format ${String(data.version)}, which this kit (${kitVersion}, format 3) does not read.`);
	const version = kit ? str(kit.version) : undefined;
	if (version === undefined) throw new ReportInputError(`${shown} does not say which kit version wrote it (older than ${kitVersion}); have it written again with this kit's verify.`);
	if (version !== kitVersion) {
		throw new ReportInputError(`${shown} was written by node-cluster-lab ${oneLineSafe(version)}, not ${kitVersion}: labs and steps differ between versions, so run the report with that version (npx node-cluster-lab@${oneLineSafe(version)} report …) or verify again.`);
	}
	const labs = parseLabs(data.labs);
	if (labs === undefined) throw new ReportInputError(`${shown} looks like a node-cluster-lab report but its labs are malformed (was it edited by hand?).`);
	const learner = str(data.learner)?.trim() || fallbackLearner;
	return {learner, startedAt: str(data.startedAt), labs};
}

/** Text that is safe inside a one-line message. */
function oneLineSafe(text: string): string {
	// eslint-disable-next-line no-control-regex
	return text.replace(/[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g, '').slice(0, 40);
}

/**
Every learner's results from the given files and folders. The same file
reached twice (named and inside a named folder) counts once; the same learner
in two files is an error.
*/
export function loadClassResults(inputs: readonly string[], cwd: string, kitVersion: string): LearnerResults[] {
	const found: Found[] = [];
	for (const input of inputs) {
		const full = path.resolve(cwd, input);
		let stat: fs.Stats;
		try {
			stat = fs.statSync(full);
		} catch (error) {
			throw new ReportInputError(`Cannot read ${shownPath(cwd, full)}: ${describeError(error)}.`);
		}
		if (stat.isDirectory()) found.push(...searchFolder(full, shownPath(cwd, full)));
		else found.push({file: full});
	}
	const seenFiles = new Set<string>();
	const byLearner = new Map<string, string>();
	const results: LearnerResults[] = [];
	for (const item of found) {
		let real: string;
		try {
			real = fs.realpathSync(item.file);
		} catch (error) {
			throw new ReportInputError(`Cannot read ${shownPath(cwd, item.file)}: ${describeError(error)}.`);
		}
		if (seenFiles.has(real)) continue;
		seenFiles.add(real);
		const shown = shownPath(cwd, item.file);
		let text: string;
		try {
			const size = fs.statSync(real).size;
			if (size > MAX_RESULT_BYTES) throw new ReportInputError(`${shown} is ${Math.round(size / 1024 / 1024)} MB, far larger than any results file (the limit is 10 MB).`);
			text = fs.readFileSync(real, 'utf8');
		} catch (error) {
			if (error instanceof ReportInputError) throw error;
			throw new ReportInputError(`Cannot read ${shown}: ${describeError(error)}.`);
		}
		const parsed = parseResults(text, shown, kitVersion, learnerFromPath(item));
		const key = parsed.learner.normalize('NFC').toLowerCase();
		const earlier = byLearner.get(key);
		if (earlier !== undefined) throw new ReportInputError(`The learner "${oneLineSafe(parsed.learner)}" appears twice, in ${earlier} and in ${shown}; keep one file per learner.`);
		byLearner.set(key, shown);
		results.push({...parsed, file: shown});
	}
	return results;
}

function shownPath(cwd: string, file: string): string {
	const rel = path.relative(cwd, file);
	// eslint-disable-next-line no-control-regex
	return (rel.startsWith('..') || path.isAbsolute(rel) ? file : rel).replace(/[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g, '?');
}
