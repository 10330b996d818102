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
(". " before a capital letter or a backtick), outside parentheses and code
spans, so that each obligation is mapped on its own.
*/
export function contractClauses(body: string): string[] {
	return bullets(section(body, /Contract/)).flatMap(splitClauses);
}

export function splitClauses(bullet: string): string[] {
	const pieces: string[] = [];
	let depth = 0;
	let code = false;
	let start = 0;
	for (let index = 0; index < bullet.length; index++) {
		const char = bullet[index]!;
		if (char === '`') code = !code;
		if (code) continue;
		if (char === '(') depth++;
		if (char === ')') depth = Math.max(0, depth - 1);
		if (depth > 0) continue;
		const next = bullet.slice(index + 1, index + 3);
		const endsSentence = char === '.' && /^ [A-Z`*]/.test(next);
		if (char === ';' || endsSentence) {
			pieces.push(bullet.slice(start, index + 1).trim());
			start = index + 1;
		}
	}
	pieces.push(bullet.slice(start).trim());
	return pieces.filter(piece => piece.replace(/[.;:\s]/g, '') !== '');
}

/** Variables named in the first column of the Contract's Environment table(s): `NAME` or `A`, `B`. */
export function contractVariables(body: string): string[] {
	const names = new Set<string>();
	for (const line of section(body, /Contract/).split('\n')) {
		const cell = /^\|([^|]*)\|/.exec(line)?.[1];
		if (!cell) continue;
		for (const match of cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(match[1]!);
	}
	return [...names];
}

/** Pitfalls bullets that pin the mistake on one of the checker's steps (named in backticks). */
export function pinnedPitfalls(body: string, stepIds: readonly string[]): Array<{text: string; steps: string[]}> {
	return bullets(section(body, /Pitfalls/))
		.map(text => ({text, steps: stepIds.filter(id => text.includes(`\`${id}\``))}))
		.filter(pitfall => pitfall.steps.length > 0);
}
