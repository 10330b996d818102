// Bundle the CLI and every dependency except tsx into dist/cli.js.
// tsx stays a real dependency: its loader URL is handed to the learner's
// processes, so it must exist as files on disk.
import {chmodSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {build} from 'esbuild';
import {parse as parseYaml} from 'yaml';

/**
Ink's layout engine, yoga, ships its WebAssembly as a base64 data: URL and, when
`fetch` exists, loads it with fetch(). On Node that first touch of fetch compiles
Node's internal undici (~10 ms) and decodes the URL through it (~10 ms more),
all before the app's first frame. Handing the bytes over as `wasmBinary` makes
yoga take its synchronous path instead. The build fails if yoga's files change
shape, rather than silently losing the saving.
*/
/**
Ink's string-width (v8) and wrap-ansi's (v7) are ES modules with a default
export; they go to scripts/shims/string-width.js, which says why. The CommonJS
v4 that marked-terminal's tables use is left alone: its callers call
require('string-width') itself, which the shim's module object is not.
*/
const stringWidthShim = {
	name: 'string-width-shim',
	setup(build) {
		build.onResolve({filter: /^string-width$/}, async args => {
			if (args.pluginData?.real) return undefined;
			const real = await build.resolve(args.path, {kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: {real: true}});
			if (real.errors.length > 0) return {errors: real.errors};
			const manifest = JSON.parse(readFileSync(path.join(path.dirname(real.path), 'package.json'), 'utf8'));
			return manifest.type === 'module' ? {path: path.resolve('scripts/shims/string-width.js')} : {path: real.path};
		});
	},
};

const yogaWasmFromBytes = {
	name: 'yoga-wasm-from-bytes',
	setup(build) {
		build.onLoad({filter: /yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/}, ({path: file}) => {
			const source = readFileSync(file, 'utf8');
			const binaries = readFileSync(new URL('../node_modules/yoga-layout/dist/binaries/yoga-wasm-base64-esm.js', import.meta.url), 'utf8');
			const base64 = /"data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)"/.exec(binaries)?.[1];
			const call = 'await loadYoga()';
			if (!base64 || !source.includes(call)) throw new Error('yoga-layout changed shape: update the yoga-wasm-from-bytes plugin in scripts/bundle.mjs');
			return {contents: source.replace(call, `await loadYoga({wasmBinary: Buffer.from(${JSON.stringify(base64)}, 'base64')})`), loader: 'js'};
		});
	},
};

// Chunk names carry content hashes: clear out the last build's.
rmSync('dist', {recursive: true, force: true});

await build({
	entryPoints: {cli: 'cli/main.ts'},
	outdir: 'dist',
	// Split at every import(): the first frame and --version compile only what they run.
	splitting: true,
	chunkNames: 'chunks/[name]-[hash]',
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	external: ['tsx', 'tsx/*'],
	// The Ink app's .tsx files: React 19's automatic runtime (tsconfig has jsx react-jsx).
	jsx: 'automatic',
	// Every command parses this one file at start-up, so what the app never runs is stubbed
	// (scripts/stubs/ says why for each): Ink's devtools (an optional peer, not installed,
	// and ws), marked-terminal's emoji table, and the highlight.js languages no lesson uses.
	alias: {
		'react-devtools-core': './scripts/stubs/react-devtools-core.js',
		ws: './scripts/stubs/ws.js',
		'node-emoji': './scripts/stubs/node-emoji.js',
		'highlight.js': './scripts/stubs/highlight-js.cjs',
	},
	define: {'process.env.NODE_ENV': '"production"'},
	// CommonJS dependencies bundled into ESM still call require() for builtins.
	banner: {js: "#!/usr/bin/env node\nimport {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);"},
	plugins: [stringWidthShim, yogaWasmFromBytes],
	legalComments: 'none',
	logLevel: 'warning',
});
chmodSync('dist/cli.js', 0o755);

// Every lesson's front matter, parsed now and looked up by its exact text at start-up
// (cli/catalog.ts). The regex is catalog.ts's FRONT_MATTER; test/catalog.test.ts fails
// if a lesson's front matter is missing from the file.
const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;
// The translated twins too (lessons/<lang>/<id>.md, e.g. lessons/zh-CN/): the app reads them in that language.
const frontMatter = {};
const lessonFiles = readdirSync('lessons', {withFileTypes: true}).flatMap(entry =>
	entry.isDirectory() ? readdirSync(`lessons/${entry.name}`).map(name => `${entry.name}/${name}`) : [entry.name],
);
for (const name of lessonFiles.filter(file => file.endsWith('.md'))) {
	const yamlText = FRONT_MATTER.exec(readFileSync(`lessons/${name}`, 'utf8'))?.[1];
	if (yamlText !== undefined) frontMatter[yamlText] = parseYaml(yamlText);
}
writeFileSync('dist/front-matter.json', JSON.stringify(frontMatter));
