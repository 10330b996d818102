import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {loadCatalog} from '../../cli/catalog.js';
import {lessonsDir} from '../../cli/paths.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ncl-i18n-catalog-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe('the catalog in zh-CN', () => {
	it('takes title, summary, hints and lesson from lessons/zh-CN/<id>.md; a lab without one is English, marked missingTwin', () => {
		cpSync(path.join(lessonsDir, '01-ipc.md'), path.join(dir, '01-ipc.md'));
		cpSync(path.join(lessonsDir, '03-shared-handle.md'), path.join(dir, '03-shared-handle.md'));
		mkdirSync(path.join(dir, 'zh-CN'));
		cpSync(path.join(lessonsDir, 'zh-CN', '01-ipc.md'), path.join(dir, 'zh-CN', '01-ipc.md'));
		const [ipc, shared] = loadCatalog(dir, 'zh-CN');
		expect(ipc!.title).toBe('与子进程对话：fork 与 IPC');
		expect(ipc!.lessonFile).toBe(path.join(dir, 'zh-CN', '01-ipc.md'));
		expect(ipc!.lessonLang).toBe('zh-CN');
		expect(ipc!.missingTwin).toBeUndefined();
		expect(shared!.lessonFile).toBe(path.join(dir, '03-shared-handle.md'));
		expect(shared!.missingTwin).toBe('zh-CN');
		// English never looks for twins.
		expect(loadCatalog(dir, 'en').map(lab => [lab.title, lab.missingTwin])).toEqual([
			['Talking to children: fork and IPC', undefined],
			[shared!.title, undefined],
		]);
	});

	it('a twin that does not parse: the English lab, marked missingTwin, not a crash', () => {
		writeFileSync(path.join(dir, 'zh-CN', '03-shared-handle.md'), '---\nid: 03-wrong\n---\n');
		expect(loadCatalog(dir, 'zh-CN')[1]!.missingTwin).toBe('zh-CN');
		expect(readFileSync(path.join(dir, '03-shared-handle.md'), 'utf8')).toMatch(/^---/);
	});
});
