/**
What `report` shows, computed once for every output format: per lab, how many
passed and the step where most of the others stopped, with that step's most
common message; per learner, where they stand in each lab.
*/
import type {LabOutcome, LearnerResults} from './load.js';

export type Cell =
	| {status: 'pass'; passed: number; total: number}
	| {status: 'fail'; passed: number; total: number; step: string; stepName: string; message: string}
	| {status: 'error'; passed: number; total: number; message: string}
	| {status: 'none'};

export type LabSummary = {
	id: string;
	title: string;
	/** Learners whose results include this lab. */
	attempted: number;
	passed: number;
	/** The step most of the learners who did not pass stopped at ('checker error' when the kit broke). */
	commonStep?: {id: string; name: string; learners: number; message: string; messageLearners: number};
};

export type LearnerRow = {learner: string; file: string; cells: Cell[]; labsPassed: number};

export type ClassReport = {labs: LabSummary[]; learners: LearnerRow[]};

/** Known labs in curriculum order, with their titles (titles in handed-in files are not trusted for display). */
export type KnownLab = {id: string; title: string};

function cellFor(lab: LabOutcome | undefined): Cell {
	if (!lab) return {status: 'none'};
	const total = lab.steps.length;
	const passed = lab.steps.filter(step => step.status === 'pass').length;
	if (lab.status === 'pass') return {status: 'pass', passed, total};
	if (lab.status === 'error') return {status: 'error', passed, total, message: lab.message ?? 'the checker itself failed'};
	const failed = lab.steps.find(step => step.status === 'fail');
	return {status: 'fail', passed, total, step: failed?.id ?? '(none)', stepName: failed?.name ?? 'no step failed', message: failed?.message ?? 'the lab failed before any step could report'};
}

/** Messages that differ only in numbers (ports, pids, counts) are one message. */
const messageKey = (message: string) => message.replace(/\d+/g, '#');

function mostCommon<T>(items: readonly T[], key: (item: T) => string): {item: T; count: number} | undefined {
	const counts = new Map<string, {item: T; count: number}>();
	for (const item of items) {
		const k = key(item);
		const entry = counts.get(k);
		if (entry) entry.count += 1;
		else counts.set(k, {item, count: 1});
	}
	let best: {item: T; count: number} | undefined;
	for (const entry of counts.values()) if (!best || entry.count > best.count) best = entry;
	return best;
}

export function analyseClass(results: readonly LearnerResults[], known: readonly KnownLab[] = []): ClassReport {
	const order: KnownLab[] = [];
	const seen = new Set<string>();
	const present = new Set(results.flatMap(result => result.labs.map(lab => lab.id)));
	for (const lab of known) {
		if (present.has(lab.id)) {
			order.push(lab);
			seen.add(lab.id);
		}
	}
	for (const result of results) {
		for (const lab of result.labs) {
			if (!seen.has(lab.id)) {
				seen.add(lab.id);
				order.push({id: lab.id, title: lab.title});
			}
		}
	}
	const learners: LearnerRow[] = results
		.map(result => {
			const cells = order.map(lab => cellFor(result.labs.find(candidate => candidate.id === lab.id)));
			return {learner: result.learner, file: result.file, cells, labsPassed: cells.filter(cell => cell.status === 'pass').length};
		})
		.sort((a, b) => a.learner.localeCompare(b.learner));
	const labs: LabSummary[] = order.map((lab, index) => {
		const cells = learners.map(row => row.cells[index]!).filter(cell => cell.status !== 'none');
		const others = cells.filter((cell): cell is Extract<Cell, {status: 'fail' | 'error'}> => cell.status === 'fail' || cell.status === 'error');
		const stops = others.map(cell => (cell.status === 'fail' ? {id: cell.step, name: cell.stepName, message: cell.message} : {id: '(checker error)', name: 'checker error (a kit bug)', message: cell.message}));
		const step = mostCommon(stops, stop => stop.id);
		let commonStep: LabSummary['commonStep'];
		if (step) {
			const atStep = stops.filter(stop => stop.id === step.item.id);
			const message = mostCommon(atStep, stop => messageKey(stop.message))!;
			commonStep = {id: step.item.id, name: step.item.name, learners: step.count, message: message.item.message, messageLearners: message.count};
		}
		return {id: lab.id, title: lab.title, attempted: cells.length, passed: cells.filter(cell => cell.status === 'pass').length, commonStep};
	});
	return {labs, learners};
}
