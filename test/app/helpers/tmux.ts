/**
A real terminal for end-to-end tests: one tmux server per session, on a socket
of its own (-L), so a test never touches anyone's tmux; remain-on-exit keeps the
pane after the program exits, to read its last screen and exit status.
*/
import {randomBytes} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {runProgramSync} from '../../../cli/harness/run-program.js';

export type TmuxOptions = {width: number; height: number; cwd: string};

export class TmuxSession {
	readonly socket = `ncl-e2e-${randomBytes(6).toString('hex')}`;
	private readonly confDir = mkdtempSync(path.join(os.tmpdir(), 'ncl-tmux-'));

	constructor(command: string, {width, height, cwd}: TmuxOptions) {
		const conf = path.join(this.confDir, 'tmux.conf');
		// Set before the program starts: a program that exits at once must still leave its pane.
		writeFileSync(conf, 'set -g remain-on-exit on\nset -g status off\n');
		this.tmux('-f', conf, 'new-session', '-d', '-s', 'e2e', '-x', String(width), '-y', String(height), '-c', cwd, command);
	}

	sendKeys(...keys: string[]): void {
		this.tmux('send-keys', '-t', 'e2e', ...keys);
	}

	/** The visible screen as plain text, one line per row. */
	capture(): string {
		return this.tmux('capture-pane', '-p', '-t', 'e2e');
	}

	/** The scrollback and the screen: what a program printed after leaving the alternate screen may have scrolled up. */
	captureAll(): string {
		return this.tmux('capture-pane', '-p', '-S', '-', '-t', 'e2e');
	}

	/**
	Bounded polling until the screen shows `what` and has settled: the same screen twice, 100 ms
	apart. Ink writes a frame in one write, but a frame larger than the pty's buffer reaches tmux in
	pieces, and a capture between two pieces shows the new frame's top over the old frame's bottom
	(on a busy machine the failure line was seen above the footer of the run before it). Every screen
	waited for here is a still one, with no spinner.
	*/
	async waitFor(what: string | RegExp, timeoutMs = 15_000): Promise<string> {
		const deadline = Date.now() + timeoutMs;
		const shows = (screen: string) => (typeof what === 'string' ? screen.includes(what) : what.test(screen));
		let matched: string | undefined;
		for (;;) {
			const screen = this.capture();
			if (shows(screen) && screen === matched) return screen;
			matched = shows(screen) ? screen : undefined;
			if (Date.now() > deadline) {
				const why = matched === undefined ? `no ${String(what)} on screen` : `the screen showing ${String(what)} did not settle`;
				throw new Error(`${why} within ${timeoutMs} ms; the screen:\n${screen}`);
			}
			await delay(matched === undefined ? 50 : 100);
		}
	}

	/**
	Bounded polling until the program has put its terminal in raw mode, the
	handshake before the first key. Ink switches to raw mode in an effect that
	runs after its first frame is on screen; a key sent in between meets the
	terminal in cooked mode (Enter arrives as a line feed) and can be lost.
	*/
	async waitForRawMode(timeoutMs = 15_000): Promise<void> {
		const tty = this.tmux('display-message', '-p', '-t', 'e2e', '#{pane_tty}').trim();
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			if (/(^|\s)-icanon(\s|$)/.test(runProgramSync('stty', ['-a', '-F', tty]).stdout)) return;
			if (Date.now() > deadline) throw new Error(`the terminal ${tty} was not in raw mode within ${timeoutMs} ms; the screen:\n${this.capture()}`);
			await delay(20);
		}
	}

	/**
	Bounded polling until the program in the pane has exited; its exit status.
	tmux marks the pane dead when the pty closes, but here (tmux 3.3a) it
	sometimes never reaps the exited child, so #{pane_dead_status} stays empty:
	then the status comes from the zombie itself (/proc/<pid>/stat, exit_code).
	*/
	async waitForExit(timeoutMs = 10_000): Promise<number> {
		const deadline = Date.now() + timeoutMs;
		const pid = this.tmux('display-message', '-p', '-t', 'e2e', '#{pane_pid}').trim();
		for (;;) {
			const [dead, status] = this.tmux('display-message', '-p', '-t', 'e2e', '#{pane_dead} #{pane_dead_status}').trim().split(' ');
			if (dead === '1' && status) return Number(status);
			if (dead === '1') {
				const zombie = zombieExitStatus(pid);
				if (zombie !== undefined) return zombie;
			}
			if (Date.now() > deadline) throw new Error(`the program did not exit within ${timeoutMs} ms (${this.paneProcess()}); the screen:\n${this.capture()}`);
			await delay(50);
		}
	}

	/** The pane's process as /proc sees it, for failure messages. */
	private paneProcess(): string {
		const pid = this.tmux('display-message', '-p', '-t', 'e2e', '#{pane_pid}').trim();
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
			const wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8');
			return `pane pid ${pid}, state ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]}, waiting in ${wchan || '-'}`;
		} catch {
			return `pane pid ${pid} is gone`;
		}
	}

	/** The tmux server's own pid (its command line names the pane's folder). */
	serverPid(): number {
		return Number(this.tmux('display-message', '-p', '#{pid}').trim());
	}

	kill(): void {
		try {
			runProgramSync('tmux', ['-L', this.socket, 'kill-server']);
		} catch {
			// Already gone.
		}
		// kill-server leaves the socket file behind.
		rmSync(path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid!()}`, this.socket), {force: true});
		rmSync(this.confDir, {recursive: true, force: true});
	}

	/** tmux's stdout; a missing tmux or a failing command throws one sentence naming the command and what tmux said. */
	private tmux(...args: string[]): string {
		// Not nested in whatever tmux the tests themselves may run in.
		const {TMUX: _outer, ...env} = process.env;
		// -u: UTF-8 whatever the locale says (the zh-CN screens are checked column by column).
		return runProgramSync('tmux', ['-L', this.socket, '-u', ...args], {env, extendEnv: false, stripFinalNewline: false}).stdout;
	}
}

/** Single-quote a word for the shell tmux runs the command with. */
export function shellQuote(word: string): string {
	return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The exit status of a process that has exited but not been reaped (undefined while it runs, or once it is gone). */
function zombieExitStatus(pid: string): number | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		if (fields[0] !== 'Z') return undefined;
		// Field 52 of stat (the 50th after pid and comm): the status as waitpid(2) reports it.
		const raw = Number(fields[49]);
		return raw & 0x7f ? 128 + (raw & 0x7f) : raw >> 8;
	} catch {
		return undefined;
	}
}
