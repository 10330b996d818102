/**
The report's HTML page in a real browser: Debian's chromium driven by
playwright-core. It must render the class (cards per lab with a pass bar, a
table of learners in colour), fetch nothing, and show learners' HTML as text:
checked on the rendered page and on the pixels of its screenshot.
*/
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import zlib from 'node:zlib';
import {chromium, type BrowserContext, type Page} from 'playwright-core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildCli, removeTempDirs, runCli, tempDir} from './helpers.js';
import {writeClass} from './report-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what chromium's screenshots are) into RGBA pixels. */
function decodePng(png: Buffer): {width: number; height: number; pixel: (x: number, y: number) => [number, number, number]} {
	expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
	let offset = 8;
	let width = 0;
	let height = 0;
	let channels = 0;
	const data: Buffer[] = [];
	while (offset < png.length) {
		const length = png.readUInt32BE(offset);
		const type = png.toString('latin1', offset + 4, offset + 8);
		const body = png.subarray(offset + 8, offset + 8 + length);
		if (type === 'IHDR') {
			width = body.readUInt32BE(0);
			height = body.readUInt32BE(4);
			expect(body[8], 'bit depth').toBe(8);
			expect(body[12], 'interlace').toBe(0);
			channels = {2: 3, 6: 4}[body[9]!] ?? 0;
			expect(channels, `colour type ${body[9]}`).toBeGreaterThan(0);
		} else if (type === 'IDAT') data.push(body);
		offset += 12 + length;
	}
	const raw = zlib.inflateSync(Buffer.concat(data));
	const stride = width * channels;
	const pixels = Buffer.alloc(height * stride);
	for (let y = 0; y < height; y++) {
		const filter = raw[y * (stride + 1)]!;
		for (let x = 0; x < stride; x++) {
			const value = raw[y * (stride + 1) + 1 + x]!;
			const left = x >= channels ? pixels[y * stride + x - channels]! : 0;
			const up = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
			const upLeft = y > 0 && x >= channels ? pixels[(y - 1) * stride + x - channels]! : 0;
			let predicted = 0;
			if (filter === 1) predicted = left;
			else if (filter === 2) predicted = up;
			else if (filter === 3) predicted = (left + up) >> 1;
			else if (filter === 4) {
				const p = left + up - upLeft;
				const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
				predicted = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
			}
			pixels[y * stride + x] = (value + predicted) & 0xff;
		}
	}
	return {width, height, pixel: (x, y) => [pixels[y * stride + x * channels]!, pixels[y * stride + x * channels + 1]!, pixels[y * stride + x * channels + 2]!]};
}

/** The most frequent colour in a screenshot (of one element). */
function dominantColour(png: Buffer): [number, number, number] {
	const image = decodePng(png);
	const counts = new Map<string, number>();
	for (let y = 0; y < image.height; y++) for (let x = 0; x < image.width; x++) {
		const key = image.pixel(x, y).join(',');
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	const [best] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
	return best.split(',').map(Number) as [number, number, number];
}

let context: BrowserContext;
let page: Page;
let pageUrl: string;
const requests: string[] = [];
const dialogs: string[] = [];
let screenshot: Buffer;

beforeAll(async () => {
	if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
	buildCli();
	const cwd = tempDir('ncl-report-html-');
	writeClass(path.join(cwd, 'class'));
	const result = await runCli(['report', 'class', '--html', 'class.html'], {cwd});
	expect(result.code, result.stderr).toBe(0);
	pageUrl = pathToFileURL(path.join(cwd, 'class.html')).href;
	context = await chromium.launchPersistentContext(tempDir('ncl-chromium-profile-'), {executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: {width: 1280, height: 900}});
	page = context.pages()[0] ?? (await context.newPage());
	page.on('request', request => requests.push(request.url()));
	page.on('dialog', dialog => {
		dialogs.push(dialog.message());
		void dialog.dismiss();
	});
	await page.goto(pageUrl, {waitUntil: 'load'});
	screenshot = await page.screenshot({fullPage: true, path: path.join(cwd, 'class.png')});
}, 120_000);

afterAll(async () => {
	await context?.close();
	removeTempDirs();
});

describe('report --html in chromium', () => {
	it('fetches nothing but the page itself, and runs nothing a learner wrote', async () => {
		expect(requests).toEqual([pageUrl]);
		expect(dialogs).toEqual([]);
		expect(await page.title()).toBe('node-cluster-lab class report: 6 learners, 3 labs');
		expect(await page.locator('script, img, iframe, link, object, embed').count()).toBe(0);
	});

	it("shows a learner's HTML as text, where it was typed", async () => {
		const learner = page.locator('td.learner').first();
		expect(await learner.textContent()).toContain('<img src=x onerror="document.title=\'pwned\'">');
		expect(await learner.textContent()).not.toContain('\u202E');
		const quote = page.locator('section[data-lab="01-ipc"] blockquote');
		expect(await quote.textContent()).toBe('</blockquote><script>document.title="pwned"</script>');
	});

	it('one card per lab, with how many passed and a bar as long as that share', async () => {
		const cards = page.locator('section.lab');
		expect(await cards.count()).toBe(3);
		const lab02 = page.locator('section[data-lab="02-cluster"]');
		expect(await lab02.locator('.count').textContent()).toBe('1 of 6 passed');
		expect(await lab02.locator('.stop').textContent()).toBe('Most of the others stop at shares the port #2 (3 of 5)');
		const bar = await lab02.locator('.bar').boundingBox();
		const filled = await lab02.locator('.bar > span').boundingBox();
		expect(bar && filled).toBeTruthy();
		expect(filled!.width / bar!.width).toBeCloseTo(1 / 6, 1);
		expect(await page.locator('section[data-lab="01-ipc"] .bar > span').evaluate(span => span.getBoundingClientRect().width / span.parentElement!.getBoundingClientRect().width)).toBeCloseTo(0.8, 2);
	});

	it('the learners table: a row each, cells coloured by outcome, and the page fits the projector width', async () => {
		expect(await page.locator('tbody tr').count()).toBe(6);
		const bob = page.locator('tbody tr', {hasText: 'bob'});
		expect(await bob.locator('td').allTextContents()).toEqual(['bob', '✓ 3/3', '✓ 3/3', '·', '2 of 3']);
		expect(dominantColour(await bob.locator('td.pass').first().screenshot())).toEqual([26, 127, 55]);
		expect(dominantColour(await page.locator('td.fail').first().screenshot())).toEqual([255, 235, 233]);
		expect(dominantColour(await page.locator('td.error').first().screenshot())).toEqual([255, 248, 197]);
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
	});

	it('the screenshot is the whole page, drawn: white paper, green and red cells', () => {
		const image = decodePng(screenshot);
		expect(image.width).toBe(1280);
		expect(image.height).toBeGreaterThan(600);
		expect(image.pixel(5, 5)).toEqual([255, 255, 255]);
		let green = 0;
		let red = 0;
		for (let y = 0; y < image.height; y += 2) for (let x = 0; x < image.width; x += 2) {
			const [r, g, b] = image.pixel(x, y);
			if (r === 26 && g === 127 && b === 55) green++;
			if (r === 255 && g === 235 && b === 233) red++;
		}
		expect(green).toBeGreaterThan(500);
		expect(red).toBeGreaterThan(500);
	});
});
