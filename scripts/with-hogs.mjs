#!/usr/bin/env node
// Runs a command with CPU hogs beside it, as on a busy classroom runner:
//   node scripts/with-hogs.mjs [--per-core N] -- <command> [args…]
// N busy-loop processes per core (default 2) run until the command ends, then
// are killed by pid; the command's exit code is ours. Each hog also dies on its
// own when this script's pipe closes (even after a SIGKILL of this script), so
// no hog outlives a run. The load average is printed before and after.
import os from 'node:os';
import {execa} from 'execa';

const args = process.argv.slice(2);
let perCore = 2;
if (args[0] === '--per-core') {
	perCore = Number(args[1]);
	args.splice(0, 2);
}
if (args[0] === '--') args.shift();
if (args.length === 0 || !Number.isInteger(perCore) || perCore < 0) {
	console.error('usage: node scripts/with-hogs.mjs [--per-core N] -- <command> [args…]');
	process.exit(2);
}

// A hog spins, and exits when its stdin (our pipe) closes.
const hogSource = "process.stdin.on('end', () => process.exit(0)).resume(); const spin = () => { const until = Date.now() + 50; while (Date.now() < until); setImmediate(spin); }; spin();";
// (execa's `cleanup` also kills them when this script exits.)
const hogs = Array.from({length: perCore * os.availableParallelism()}, () => execa(process.execPath, ['-e', hogSource], {stdin: 'pipe', stdout: 'ignore', stderr: 'inherit', buffer: false, reject: false}));
const load = () => os.loadavg().map(value => value.toFixed(1)).join(' ');
console.error(`[with-hogs] ${hogs.length} CPU hogs (${perCore} per core) beside: ${args.join(' ')}; load average ${load()}`);

const started = Date.now();
const command = execa(args[0], args.slice(1), {stdio: 'inherit', reject: false});
const stopHogs = () => {
	for (const hog of hogs) hog.kill('SIGKILL');
};
for (const signal of ['SIGINT', 'SIGTERM']) {
	process.on(signal, () => {
		command.kill(signal);
	});
}
const result = await command;
stopHogs();
if (result.exitCode === undefined && result.signal === undefined) {
	console.error(`[with-hogs] could not start ${args[0]}: ${result.originalMessage || result.shortMessage}`);
	process.exit(127);
}
console.error(`[with-hogs] ${args.join(' ')} ended (${result.signal ?? `code ${result.exitCode}`}) after ${((Date.now() - started) / 1000).toFixed(0)} s; load average ${load()}`);
process.exit(result.exitCode ?? 1);
