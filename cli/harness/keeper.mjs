// The keeper: the leader of a learner's process group, and its lifeline.
//
// The kit starts this file detached (setsid), so it leads a new process group,
// and it starts the learner's entry inside that same group. The kit holds the
// other end of our stdin. When the kit dies by any means (even SIGKILL) that pipe
// closes and we SIGKILL the whole group: primary, children and grandchildren.
//
// Why a separate process rather than a preload in the learner's primary: a
// learner's busy loop or blocking code would starve a preloaded watchdog, and
// the kit's death would then leave the tree running.
//
// Protocol on fd 3 (one JSON object a line): {"event":"spawned","pid":N} once,
// then {"event":"exit","code":C,"signal":S} when the learner's primary exits.
// argv: node keeper.mjs <node args...>  (the kit starts us in the lab folder)
//
// node:child_process, not execa (which the kit uses for every other program it
// runs, see run-program.ts): this file ships as it is, outside the bundle, and
// runs without the kit's dependencies; and all it does is one spawn with
// inherited output, whose exit it reports itself. The kit starts this keeper
// with execa (lab-process.ts, startKeeper).
import {spawn} from 'node:child_process';
import {createWriteStream} from 'node:fs';

const nodeArgs = process.argv.slice(2);
const report = createWriteStream('', {fd: 3});
const killGroup = () => {
	try {
		process.kill(-process.pid, 'SIGKILL');
	} catch {
		process.exit(1);
	}
};

process.stdin.on('end', killGroup);
process.stdin.on('error', killGroup);
process.stdin.resume();
// Signals aimed at the keeper (a terminal's Ctrl-C never reaches a detached
// group, but a person may `kill` it) end the group the same way.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, killGroup);

// NCL_KEEPER_GROUPS (a lab's opt-in, e.g. "0"): when we run as root, start the
// learner's program with these supplementary groups. Root started from a shell
// often has none, which hides a child that drops its user and group but never
// calls setgroups([]). The variable is the kit's, not the learner's: it is removed.
const groups = process.env.NCL_KEEPER_GROUPS;
delete process.env.NCL_KEEPER_GROUPS;
if (groups && process.getuid?.() === 0) {
	try {
		process.setgroups(groups.split(',').map(Number));
	} catch {
		// Not allowed here (no CAP_SETGID): the checker sees the groups unchanged and says so.
	}
}

const primary = spawn(process.execPath, nodeArgs, {stdio: ['ignore', 'inherit', 'inherit'], env: process.env});
primary.on('error', error => {
	report.write(`${JSON.stringify({event: 'exit', code: null, signal: null, error: error.message})}\n`);
});
if (primary.pid !== undefined) report.write(`${JSON.stringify({event: 'spawned', pid: primary.pid})}\n`);
primary.on('exit', (code, signal) => {
	report.write(`${JSON.stringify({event: 'exit', code, signal})}\n`);
	// Stay alive: the primary's children may outlive it (orphans), and we are the
	// only one left who can end them if the kit dies now. The kit ends us.
});
