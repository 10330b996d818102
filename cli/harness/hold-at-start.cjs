'use strict';
// Hold at start: preloaded into every Node process of a learner's tree with
// NODE_OPTIONS="--require <this file>". While the file named by NCL_HOLD_FILE
// exists, a process that starts appends its pid to it and waits (asleep,
// checking every 10 ms) before running a line of the learner's code; the
// checker lets it go on by removing the file (or it goes on by itself after
// 30 s, should the kit die without removing it). No signals: a SIGCONT sent
// before the process stopped itself would leave it stopped for good. So a checker can keep "the replacement is not up yet"
// for exactly as long as it wants, however fast the machine, instead of
// racing the learner's restart. Without the variable, or while the file does
// not exist, it does nothing. It never throws and changes nothing else.
const file = process.env.NCL_HOLD_FILE;
if (file) {
	try {
		const fs = require('fs');
		let mainThread = true;
		try {
			mainThread = require('worker_threads').isMainThread;
		} catch {}
		if (mainThread && fs.existsSync(file)) {
			// A first line "#ipc-children <ms>" holds only processes started with fork() (an IPC
			// channel), each for at most <ms>: the primary goes on and listens while its children wait.
			const only = /^#ipc-children (\d+)/.exec(fs.readFileSync(file, 'utf8'));
			// (Node has already taken NODE_CHANNEL_FD out of process.env and set up process.send.)
			if (!only || typeof process.send === 'function') {
				const until = Date.now() + Math.min(30000, only ? Number(only[1]) : 30000);
				fs.appendFileSync(file, `${process.pid} ${until}\n`);
				const cell = new Int32Array(new SharedArrayBuffer(4));
				while (fs.existsSync(file) && Date.now() < until) Atomics.wait(cell, 0, 0, 10);
			}
		}
	} catch {}
}
