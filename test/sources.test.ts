import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {lessonBody, loadCatalog} from '../cli/catalog.js';
import {lessonsDir} from '../cli/paths.js';
import {section} from './contract-map.js';

type Source = {title: string; by: string; year: string; link: string};
const sources = parseYaml(readFileSync(path.join(lessonsDir, 'sources.yaml'), 'utf8')) as Record<string, Source>;

/**
The lessons call the source articles "seed 000" … "seed 004". Each lesson ends
with a Sources section that names every seed its front matter lists or its text
mentions, with the title and link of lessons/sources.yaml, so a learner can
find the article a sentence refers to.
*/
describe('sources', () => {
	it('describes every seed with a title, an author or site, a year and a link (or says none survives)', () => {
		expect(Object.keys(sources).length).toBeGreaterThan(0);
		for (const [id, source] of Object.entries(sources)) {
			for (const field of ['title', 'by', 'year', 'link'] as const) expect(String(source[field] ?? ''), `seed ${id}: ${field}`).not.toBe('');
		}
	});

	for (const lab of loadCatalog()) {
		it(`${lab.id} lists every seed it uses in its Sources section`, () => {
			const body = lessonBody(lab);
			const named = new Set([...lab.seeds, ...[...body.matchAll(/\bseeds? (\d{3})\b/gi)].map(match => match[1]!)]);
			const listed = section(body, /^## Sources$/);
			expect(listed, `${lab.id} has a "## Sources" section`).not.toBe('');
			for (const id of named) {
				const source = sources[id];
				expect(source, `seed ${id} is in lessons/sources.yaml`).toBeDefined();
				const line = listed.split('\n').find(text => text.includes(`seed ${id}`));
				expect(line, `${lab.id}: a Sources line for seed ${id}`).toBeDefined();
				expect(line, `${lab.id}: seed ${id}'s title`).toContain(source!.title);
			}
		});
	}
});
