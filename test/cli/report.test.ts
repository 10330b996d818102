/**
`report` end to end (the bundled CLI): per lab and per learner in each format,
learners named by folder or by the report, and every kind of bad input refused
with one sentence and exit code 1, never a stack trace.
*/
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {analyseClass} from '../../cli/report/analyse.js';
import {loadClassResults} from '../../cli/report/load.js';
import {csvField, mdCell, safeLine} from '../../cli/report/render.js';
import {buildClassroom50Result} from '../../cli/reporters/classroom50.js';
import {buildGradescopeResults} from '../../cli/reporters/gradescope.js';
import {passingLab, summaryOf} from '../reporters/fixtures.js';
import {buildCli, kitVersion, removeTempDirs, runCli, stackLines, tempDir} from './helpers.js';
import {EVIL_NAME, writeClass, writeDoc} from './report-fixtures.js';

let classDir: string;
let cwd: string;

beforeAll(() => {
	buildCli();
	cwd = tempDir('ncl-report-');
	classDir = path.join(cwd, 'class');
	writeClass(classDir);
});

afterAll(removeTempDirs);

const ESC = '\u001B';

describe('report: the analysis', () => {
	it('per lab: how many passed, the step where most of the others stop, and its most common message', () => {
		const report = analyseClass(loadClassResults([classDir], cwd, kitVersion), [{id: '02-cluster', title: 'The cluster module'}]);
		expect(report.labs.map(lab => lab.id)).toEqual(['02-cluster', '01-ipc', '03-sticky']);
		const lab02 = report.labs[0]!;
		expect([lab02.attempted, lab02.passed]).toEqual([6, 1]);
		expect(lab02.commonStep).toMatchObject({id: 'share', learners: 3, messageLearners: 3});
		expect(lab02.commonStep!.message).toMatch(/^\d+ requests got another request's answer$/);
		expect(report.labs[1]).toMatchObject({id: '01-ipc', attempted: 5, passed: 4, commonStep: {id: 'ipc', learners: 1}});
		expect(report.labs[2]!.commonStep).toMatchObject({id: '(checker error)', learners: 1});
		expect(report.learners.map(row => [row.learner, row.labsPassed])).toEqual([
			[EVIL_NAME, 0],
			['alice', 1],
			['bob', 2],
			['carol', 1],
			['dave', 0],
			['erin', 1],
		]);
		expect(report.learners.find(row => row.learner === 'dave')!.cells.map(cell => cell.status)).toEqual(['fail', 'none', 'none']);
	});

	it('text from learners is made safe for each output', () => {
		expect(safeLine(`a${ESC}[2J${ESC}]8;;http://x${ESC}\\b\u0007\r\nc\u202Ed`)).toBe('ab cd');
		expect(mdCell('<b>|x|</b> *y*')).toBe('&lt;b&gt;\\|x\\|&lt;/b&gt; \\*y\\*');
		expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
		expect(csvField('-1+2')).toBe("'-1+2");
		expect(csvField('plain')).toBe('plain');
	});
});

describe('report: the CLI', () => {
	it('prints a terminal table: labs, then learners, with no escape sequence from a learner', async () => {
		const result = await runCli(['report', 'class'], {cwd});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^node-cluster-lab class report: 6 learners, 3 labs\n/);
		expect(result.stdout).toMatch(/02-cluster\s+1 of 6\s+shares the port #2 \(3 of 5\): \d+ requests got another request's answer/);
		expect(result.stdout).toMatch(/01-ipc\s+4 of 5\s+answers over IPC \(1 of 1\)/);
		expect(result.stdout).toMatch(/bob\s+✓ 3\/3\s+✓ 3\/3\s+·\s+2 of 3/);
		expect(result.stdout).not.toContain(ESC);
		expect(result.stdout).not.toContain('\u202E');
		expect(result.stdout).toContain('<img src=x onerror="document.title');
	});

	it('--markdown: tables with learner text escaped', async () => {
		const result = await runCli(['report', 'class', '--markdown'], {cwd});
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('| Lab | Passed | Where most of the others stop | Most common message |');
		expect(result.stdout).toContain('&lt;img src=x onerror="document.title=\'pwned\'"&gt;');
		expect(result.stdout).not.toContain('<img');
		expect(result.stdout).not.toContain('<script');
	});

	it('--csv: one row per learner and lab', async () => {
		const result = await runCli(['report', 'class', '--csv'], {cwd});
		expect(result.code).toBe(0);
		const rows = result.stdout.trimEnd().split('\r\n');
		expect(rows[0]).toBe('learner,lab,status,steps_passed,steps,stopped_at,message,file');
		expect(rows).toHaveLength(1 + 6 * 3);
		expect(rows).toContain('bob,02-cluster,passed,3,3,,,class/bob/labs-results.json');
		expect(rows).toContain('dave,02-cluster,failed,0,2,boot,no port 23457 after 5 s,class/dave/labs-results.json');
		expect(result.stdout).not.toContain(ESC);
	});

	it('--html writes the page and says so on stderr', async () => {
		const result = await runCli(['report', 'class', '--html', 'out/class.html'], {cwd});
		expect(result.code).toBe(0);
		expect(result.stderr).toBe('wrote out/class.html: 6 learners, 3 labs\n');
		const html = fs.readFileSync(path.join(cwd, 'out/class.html'), 'utf8');
		expect(html).toMatch(/^<!doctype html>/);
		expect(html).not.toMatch(/<script|<img|<link|<iframe|<[a-z][^>]*\s(?:src|href)=/i);
	});

	it('names a learner by the file when it is named directly, and reads each file once', async () => {
		const dir = tempDir('ncl-report-files-');
		writeDoc(path.join(dir, 'zoe.json'), passingLab());
		const result = await runCli(['report', 'zoe.json', '.', 'zoe.json'], {cwd: dir});
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/\nzoe\s+✓ 3\/3\s+1 of 1\n/);
	});
});

describe('report: bad input is one sentence and exit code 1', () => {
	const refuse = async (args: string[], dir: string, pattern: RegExp) => {
		const result = await runCli(['report', ...args], {cwd: dir});
		expect(result.code, result.stderr).toBe(1);
		expect(result.stdout).toBe('');
		expect(stackLines(result.stderr)).toEqual([]);
		expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
		expect(result.stderr).toMatch(/^node-cluster-lab report: /);
		expect(result.stderr).toMatch(pattern);
		expect(result.stderr).not.toContain('internal error');
	};

	it('a file that does not exist, or cannot be read', async () => {
		const dir = tempDir('ncl-report-bad-');
		await refuse(['missing.json'], dir, /Cannot read missing\.json: it does not exist\./);
		fs.writeFileSync(path.join(dir, 'secret.json'), '{}');
		fs.chmodSync(path.join(dir, 'secret.json'), 0o000);
		// root reads anything: only check permission errors when they can happen.
		if (process.getuid?.() !== 0) await refuse(['secret.json'], dir, /permission denied/);
	});

	it('a file that is not JSON', async () => {
		const dir = tempDir('ncl-report-bad-');
		fs.writeFileSync(path.join(dir, 'notes.json'), 'hello, not json');
		await refuse(['notes.json'], dir, /notes\.json is not valid JSON/);
	});

	it("another tool's JSON: Classroom 50, Gradescope, anything else", async () => {
		const dir = tempDir('ncl-report-bad-');
		fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify(buildClassroom50Result(summaryOf(passingLab()), {})));
		await refuse(['result.json'], dir, /result\.json is Classroom 50's result\.json, not a node-cluster-lab json report/);
		fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(buildGradescopeResults(summaryOf(passingLab()))));
		await refuse(['results.json'], dir, /results\.json is Gradescope's results\.json/);
		fs.writeFileSync(path.join(dir, 'other.json'), JSON.stringify({name: 'x', items: [1, 2]}));
		await refuse(['other.json'], dir, /other\.json is JSON from another tool/);
		fs.writeFileSync(path.join(dir, 'list.json'), '[1, 2]');
		await refuse(['list.json'], dir, /list\.json is JSON but not a node-cluster-lab report/);
	});

	it('results from another kit version, or another format', async () => {
		const dir = tempDir('ncl-report-bad-');
		writeDoc(path.join(dir, 'old.json'), passingLab(), {}, doc => {
			doc.kit = {name: 'node-cluster-lab', version: '0.0.9'};
		});
		await refuse(['old.json'], dir, /old\.json was written by node-cluster-lab 0\.0\.9, not .*npx node-cluster-lab@0\.0\.9 report/);
		writeDoc(path.join(dir, 'v2.json'), passingLab(), {}, doc => {
			doc.version = 2;
		});
		await refuse(['v2.json'], dir, /v2\.json is in report format 2/);
		writeDoc(path.join(dir, 'unversioned.json'), passingLab(), {}, doc => {
			delete doc.kit;
		});
		await refuse(['unversioned.json'], dir, /does not say which kit version wrote it/);
		writeDoc(path.join(dir, 'edited.json'), passingLab(), {}, doc => {
			(doc.labs as Array<Record<string, unknown>>)[0]!.status = 'great';
		});
		await refuse(['edited.json'], dir, /edited\.json .* labs are malformed/);
	});

	it('the same learner twice', async () => {
		const dir = tempDir('ncl-report-bad-');
		writeDoc(path.join(dir, 'a.json'), passingLab(), {GITHUB_REPOSITORY: 'org/labs-alice'});
		writeDoc(path.join(dir, 'b.json'), passingLab(), {GITHUB_REPOSITORY: 'org/labs-alice'});
		await refuse(['a.json', 'b.json'], dir, /The learner "org\/labs-alice" appears twice, in a\.json and in b\.json/);
		writeDoc(path.join(dir, 'folder/Alice.json'), passingLab());
		writeDoc(path.join(dir, 'alice.json'), passingLab());
		await refuse(['alice.json', 'folder'], dir, /appears twice/);
	});

	it('a folder without results; no files named at all (a usage error, exit 2)', async () => {
		const dir = tempDir('ncl-report-bad-');
		fs.mkdirSync(path.join(dir, 'empty'));
		fs.writeFileSync(path.join(dir, 'empty/package.json'), '{}');
		await refuse(['empty'], dir, /The folder empty holds no \.json results/);
		const none = await runCli(['report'], {cwd: dir});
		expect(none.code).toBe(2);
		expect(none.stderr).toMatch(/name the results/);
	});

	it('a learner name with escape sequences in an error message is cleaned', async () => {
		const dir = tempDir('ncl-report-bad-');
		writeDoc(path.join(dir, 'a.json'), passingLab(), {NCL_LEARNER: `x${ESC}[2Jy`});
		writeDoc(path.join(dir, 'b.json'), passingLab(), {NCL_LEARNER: `x${ESC}[2Jy`});
		const result = await runCli(['report', 'a.json', 'b.json'], {cwd: dir});
		expect(result.code).toBe(1);
		expect(result.stderr).not.toContain(ESC);
	});
});
