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
	define: {'process.env.NODE_ENV': '"production"'},
	// CommonJS dependencies bundled into ESM still call require() for builtins.
	banner: {js: "#!/usr/bin/env node\nimport {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);"},
	legalComments: 'none',
	logLevel: 'warning',
});
chmodSync('dist/cli.js', 0o755);
