/**
The clause → step → mutant map. Every lesson's front matter says, for each
clause of its Contract, each pitfall it pins on a step, and each variable its
Environment table names, which checker step enforces it and which mutants
(known-wrong programs) prove that step can fail. test/contract-map.test.ts
reads the lesson itself, so a clause added to the Contract without a step and
a mutant fails the kit's tests.

Front matter shape:

  contract:
    - clause: "exactly `WORKERS` children"        # words found in one clause of the Contract
      steps: [workers-count]                      # the steps that enforce it
      mutants: [ignores-workers]                  # each rejected by one of those steps
  pitfalls:
    - pitfall: "The primary keeps its copy"       # words found in one Pitfalls bullet that names a step
      steps: [primary-serves-nothing]
      mutants: [primary-keeps-listening]
  variables:
    WORKERS: {values: [3, 5], mutants: [workers-fixed-at-3]}   # the checker tries each value
    STRATEGY: {values: [round-robin, ip-hash, priority], mutants: [...]}
    CRASH_FILE: {switch: true, steps: [crash-loop-limited], mutants: [...]}  # the checker's own fault switch
*/

export type MapEntry = {text: string; steps: string[]; mutants: string[]};
export type VariableEntry = {name: string; values: string[]; switch: boolean; steps: string[]; mutants: string[]};
export type ContractMap = {contract: MapEntry[]; pitfalls: MapEntry[]; variables: VariableEntry[]};

/** Variables every lab shares, proven by the `starts` step of every lab. */
export const sharedVariables = new Set(['PORT', 'HOST']);

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

export function readContractMap(frontMatter: Record<string, unknown>): ContractMap {
	const entries = (value: unknown, textField: string): MapEntry[] =>
		(Array.isArray(value) ? value : []).map((raw: Record<string, unknown>) => ({text: String(raw[textField] ?? ''), steps: list(raw.steps), mutants: list(raw.mutants)}));
	const variables = Object.entries((frontMatter.variables ?? {}) as Record<string, Record<string, unknown>>).map(([name, raw]) => ({
		name,
		values: list(raw.values),
		switch: raw.switch === true,
		steps: list(raw.steps),
		mutants: list(raw.mutants),
	}));
	return {contract: entries(frontMatter.contract, 'clause'), pitfalls: entries(frontMatter.pitfalls, 'pitfall'), variables};
}

/** Markdown emphasis and line breaks removed, spaces folded: what a person reads. */
export function normalize(text: string): string {
	return text.replaceAll('**', '').replaceAll(/\s+/g, ' ').trim();
}

/** The text of one level-2 section (`## Title…`), up to the next level-2 heading. */
export function section(body: string, title: RegExp): string {
	const lines = body.split('\n');
	const start = lines.findIndex(line => /^## /.test(line) && title.test(line));
	if (start === -1) return '';
	const end = lines.findIndex((line, index) => index > start && /^## /.test(line));
	return lines.slice(start + 1, end === -1 ? undefined : end).join('\n');
}

/** Top-level bullets ("- " at column 0 and their indented continuation lines), outside code fences. */
export function bullets(text: string): string[] {
	const items: string[][] = [];
	let fenced = false;
	let open = false;
	for (const line of text.split('\n')) {
		if (/^```/.test(line)) fenced = !fenced;
		if (fenced) continue;
		if (/^- /.test(line)) {
			items.push([line.slice(2)]);
			open = true;
		} else if (open && /^\s+\S/.test(line)) items.at(-1)!.push(line);
		else open = false;
	}
	return items.map(lines => normalize(lines.join(' ')));
}

/**
The clauses of the Contract: each bullet cut at "; " and at sentence ends
(". " before a capital letter or a backtick), and in Chinese at "；" and "。",
outside parentheses (ASCII or full-width) and code spans, so that each
obligation is mapped on its own.
*/
export function contractClauses(body: string): string[] {
	return bullets(section(body, CONTRACT)).flatMap(splitClauses);
}

/**
The sections the map reads, by their English or zh-CN heading (/work/zh-spec.md:
lessons/zh-CN/<id>.md uses ## 契约, ## 检查器做什么, ## 常见陷阱).
*/
export const CONTRACT = /Contract|契约/;
export const CHECKER_DOES = /What the checker does|检查器做什么/;
export const PITFALLS = /Pitfalls|常见陷阱/;

export function splitClauses(bullet: string): string[] {
	const pieces: string[] = [];
	let depth = 0;
	let code = false;
	let start = 0;
	for (let index = 0; index < bullet.length; index++) {
		const char = bullet[index]!;
		if (char === '`') code = !code;
		if (code) continue;
		if (char === '(' || char === '（') depth++;
		if (char === ')' || char === '）') depth = Math.max(0, depth - 1);
		if (depth > 0) continue;
		const next = bullet.slice(index + 1, index + 3);
		const endsSentence = char === '.' && /^ [A-Z`*]/.test(next);
		// Chinese text: a full-width semicolon or full stop ends a clause wherever it stands.
		if (char === ';' || char === '；' || char === '。' || endsSentence) {
			pieces.push(bullet.slice(start, index + 1).trim());
			start = index + 1;
		}
	}
	pieces.push(bullet.slice(start).trim());
	return pieces.filter(piece => piece.replace(/[.;:\s；。：]/g, '') !== '');
}

/** Variables named in the first column of the Contract's Environment table(s): `NAME` or `A`, `B`. */
export function contractVariables(body: string): string[] {
	const names = new Set<string>();
	for (const line of section(body, CONTRACT).split('\n')) {
		const cell = /^\|([^|]*)\|/.exec(line)?.[1];
		if (!cell) continue;
		for (const match of cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(match[1]!);
	}
	return [...names];
}

/** Pitfalls bullets that pin the mistake on one of the checker's steps (named in backticks). */
export function pinnedPitfalls(body: string, stepIds: readonly string[]): Array<{text: string; steps: string[]}> {
	return bullets(section(body, PITFALLS))
		.map(text => ({text, steps: stepIds.filter(id => text.includes(`\`${id}\``))}))
		.filter(pitfall => pitfall.steps.length > 0);
}

/** What the map check needs to know about a lab, outside its lesson text. */
export type LabFacts = {
	stepIds: readonly string[];
	/** Mutant name → the step that must reject it. */
	mutants: ReadonlyMap<string, string>;
	/** The lesson's front matter defaults. */
	defaults: Readonly<Record<string, string>>;
	/** LabCheck.variables. */
	checkerVariables?: Readonly<Record<string, readonly string[]>>;
};

/**
Every way the map falls short of the lesson, as sentences: a clause, a pinned
pitfall or a variable with no entry, an entry that names no step, a step or a
mutant that does not exist, a mutant its clause's steps do not reject, a mutant
no entry names. Empty when the map is complete.
*/
export function mapProblems(body: string, map: ContractMap, facts: LabFacts): string[] {
	const problems: string[] = [];
	const proven = (entry: MapEntry, what: string) => {
		if (entry.steps.length === 0) problems.push(`${what}: no step`);
		for (const step of entry.steps) if (!facts.stepIds.includes(step)) problems.push(`${what}: step ${step} does not exist`);
		if (entry.mutants.length === 0) problems.push(`${what}: no mutant proves it`);
		for (const name of entry.mutants) {
			const rejectedBy = facts.mutants.get(name);
			if (rejectedBy === undefined) problems.push(`${what}: mutant ${name} does not exist`);
			else if (!entry.steps.includes(rejectedBy)) problems.push(`${what}: mutant ${name} is rejected by ${rejectedBy}, not by a step of this entry`);
		}
	};

	const clauses = contractClauses(body);
	if (clauses.length === 0) problems.push('the lesson has no Contract bullets');
	for (const clause of clauses) if (!map.contract.some(entry => clause.includes(normalize(entry.text)))) problems.push(`Contract clause with no entry: "${clause}"`);
	for (const entry of map.contract) {
		const found = clauses.filter(clause => clause.includes(normalize(entry.text))).length;
		if (found !== 1) problems.push(`contract entry "${entry.text}" names ${found} clauses of the Contract, not 1`);
		proven(entry, `"${entry.text}"`);
	}

	const pinned = pinnedPitfalls(body, facts.stepIds);
	for (const pitfall of pinned) if (!map.pitfalls.some(entry => pitfall.text.includes(normalize(entry.text)))) problems.push(`pitfall pinned on ${pitfall.steps.join(', ')} with no entry: "${pitfall.text}"`);
	for (const entry of map.pitfalls) {
		const found = pinned.filter(pitfall => pitfall.text.includes(normalize(entry.text)));
		if (found.length !== 1) problems.push(`pitfall entry "${entry.text}" names ${found.length} pinned Pitfalls bullets, not 1`);
		for (const step of found[0]?.steps ?? []) if (!entry.steps.includes(step)) problems.push(`pitfall entry "${entry.text}": the bullet names ${step}, the entry does not`);
		proven(entry, `pitfall "${entry.text}"`);
	}

	const named = contractVariables(body).filter(name => !sharedVariables.has(name));
	for (const name of named) if (!map.variables.some(variable => variable.name === name)) problems.push(`variable ${name} of the Environment table has no entry`);
	const described = normalize(section(body, CHECKER_DOES));
	for (const variable of map.variables) {
		if (!named.includes(variable.name)) problems.push(`variable ${variable.name} is not in the Contract's Environment table`);
		if (variable.switch) {
			proven({text: variable.name, steps: variable.steps, mutants: variable.mutants}, `switch ${variable.name}`);
			continue;
		}
		if (variable.values.length < 2) problems.push(`${variable.name}: ${variable.values.length} value(s), at least 2 needed`);
		if (new Set(variable.values).size !== variable.values.length) problems.push(`${variable.name}: repeated values`);
		const lessonDefault = facts.defaults[variable.name];
		// A mode variable (STRATEGY=round-robin) lists every mode, its default included; a number never repeats the default.
		if (lessonDefault !== undefined && !/^[a-z-]+$/.test(lessonDefault) && variable.values.includes(lessonDefault)) problems.push(`${variable.name}: the lesson's default ${lessonDefault} is among the values tried`);
		const checkerValues = facts.checkerVariables?.[variable.name];
		if (JSON.stringify(checkerValues ?? []) !== JSON.stringify(variable.values)) problems.push(`${variable.name}: the checker tries ${JSON.stringify(checkerValues ?? [])} (LabCheck.variables), the map says ${JSON.stringify(variable.values)}`);
		for (const value of variable.values) if (!described.includes(`${variable.name}=${value}`)) problems.push(`"What the checker does" never says ${variable.name}=${value}`);
		if (variable.mutants.length === 0) problems.push(`${variable.name}: no mutant hard-codes it`);
		for (const name of variable.mutants) if (!facts.mutants.has(name)) problems.push(`${variable.name}: mutant ${name} does not exist`);
	}

	const mapped = new Set([...map.contract, ...map.pitfalls].flatMap(entry => entry.mutants).concat(map.variables.flatMap(variable => variable.mutants)));
	for (const name of facts.mutants.keys()) if (!mapped.has(name)) problems.push(`mutant ${name} proves nothing the map names`);
	return problems;
}
