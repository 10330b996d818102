// Runs any command (not only `node <file>`) for `node-cluster-lab trace`, as
// the keeper's "primary": the keeper only starts Node, so it starts this file,
// and this file starts the command in the same process group.
//
// argv: node trace-launcher.mjs <command> [args...]
// env: NCL_TRACE_NODE_OPTIONS becomes the command's NODE_OPTIONS (the spy).
// It is not our own NODE_OPTIONS, so this launcher is not traced itself.
//
// Signals: the kit signals the program's processes directly (Ctrl-C sends
// SIGINT to each, as a terminal would), so we ignore them and only wait. When the
// command ends we end the same way, so the keeper reports its code or signal.
//
// node:child_process, not execa: like keeper.mjs this file ships outside the
// bundle and runs without the kit's dependencies. Its job is the one thing the
// kit's other launches are not: hand the terminal's stdio straight through and
// end by the same signal as the command. What goes wrong is said in one line below.
import {spawn} from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
const env = {...process.env};
delete env.NODE_OPTIONS;
if (env.NCL_TRACE_NODE_OPTIONS) env.NODE_OPTIONS = env.NCL_TRACE_NODE_OPTIONS;
delete env.NCL_TRACE_NODE_OPTIONS;

const ignore = () => {};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, ignore);

const program = spawn(command, args, {stdio: 'inherit', env});
program.on('error', error => {
	const reason = error.code === 'ENOENT' ? 'command not found' : error.code === 'EACCES' ? 'permission denied' : error.message;
	process.stderr.write(`node-cluster-lab trace: cannot run '${command}': ${reason}\n`);
	process.exit(error.code === 'ENOENT' ? 127 : 126);
});
program.on('exit', (code, signal) => {
	if (signal) {
		for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(name, ignore);
		process.kill(process.pid, signal);
		return;
	}
	process.exit(code ?? 1);
});
