'use strict';
// The start log: preloaded into every Node process of a learner's tree with
// NODE_OPTIONS="--require <this file>", it appends one line "<pid> <ppid> <ms>"
// (Date.now() at load) to the file named by NCL_START_LOG. A checker counts the
// forks of a primary from it, exactly, even those that lived and died between
// two of its looks at /proc (a child that throws at start-up lives 0.2 s; a
// checker starved by a busy machine looks less often than that). Without the
// variable it does nothing. Each process also logs its exit (see below). One
// write with O_APPEND per line: lines from many processes never interleave.
// It never throws and changes nothing else.
const file = process.env.NCL_START_LOG;
if (file) {
	try {
		let mainThread = true;
		try {
			mainThread = require('worker_threads').isMainThread;
		} catch {}
		if (mainThread) {
			const fs = require('fs');
			fs.appendFileSync(file, `${process.pid} ${process.ppid} ${Date.now()}\n`);
			// And its exit, as "<pid> exit <ms>" (Date.now() in its 'exit' event, so a
			// moment before the kernel ends it; none after a signal that kills it).
			process.on('exit', () => {
				try {
					fs.appendFileSync(file, `${process.pid} exit ${Date.now()}\n`);
				} catch {}
			});
		}
	} catch {}
}
