/**
The checkers' static hints in zh-CN, keyed by the exact English text the
checker writes (`hint: '…'` in cli/checks/*.ts). A hint not in the table is
shown in English, as are failure messages, expected/actual values and notes
(the checkers build those from what they saw). test/i18n/hints.test.ts fails
when a key no longer appears in the checkers' code, so an edited English hint
drops its stale translation instead of showing it.
So far: labs 01-ipc and 03-shared-handle, common.ts and the runner.
*/
export const hintsZhCN: Readonly<Record<string, string>> = {
	// 01-ipc
	'Does the primary answer once the child replies? Does the child reply at all?': '子进程回复之后，主进程应答了吗？子进程到底有没有回复？',
	'Use fork() from node:child_process: it starts a new Node process and opens the IPC channel that send() and on("message") use. (worker_threads are threads inside your one process: they do not count.)':
		'使用 node:child_process 的 fork()：它会启动一个新的 Node 进程，并打开 send() 和 on("message") 所用的 IPC 通道。（worker_threads 是你这一个进程里的线程：不算数。）',
	'Replies come back out of order when children take different times. Match each reply to its request by the request id it carries, not by the order requests came in.':
		'子进程耗时不同，回复就会乱序。按回复所带的请求 id 把它对应到请求，而不是按请求到达的顺序。',
	'Keep one pending entry per request, keyed by its own id, and answer it when that id comes back.': '每个请求保存一个待处理条目，以它自己的 id 为键，等这个 id 回来时再应答它。',
	'Replies come back out of order when children take different times. Give each request an id, send it with the work, and look the request up by the id in the reply, not by order.':
		'子进程耗时不同，回复就会乱序。给每个请求一个 id，随工作一起发出，再用回复里的 id 找回请求，而不是按顺序。',
	'Match each reply to its request by the request id it carries, not by order.': '按回复所带的请求 id 把它对应到请求，而不是按顺序。',
	"Put the child's process.pid (sent back in its reply) in x-worker-pid.": '把子进程的 process.pid（随回复一起发回）放进 x-worker-pid。',
	'Pick the child for each request in turn (round-robin) from the whole list of children.': '从完整的子进程列表中轮流（round-robin）为每个请求挑选子进程。',
	'The child must do the work (wait `delay`, then burn `spin` ms) and reply over IPC; the primary must not compute the answer itself.':
		'工作必须由子进程来做（等待 `delay`，再占用 CPU `spin` ms），并通过 IPC 回复；主进程不能自己算出应答。',
	'Listen for the child\'s "exit" event; answer 503 to every request still pending on that child, then fork a replacement.': '监听子进程的 "exit" 事件；对该子进程上仍在等待的每个请求回 503，然后 fork 一个替补。',
	'Answer them from the child\'s "exit" event rather than a timeout.': '在子进程的 "exit" 事件里应答它们，而不是靠超时。',
	'Dispatch each request to a child in turn, and answer 503 when that child dies.': '把每个请求轮流分给一个子进程，该子进程死亡时回 503。',
	'Fork a new child in the "exit" handler (unless the primary is shutting down).': '在 "exit" 处理函数里 fork 一个新的子进程（除非主进程正在关闭）。',
	'Put the new child into the list your dispatcher picks from.': '把新的子进程放进分发器挑选的列表里。',
	'In the dead child\'s "exit" handler, take it off the list your dispatcher picks from (and skip children whose .connected is false); the replacement goes on that list.':
		'在已死子进程的 "exit" 处理函数里，把它从分发器挑选的列表中移除（并跳过 .connected 为 false 的子进程）；替补进程加入这个列表。',
	'Fork the children before you listen, and send them work at once: a message sent to a child that is still loading waits for its "message" listener. Do not answer 503 because no child has said it is ready yet.':
		'先 fork 子进程再 listen，并立即把工作发给它们：发给仍在加载的子进程的消息会等到它的 "message" 监听器。不要因为还没有子进程说自己就绪就回 503。',
	'Dispatch over the whole list of children, however many WORKERS asked for.': '在完整的子进程列表上分发，无论 WORKERS 要求多少个。',
	'In worker.ts: process.on("disconnect", () => process.exit(0)). A child does not die with its parent; a timer, a server or a pool keeps it running as an orphan.':
		'在 worker.ts 里：process.on("disconnect", () => process.exit(0))。子进程不会随父进程一起死；一个定时器、server 或连接池会让它作为孤儿进程继续运行。',
	// 03-shared-handle
	'Something accepts connections but never answers. Does each child receive the server and call listen() on it? A server sent before listen() has finished arrives without a handle, and one sent before the child has a "message" listener starts accepting with nobody to answer.':
		'有进程在接受连接，却从不应答。每个子进程都收到了 server 并对它调用 listen() 吗？在 listen() 完成之前发出的 server 到达时不带 handle；在子进程有 "message" 监听器之前发出的 server 会开始 accept，却没有人应答。',
	'fork() worker.ts WORKERS times from main.ts, and send each child the listening server: child.send("server", server).': '在 main.ts 里 fork() worker.ts，共 WORKERS 次，并把监听中的 server 发给每个子进程：child.send("server", server)。',
	'Did every holder of the socket close it? The children must keep the server they were sent.': '是不是每个持有这个 socket 的进程都把它关掉了？子进程必须保留发给它们的 server。',
	'Each process opened its own socket (reusePort, or listen() in every child). In this lab the primary listens once and sends that server to each child with child.send("server", server); the children listen on what they receive.':
		'每个进程都打开了自己的 socket（reusePort，或者每个子进程各自 listen()）。在本 lab 中，主进程只 listen 一次，再用 child.send("server", server) 把这个 server 发给每个子进程；子进程在收到的 server 上 listen。',
	'Every process that holds the listening socket must accept on it with a working HTTP server: a net.Server with no handler accepts connections and never answers them.':
		'每个持有监听 socket 的进程都必须用一个能工作的 HTTP server 在上面 accept：没有处理函数的 net.Server 会接受连接，却从不应答。',
	'Every child must call listen() on the handle it receives, as soon as it receives it. A child that only holds the socket never accepts from it.': '每个子进程一收到 handle 就必须对它调用 listen()。只持有 socket 的子进程永远不会从中 accept。',
	'Do not send "connection: close" or destroy the socket after answering: the checker looks each connection up in /proc after its answer.': '应答之后不要发送 "connection: close"，也不要销毁 socket：检查器会在应答之后到 /proc 里查找每个连接。',
	'Each child answers with its own process.pid. Do not write a pid you were told about, computed, or relayed from another process.': '每个子进程用自己的 process.pid 应答。不要写别人告诉你的、算出来的或从另一个进程转来的 pid。',
	"A connection that no code reads is never closed. Did a server accept connections before your code was ready for them? The server a child receives is already listening: if it arrives before the child's 'message' listener exists (the child is still loading), it accepts with no handler. Have each child ask for the socket ('ready') once its listener is in place. Sockets you take over yourself must be ended too.":
		"没有代码读取的连接永远不会关闭。是不是 server 在你的代码准备好之前就接受了连接？子进程收到的 server 已经在监听：如果它在子进程的 'message' 监听器出现之前就到达（子进程还在加载），它就会在没有处理函数的情况下 accept。让每个子进程在监听器就位后再请求 socket（'ready'）。你自己接管的 socket 也必须结束掉。",
	'In child.on("exit"), log the death and carry on: the other children still hold the socket. Do not exit the primary, and give every child an "error" listener.': '在 child.on("exit") 里记录这次死亡然后继续：其他子进程仍持有这个 socket。不要让主进程退出，并给每个子进程加一个 "error" 监听器。',
	'The other children share the same socket and need nothing from the dead one. Do not stop or kill the others when one dies.': '其他子进程共享同一个 socket，不需要死掉的那个提供任何东西。一个死了，不要停掉或杀掉其他的。',
	'Every process that holds the listening socket must answer what it accepts.': '每个持有监听 socket 的进程都必须应答它所接受的连接。',
	'In worker.ts: process.on("disconnect", () => process.exit(0)). A child holding a listening socket does not die with its parent: it keeps serving on PORT as an orphan.': '在 worker.ts 里：process.on("disconnect", () => process.exit(0))。持有监听 socket 的子进程不会随父进程一起死：它会作为孤儿进程继续在 PORT 上服务。',
	// common.ts
	'A syntax error or an exception at start-up shows in the last lines your program printed, below.': '启动时的语法错误或异常会出现在下面你的程序最后输出的几行里。',
	'This is not a verdict on your code: a TypeScript start needs about 1 s of CPU for the primary and its workers together. Run the check again when the machine is quieter.':
		'这不是对你代码的判定：启动 TypeScript 时，主进程和工作进程合计需要约 1 s 的 CPU。等机器空闲一些再运行检查。',
	'Nothing is wrong with the address: start-up was slow. On a busy machine every process that loads TypeScript (the primary and each child) takes seconds; run the check again when the machine is quieter, or listen sooner.':
		'地址没有问题：只是启动慢。在繁忙的机器上，每个加载 TypeScript 的进程（主进程和每个子进程）都要花几秒；等机器空闲一些再运行检查，或者更早开始 listen。',
	// runner.ts
	'Something in your program is not answering. Its last printed lines are below.': '你的程序里有东西没有响应。下面是它最后输出的几行。',
};
