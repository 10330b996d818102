import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {parse as parseYaml} from 'yaml';
import {frontMatterSnapshotFile, lessonsDir} from './paths.js';
import {getLang, type Lang} from './i18n/lang.js';

/** One lab as lessons/<id>.md's front matter describes it: the single source of truth. */
export type Lab = {
	id: string;
	title: string;
	/** Position in the curriculum. */
	order: number;
	/** The file the checker starts, relative to the lab folder. */
	entry: string;
	/** Every file the learner edits (entry included), relative to the lab folder. */
	files: string[];
	/** Source articles in shared/seeds this lab draws on. */
	seeds: string[];
	/** Environment defaults the lesson teaches with (checkers may use other values). */
	defaults: Record<string, string>;
	summary: string;
	/** Ordered from a nudge to nearly the answer. */
	hints: string[];
	lessonFile: string;
	/** Points per step id for the grading reporters (`weights: {step: n}`); a step not named weighs 1. */
	weights?: Record<string, number>;
	/** The language of title, summary, hints and lessonFile when not English (lessons/<lang>/<id>.md). */
	lessonLang?: Lang;
	/** Another language was asked for but lessons/<lang>/<id>.md does not exist (or does not parse): English is shown. */
	missingTwin?: Lang;
};

export class CatalogError extends Error {}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;

let snapshot: Record<string, unknown> | undefined;

/**
The build (scripts/bundle.mjs) parses every lesson's front matter once and
stores it by its exact YAML text. Parsing YAML at start-up cost the app's first
frame ~18 ms; a lookup by text can never be stale: an edited lesson misses and
is parsed as before.
*/
function parsedFrontMatter(yamlText: string): unknown {
	if (snapshot === undefined) {
		try {
			snapshot = JSON.parse(readFileSync(frontMatterSnapshotFile, 'utf8')) as Record<string, unknown>;
		} catch {
			// Running from source before any build: parse everything.
			snapshot = {};
		}
	}
	return Object.hasOwn(snapshot, yamlText) ? structuredClone(snapshot[yamlText]) : parseYaml(yamlText);
}

/** The YAML between the opening and closing `---`, or undefined when there is none. */
export function frontMatterText(markdown: string): string | undefined {
	return FRONT_MATTER.exec(markdown)?.[1];
}

export function splitFrontMatter(markdown: string): {data: unknown; body: string} {
	const match = FRONT_MATTER.exec(markdown);
	if (!match) return {data: undefined, body: markdown};
	return {data: parsedFrontMatter(match[1]!), body: markdown.slice(match[0].length)};
}

function stringList(value: unknown, field: string, file: string): string[] {
	if (!Array.isArray(value) || value.some(item => typeof item !== 'string' && typeof item !== 'number')) {
		throw new CatalogError(`${file}: "${field}" must be a list of strings`);
	}
	return value.map(String);
}

/** `weights: {step-id: n}`: whole numbers from 0 (Classroom 50 takes integer scores only). */
function parseWeights(value: unknown, file: string): Record<string, number> | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'object' || Array.isArray(value)) throw new CatalogError(`${file}: "weights" must map step ids to whole numbers`);
	const weights: Record<string, number> = {};
	for (const [step, weight] of Object.entries(value as Record<string, unknown>)) {
		if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0) throw new CatalogError(`${file}: the weight of step "${step}" must be a whole number from 0`);
		weights[step] = weight;
	}
	return weights;
}

function parseLab(file: string): Lab {
	const {data} = splitFrontMatter(readFileSync(file, 'utf8'));
	if (typeof data !== 'object' || data === null) throw new CatalogError(`${file}: no front matter`);
	const meta = data as Record<string, unknown>;
	const fileId = path.basename(file, '.md');
	for (const field of ['id', 'title', 'entry', 'summary']) {
		if (typeof meta[field] !== 'string' || meta[field] === '') throw new CatalogError(`${file}: "${field}" must be a non-empty string`);
	}
	if (meta.id !== fileId) throw new CatalogError(`${file}: id "${String(meta.id)}" does not match the file name`);
	if (typeof meta.order !== 'number') throw new CatalogError(`${file}: "order" must be a number`);
	const defaults: Record<string, string> = {};
	for (const [key, value] of Object.entries((meta.defaults ?? {}) as Record<string, unknown>)) defaults[key] = String(value);
	const hints = stringList(meta.hints ?? [], 'hints', file);
	if (hints.length === 0) throw new CatalogError(`${file}: a lab needs at least one hint`);
	const files = stringList(meta.files ?? [meta.entry], 'files', file);
	if (!files.includes(meta.entry as string)) throw new CatalogError(`${file}: "files" must include the entry`);
	return {
		id: meta.id as string,
		title: meta.title as string,
		order: meta.order,
		entry: meta.entry as string,
		files,
		seeds: stringList(meta.seeds ?? [], 'seeds', file),
		defaults,
		summary: meta.summary as string,
		hints,
		lessonFile: file,
		...(meta.weights === undefined ? {} : {weights: parseWeights(meta.weights, file)}),
	};
}

const cached = new Map<Lang, Lab[]>();

/** Where a lesson's translation lives: lessons/<lang>/<id>.md. */
export function twinFile(dir: string, lang: Lang, id: string): string {
	return path.join(dir, lang, `${id}.md`);
}

/**
The lab in another language: title, summary, hints and lesson from its twin
(test/lesson-twins.test.ts proves the rest of the front matter identical), the
English lab marked missingTwin when there is no twin or it does not parse.
*/
function translated(lab: Lab, dir: string, lang: Lang): Lab {
	if (lang === 'en') return lab;
	const file = twinFile(dir, lang, lab.id);
	if (!existsSync(file)) return {...lab, missingTwin: lang};
	try {
		const twin = parseLab(file);
		return {...lab, title: twin.title, summary: twin.summary, hints: twin.hints, lessonFile: file, lessonLang: lang};
	} catch {
		return {...lab, missingTwin: lang};
	}
}

/** Every lab, in curriculum order, in the language asked for (by default the process's: cli/i18n/lang.ts). */
export function loadCatalog(dir = lessonsDir, lang: Lang = getLang()): Lab[] {
	if (dir === lessonsDir && cached.has(lang)) return cached.get(lang)!;
	const labs = readdirSync(dir)
		.filter(name => name.endsWith('.md'))
		.map(name => parseLab(path.join(dir, name)))
		.sort((a, b) => a.order - b.order);
	const ids = new Set<string>();
	for (const lab of labs) {
		if (ids.has(lab.id)) throw new CatalogError(`duplicate lab id ${lab.id}`);
		ids.add(lab.id);
	}
	const inLang = labs.map(lab => translated(lab, dir, lang));
	if (dir === lessonsDir) cached.set(lang, inLang);
	return inLang;
}

export function findLab(id: string): Lab | undefined {
	return loadCatalog().find(lab => lab.id === id || lab.id.startsWith(`${id}-`) || lab.id.split('-').slice(1).join('-') === id);
}

/** The lesson's Markdown without its front matter. */
export function lessonBody(lab: Lab): string {
	return splitFrontMatter(readFileSync(lab.lessonFile, 'utf8')).body;
}
