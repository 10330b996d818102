/*
The hooks of ts-loader.mjs, in Node's loader thread. resolve: a relative import
of ./x.js that does not exist finds ./x.ts (what TypeScript's NodeNext asks
learners to write), as does ./x with no extension. load: a .ts or .mts file is
transformed by esbuild (types stripped, inline source map for stack traces) and
the result cached under os.tmpdir(), keyed by the file's path and contents.
*/
import {createHash} from 'node:crypto';
import {existsSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/** Bump when the transform's options change, so old cache entries are not used. */
const TRANSFORM_VERSION = '1';
const cacheDir = path.join(os.tmpdir(), `node-cluster-lab-ts-${process.getuid?.() ?? 'user'}`);
let esbuild;

/**
Whether the cache folder is this user's alone: under a shared /tmp another user
could create it first and plant code in it. Otherwise nothing is cached.
*/
let cacheIsOurs;
function ownCache() {
	if (cacheIsOurs !== undefined) return cacheIsOurs;
	try {
		mkdirSync(cacheDir, {recursive: true, mode: 0o700});
		const stat = lstatSync(cacheDir);
		cacheIsOurs = stat.isDirectory() && (process.getuid === undefined || stat.uid === process.getuid()) && (stat.mode & 0o022) === 0;
	} catch {
		cacheIsOurs = false;
	}
	return cacheIsOurs;
}

function isTypeScript(url) {
	return url.startsWith('file:') && /\.m?ts$/.test(new URL(url).pathname);
}

export async function resolve(specifier, context, nextResolve) {
	try {
		return await nextResolve(specifier, context);
	} catch (error) {
		if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !/^\.{1,2}\//.test(specifier) || !context.parentURL?.startsWith('file:')) throw error;
		const candidates = /\.[cm]?js$/.test(specifier) ? [specifier.replace(/js$/, 'ts')] : [`${specifier}.ts`, `${specifier}/index.ts`];
		for (const candidate of candidates) {
			const url = new URL(candidate, context.parentURL);
			if (existsSync(url)) return {url: url.href, shortCircuit: true};
		}
		throw error;
	}
}

/**
esbuild's transform; a syntax error becomes one SyntaxError with esbuild's
lines (file:line:column: ERROR: what), without esbuild's own stack and error
objects, which say nothing to a learner.
*/
function transform(file, source) {
	try {
		return esbuild.transformSync(source, {loader: 'ts', format: 'esm', target: `node${process.versions.node.split('.')[0]}`, sourcemap: 'inline', sourcefile: file}).code;
	} catch (error) {
		if (!Array.isArray(error?.errors) || error.errors.length === 0) throw error;
		// esbuild's own first line (what tsx prints too): file:line:column: ERROR: text.
		const lines = error.errors.map(({text, location}) => (location ? `${location.file}:${location.line}:${location.column}: ERROR: ${text}\n    ${location.lineText}` : `ERROR: ${text}`));
		const syntax = new SyntaxError(lines.join('\n'));
		throw syntax;
	}
}

export async function load(url, context, nextLoad) {
	if (!isTypeScript(url)) return nextLoad(url, context);
	const file = fileURLToPath(url);
	const source = readFileSync(file, 'utf8');
	const key = createHash('sha256').update(TRANSFORM_VERSION).update('\0').update(file).update('\0').update(source).digest('hex');
	const cached = path.join(cacheDir, `${key}.mjs`);
	const useCache = ownCache();
	let code;
	try {
		if (!useCache) throw new Error('no cache');
		code = readFileSync(cached, 'utf8');
	} catch {
		// tsx's own esbuild: the kit depends on tsx, and tsx on esbuild, wherever npm put it.
		// (import.meta.resolve is not there in Node 20's hooks thread.)
		esbuild ??= createRequire(createRequire(import.meta.url).resolve('tsx'))('esbuild');
		code = transform(file, source);
		if (useCache) {
			// Written whole, then renamed: a process reading at the same moment sees no half file.
			const partial = `${cached}.${process.pid}.tmp`;
			writeFileSync(partial, code);
			renameSync(partial, cached);
		}
	}
	return {format: 'module', source: code, shortCircuit: true};
}
