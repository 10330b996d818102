// Bundle the CLI and every dependency except tsx into dist/cli.js.
// tsx stays a real dependency: its loader URL is handed to the learner's
// processes, so it must exist as files on disk.
import {chmodSync} from 'node:fs';
import {build} from 'esbuild';

await build({
	entryPoints: ['cli/main.ts'],
	outfile: 'dist/cli.js',
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
	legalComments: 'none',
	logLevel: 'warning',
});
chmodSync('dist/cli.js', 0o755);
