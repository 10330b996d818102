/*
Loaded with --import in every process of a learner's program, instead of tsx's
loader: TypeScript in, type-stripped ESM out, from a cache shared by all the
processes of a run (and of later runs). tsx loads itself, esbuild's API and its
tsconfig machinery into both the main thread and the hooks thread of every
process; this loads a few Node modules, and esbuild only when a file changed.
Only for folders whose package.json says "type": "module" (every workspace, the
kit's own labs): what tsx does for CommonJS .ts, this does not try to do.
*/
import {register} from 'node:module';

process.setSourceMapsEnabled(true);
register('./ts-hooks.mjs', import.meta.url);
