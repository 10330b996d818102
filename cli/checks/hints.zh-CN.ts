/**
The checkers' static hints in zh-CN, keyed by the exact English text the
checker writes (`hint: '…'` in cli/checks/*.ts). A hint not in the table is
shown in English, as are failure messages, expected/actual values and notes
(the checkers build those from what they saw). test/i18n/hints.test.ts fails
when a key no longer appears in the checkers' code, so an edited English hint
drops its stale translation instead of showing it.
So far: every lab, 01-ipc to 10-nginx (08-core-tests has no hints), honest-pids.ts,
common.ts and the runner. Hints built at run time (template literals with
placeholders, a choice between two texts, text on the line after `hint:`)
stay English: test/i18n/hints.test.ts only sees `hint: '…'` on one line.
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
	'A connection that no code reads is never closed. Is a second server accepting on the socket with no handler, or are there sockets you take over yourself (a "connection" listener, a socket received over IPC)? End and destroy every one you take.':
		'没有代码读取的连接永远不会关闭。是不是有第二个没有处理函数的 server 在这个 socket 上 accept，或者有你自己接管的 socket（"connection" 监听器、通过 IPC 收到的 socket）？你接管的每一个都要 end 并 destroy。',
	"The server a child receives is already listening: if it arrives before the child's 'message' listener exists (an await during start-up is enough), it accepts connections with nobody to answer them. Have each child add its listener and then process.send('ready'); fork every child, count their 'ready' messages, and only then listen and send.":
		"子进程收到的 server 已经在监听：如果它在子进程的 'message' 监听器出现之前到达（启动时的一个 await 就够了），它就会接受没人应答的连接。让每个子进程先加上监听器，再 process.send('ready')；主进程 fork 出所有子进程，数齐它们的 'ready' 消息，然后才 listen 并发送。",
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
	// 02-proxy
	'The checker counts connections with the GET /stats route of backend.ts: start the backends from that file, as it is.': '检查器用 backend.ts 的 GET /stats 路由统计连接数：请直接用这个文件启动后端，不要改动它。',
	"Fork one backend.ts per backend, with its port as argument: fork(BACKEND_FILE, [String(PORT + 1 + i)]). Read WORKERS from process.env (a string: Number() it); don't start the backends' servers in main.ts.":
		'每个后端 fork 一个 backend.ts，把它的端口作为参数：fork(BACKEND_FILE, [String(PORT + 1 + i)])。从 process.env 读取 WORKERS（是字符串：用 Number() 转换）；不要在 main.ts 里启动后端的 server。',
	'Fork one child per backend; one child must not open several ports.': '每个后端 fork 一个子进程；一个子进程不能打开多个端口。',
	"The proxy (main.ts) listens on PORT; the backends listen on their own ports only. Do not share the proxy's server with them (no cluster, no send(server)).":
		'代理（main.ts）在 PORT 上 listen；后端只在各自的端口上 listen。不要把代理的 server 共享给它们（不用 cluster，也不用 send(server)）。',
	"In main.ts, on the child's 'exit' event (unless you are shutting down), fork backend.ts again with the same port.": "在 main.ts 里，在子进程的 'exit' 事件中（除非正在关闭），用同一个端口再 fork 一次 backend.ts。",
	"Copy the end-to-end headers (Host included), then set x-forwarded-for to the client's list plus req.socket.remoteAddress (', ' between), x-forwarded-proto to 'http', x-forwarded-host to req.headers.host. Pass req.url on as the path.":
		"复制端到端的请求头（包括 Host），然后把 x-forwarded-for 设为客户端带来的列表加上 req.socket.remoteAddress（以 ', ' 分隔），x-forwarded-proto 设为 'http'，x-forwarded-host 设为 req.headers.host。路径沿用 req.url。",
	"Before forwarding, drop Connection, Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade, every Proxy-* header, and every header that the Connection header names (split its value at commas). Node's http.request then writes its own Connection header for its own connection.":
		'转发之前，去掉 Connection、Keep-Alive、Transfer-Encoding、TE、Trailer、Upgrade、所有 Proxy-* 请求头，以及 Connection 头里点名的每个头（按逗号拆分它的值）。之后 Node 的 http.request 会为它自己的连接写上自己的 Connection 头。',
	"The answer's headers need the same filter as the request's before res.writeHead(status, headers): GET /headers of backend.ts answers with Connection: keep-alive, x-backend-hop.":
		'响应头在 res.writeHead(status, headers) 之前也要做和请求头一样的过滤：backend.ts 的 GET /headers 应答时带有 Connection: keep-alive 和 x-backend-hop。',
	'Hash req.socket.remoteAddress only (not the port, not a counter), modulo the number of backends. While that backend is down, take the next one after it, and go back once it is up again.':
		'只对 req.socket.remoteAddress 做哈希（不含端口，也不用计数器），再对后端数量取模。那个后端挂掉期间，改用它后面的下一个；它恢复后再切回去。',
	'Forward each request as soon as its headers are in, and pipe its body on as it comes.': '每个请求的头一到就立即转发，请求体来多少就 pipe 多少。',
	"res.on('close', () => { if (!res.writableFinished) upstream.destroy(); }): 'close' without a finished answer means the client left.":
		"res.on('close', () => { if (!res.writableFinished) upstream.destroy(); })：响应还没写完就触发 'close'，说明客户端已经走了。",
	'Is every backend reachable on its port? Is the request passed on and the answer piped back?': '每个后端在自己的端口上都能连通吗？请求有没有转发过去，响应有没有 pipe 回来？',
	"Pass the backend's answer on with its headers (x-worker-pid among them); the proxy itself writes no answer of its own to a request a backend could serve.":
		'把后端的响应连同响应头（包括 x-worker-pid）原样传回；对于后端能处理的请求，代理自己不写任何响应。',
	'Keep one counter in the proxy and take backends[counter++ % backends.length]. (Beware `turn = turn++ % n`: it assigns the old value back.)':
		'在代理里维护一个计数器，取 backends[counter++ % backends.length]。（小心 `turn = turn++ % n`：它会把旧值赋回去。）',
	'When your timer fires, upstream.destroy(): answering the client is not enough.': '你的定时器触发时，要 upstream.destroy()：光应答客户端是不够的。',
	"Listen for 'error' on the upstream request (without a listener, an error kills the process), and answer 502 there.": "在上游请求上监听 'error'（没有监听器时，一个错误就会让进程崩溃），并在那里回 502。",
	'One reset connection says nothing about the backend: keep sending it requests.': '一次连接被重置说明不了后端有问题：继续给它发请求。',
	'req.pipe(upstream): the request body is bytes; never setEncoding() or turn chunks into strings.': 'req.pipe(upstream)：请求体是字节；永远不要 setEncoding()，也不要把 chunk 转成字符串。',
	'answer.pipe(res): the body is bytes; never setEncoding() or string concatenation.': 'answer.pipe(res)：响应体是字节；永远不要 setEncoding()，也不要拼接字符串。',
	"req.pipe(upstream) right away: each chunk goes on as it comes. Collecting chunks until 'end' makes every upload wait for its last byte and holds it all in memory.":
		"立即 req.pipe(upstream)：每个 chunk 一到就转出去。攒到 'end' 再发，会让每次上传都等到最后一个字节，并把全部内容留在内存里。",
	"answer.pipe(res) as soon as the answer's headers are in. Collecting chunks until 'end' delays every answer to its last byte and holds it all in memory.":
		"响应头一到就 answer.pipe(res)。攒到 'end' 再发，会让每个响应都拖到最后一个字节，并把全部内容留在内存里。",
	'Every backend, the new one included, must get its turn again.': '每个后端（包括新加入的）都必须重新轮到。',
	'Hash every character of the address (FNV-1a, say), then take it modulo the number of backends.': '对地址的每个字符做哈希（比如 FNV-1a），再对后端数量取模。',
	// 04-dispatch
	'Read the count from process.env.WORKERS (a string: convert it with Number()) instead of hard-coding it.': '从 process.env.WORKERS 读取数量（是字符串：用 Number() 转换），不要写死。',
	'Every connection goes to a child, whatever the STRATEGY; the primary never answers one itself, and the child writes its own process.pid.':
		'无论 STRATEGY 是什么，每个连接都交给子进程；主进程自己从不应答，由子进程写上它自己的 process.pid。',
	'Create the server with pauseOnConnect: true, hand each connection to a child, and answer from the child.': '创建 server 时设置 pauseOnConnect: true，把每个连接交给一个子进程，由子进程应答。',
	'Create the server with net.createServer({pauseOnConnect: true}), one server for every STRATEGY. Without it, the primary starts reading as soon as it accepts; whatever it reads before send() finishes is dropped, and the child waits for a request that never comes.':
		'用 net.createServer({pauseOnConnect: true}) 创建 server，所有 STRATEGY 共用这一个 server。没有这个选项，主进程一 accept 就开始读取；在 send() 完成之前读到的数据都会丢掉，子进程就会一直等一个永远不会来的请求。',
	"With child.send('socket', socket, {keepOpen: true}) both processes hold the socket, and the primary's copy stays open until it closes it itself. Leave keepOpen out on every path of your pick (Node then closes the primary's copy once the child has it), or call socket.destroy() in the send() callback.":
		"用 child.send('socket', socket, {keepOpen: true}) 时，两个进程都持有这个 socket，主进程的副本会一直开着，直到它自己关闭。在你挑选子进程的每条路径上都不要带 keepOpen（这样子进程拿到 socket 后 Node 会关闭主进程的副本），或者在 send() 的回调里调用 socket.destroy()。",
	"A connection the client reset before your primary accepted it has no address any more: socket.remoteAddress is undefined. Check it before you use it, on every STRATEGY's path, and drop such a socket with socket.destroy(). The error your program printed is below.":
		'客户端在主进程 accept 之前就重置了的连接不再有地址：socket.remoteAddress 是 undefined。在每个 STRATEGY 的路径上使用它之前先检查，并用 socket.destroy() 丢弃这样的 socket。你的程序输出的错误在下面。',
	"In the child, check the socket before using it (process.on('message', (msg, socket) => { if (!socket) return; ... })): it may arrive undefined, and a reset one has no remoteAddress. Never let an error on one socket throw.":
		"在子进程里，使用 socket 之前先检查它（process.on('message', (msg, socket) => { if (!socket) return; ... })）：它可能以 undefined 到达，被重置的 socket 也没有 remoteAddress。绝不能让一个 socket 上的错误抛出来。",
	'A reset connection is one socket to drop (socket.destroy()), not a child to give up on: keep every child in its place.': '被重置的连接只是要丢弃的一个 socket（socket.destroy()），不是要放弃的子进程：让每个子进程都留在原位。',
	"A socket sent to a child that is still loading waits in the IPC channel until the child reads it: send it anyway. If you wait for a 'ready' message, queue the sockets that come meanwhile and send them once a child is ready, instead of destroying them; or listen only once the children are ready.":
		"发给仍在加载的子进程的 socket 会在 IPC 通道里等到子进程读取它：照发不误。如果你要等 'ready' 消息，就把这期间到来的 socket 排进队列，等有子进程就绪再发出去，而不是销毁它们；或者等子进程都就绪后再 listen。",
	"In the child, give the socket to an http.Server that never listens: server.emit('connection', socket). It parses the request and writes a proper response; socket.end('text') does neither.":
		"在子进程里，把 socket 交给一个从不 listen 的 http.Server：server.emit('connection', socket)。它会解析请求并写出规范的响应；socket.end('text') 两样都做不到。",
	'fork() worker.ts WORKERS times. Sockets can only be handed to a process at the other end of an IPC channel.': 'fork() worker.ts，共 WORKERS 次。socket 只能交给位于 IPC 通道另一端的进程。',
	"Don't send the server (or its handle) to the children, and don't let them listen: the primary accepts every connection and sends each socket with child.send('socket', socket).":
		"不要把 server（或它的 handle）发给子进程，也不要让它们 listen：由主进程 accept 每个连接，并用 child.send('socket', socket) 发送每个 socket。",
	'Listen once, in the primary: net.createServer({pauseOnConnect: true}, ...).listen(PORT, HOST).': '只在主进程里 listen 一次：net.createServer({pauseOnConnect: true}, ...).listen(PORT, HOST)。',
	'Keep one counter in the primary and take children[counter++ % children.length]. (Beware `turn = turn++ % n`: it assigns the old value back, so turn never moves.)':
		'在主进程里维护一个计数器，取 children[counter++ % children.length]。（小心 `turn = turn++ % n`：它会把旧值赋回去，turn 永远不动。）',
	"Collect every 'data' chunk of the request and answer on 'end'.": "收集请求的每个 'data' chunk，在 'end' 时应答。",
	'A reset connection is one socket to drop (socket.destroy()), not a child to give up on: keep every child in the rotation.': '被重置的连接只是要丢弃的一个 socket（socket.destroy()），不是要放弃的子进程：让每个子进程都留在轮转里。',
	'Hash socket.remoteAddress only. The remote port changes with every connection, so anything that includes it (or a counter, or Math.random) moves the client around. And a reset connection is one socket to drop, not a reason to change the table.':
		'只对 socket.remoteAddress 做哈希。远端端口每个连接都会变，所以任何包含它的东西（或者计数器、Math.random）都会让客户端换来换去。被重置的连接也只是要丢弃的一个 socket，不是修改分配表的理由。',
	'Use every part of the address in the hash (e.g. FNV-1a over the string, or the sum of all four numbers), then take it modulo the number of children.':
		'哈希要用到地址的每一部分（例如对整个字符串做 FNV-1a，或者把四个数字全部相加），再对子进程数量取模。',
	"First thing in worker.ts, when process.getuid() === 0: process.setgroups([]), process.setgid('nogroup') (or 'nobody'), then process.setuid('nobody'). In that order: once the uid is no longer 0, setgid() is refused.":
		"在 worker.ts 的最开头，当 process.getuid() === 0 时：process.setgroups([])、process.setgid('nogroup')（或 'nobody'），然后 process.setuid('nobody')。顺序不能变：uid 一旦不再是 0，setgid() 就会被拒绝。",
	"setuid() changes only the user, setgid() only the primary group. Call process.setgroups([]) first, then process.setgid('nogroup'), then process.setuid('nobody').":
		"setuid() 只改变用户，setgid() 只改变主组。先调用 process.setgroups([])，再 process.setgid('nogroup')，然后 process.setuid('nobody')。",
	// 05-auto-restart
	'Read the count from process.env.WORKERS. After each crash or kill the primary should be back to WORKERS children once the old one has exited.':
		'从 process.env.WORKERS 读取数量。每次崩溃或被杀之后，旧的子进程一退出，主进程就应该回到 WORKERS 个子进程。',
	"Every child serves GET / on the socket the primary sent it, and keeps connections alive between requests (Node's default).": '每个子进程都在主进程发给它的 socket 上提供 GET /，并在请求之间保持连接（Node 的默认行为）。',
	'Do not answer with "connection: close" or shorten keepAliveTimeout while the child is healthy.': '子进程健康时，不要用 "connection: close" 应答，也不要缩短 keepAliveTimeout。',
	'Do not block the event loop in /slow: answer from a setTimeout callback.': '不要在 /slow 里阻塞事件循环：在 setTimeout 回调里应答。',
	"Keep connections alive between requests (Node's default); do not block the event loop.": '在请求之间保持连接（Node 的默认行为）；不要阻塞事件循环。',
	'Run the checker again on a less loaded machine.': '在负载低一些的机器上重新运行检查器。',
	'After an uncaught exception the child must exit: when its connections are closed, and at the latest DRAIN_MS after the crash (setTimeout(() => process.exit(1), DRAIN_MS).unref()).':
		'发生未捕获的异常后，子进程必须退出：在它的连接都关闭时退出，最迟在崩溃后 DRAIN_MS 退出（setTimeout(() => process.exit(1), DRAIN_MS).unref()）。',
	'Send the listening handle to every child you fork, replacements included (from the crash message and from "exit" alike), and have each child call server.listen(handle).':
		'把监听 handle 发给你 fork 的每个子进程，包括替补（无论是从崩溃消息还是从 "exit" 里 fork 的），并让每个子进程调用 server.listen(handle)。',
	'The primary keeps the listening handle for its whole life and sends it to every child it forks; every child serves GET /.': '主进程在整个生命周期里都保留监听 handle，并把它发给自己 fork 的每个子进程；每个子进程都提供 GET /。',
	'Every child, the first ones too, listens on the socket the primary sends it.': '每个子进程（包括最初的那几个）都在主进程发给它的 socket 上 listen。',
	'A child runs until it crashes or the primary stops it.': '子进程一直运行，直到它崩溃或被主进程停止。',
	'The machine held the checker up; run it again on a less loaded machine.': '机器拖慢了检查器；请在负载低一些的机器上再运行一次。',
	'Giving up on a slot is not a reason to exit: the other children still serve.': '放弃一个槽位不是退出的理由：其他子进程仍在服务。',
	'The machine is too busy for this step; run the checker again on a less loaded machine.': '机器太忙，做不了这一步；请在负载低一些的机器上重新运行检查器。',
	'Count, per slot, the children that died less than MIN_UPTIME_MS after their fork (a longer life starts the count again at 0); once more than MAX_RESTARTS of them died in a row, stop refilling that slot and print why. Read both from the environment.':
		'按槽位统计 fork 之后不到 MIN_UPTIME_MS 就死掉的子进程（活得更久的会让计数从 0 重新开始）；一旦连续死掉的超过 MAX_RESTARTS 个，就不再补充这个槽位，并输出原因。两者都从环境变量读取。',
	'A crash loop in one slot must not touch the healthy children.': '一个槽位里的崩溃循环不能影响健康的子进程。',
	'The primary keeps its socket and its healthy children; only the broken slot stays empty.': '主进程保留它的 socket 和健康的子进程；只有出问题的槽位保持空缺。',
	'Count, per slot, the children that died less than MIN_UPTIME_MS after their fork; once more than MAX_RESTARTS of them died in a row, stop refilling that slot. A restart delay does not replace a limit.':
		'按槽位统计 fork 之后不到 MIN_UPTIME_MS 就死掉的子进程；一旦连续死掉的超过 MAX_RESTARTS 个，就不再补充这个槽位。重启延迟代替不了次数上限。',
	'On an uncaught exception, do not exit at once: server.close() stops new connections, and its callback runs when the requests in flight are done. Exit there (or at the DRAIN_MS deadline).':
		'发生未捕获的异常时，不要立即退出：server.close() 会停止接受新连接，它的回调会在处理中的请求都完成后运行。在那里退出（或者在 DRAIN_MS 截止时退出）。',
	'Each child puts its own process.pid in x-worker-pid.': '每个子进程把自己的 process.pid 放进 x-worker-pid。',
	'server.close() does not close a busy keep-alive connection: after its answer it stays open, idle, until the keep-alive timeout, and the drain waits for it (or for the deadline). When the crash happens, set "connection: close" on every answer not sent yet (res.setHeader before it is written), and on requests that still arrive.':
		'server.close() 不会关闭繁忙的 keep-alive 连接：应答之后它仍然开着、处于空闲，直到 keep-alive 超时，而排空会一直等它（或者等到截止时间）。崩溃发生时，在每个尚未发出的应答上设置 "connection: close"（在写出之前 res.setHeader），之后仍然到达的请求也一样。',
	'In the uncaughtException handler, call server.close() at once: it stops accepting, and its callback runs once the connections you have are done. A broken process must not take new work.':
		'在 uncaughtException 处理函数里立即调用 server.close()：它会停止 accept，并在现有连接都完成后运行回调。出了问题的进程不能再接新活。',
	'Each child serves HTTP on the socket the primary sent it: server.listen(handle).': '每个子进程都在主进程发给它的 socket 上提供 HTTP 服务：server.listen(handle)。',
	'Read the count from process.env.WORKERS and fork that many children of worker.ts.': '从 process.env.WORKERS 读取数量，并 fork 这么多个 worker.ts 子进程。',
	'Do not call listen() on the handle (or on a server) in the primary. Keep the bound handle and send it; only the children listen on it.':
		'不要在主进程里对 handle（或某个 server）调用 listen()。保留已绑定的 handle 并把它发出去；只有子进程在上面 listen。',
	'Every child serves GET / on the socket the primary sent it.': '每个子进程都在主进程发给它的 socket 上提供 GET /。',
	'The primary only holds the socket and sends it to the children; the children serve every request.': '主进程只持有 socket 并把它发给子进程；所有请求都由子进程处理。',
	'net._createServerHandle() returns a handle even when the port is taken: libuv keeps the bind error in it. Check handle.getsockname({}) in the primary (0, or a negative errno such as -98, EADDRINUSE), close the handle and exit before sending it to a child. A child that listens on that handle gets a random port on every interface (0.0.0.0).':
		'即使端口已被占用，net._createServerHandle() 也会返回一个 handle：libuv 把绑定错误保存在里面。在主进程里检查 handle.getsockname({})（结果是 0，或者负的 errno，比如 -98，即 EADDRINUSE），在发给子进程之前关闭 handle 并退出。在这个 handle 上 listen 的子进程每次都会得到所有网卡（0.0.0.0）上的一个随机端口。',
	'Check the bind in the primary (a negative number from _createServerHandle, or a non-zero handle.getsockname({})), print why, and process.exit(1).':
		'在主进程里检查绑定结果（_createServerHandle 返回负数，或 handle.getsockname({}) 返回非零），输出原因，然后 process.exit(1)。',
	'The crash must stay inside the child. Does the primary handle the child\'s messages and "error" events without throwing?': '崩溃必须限制在子进程内部。主进程处理子进程的消息和 "error" 事件时会不会抛出异常？',
	'Throw from a callback (setImmediate) in /crash, catch it with process.on("uncaughtException"), then close the server and exit. Do not keep running after an uncaught exception.':
		'在 /crash 里从一个回调（setImmediate）中抛出异常，用 process.on("uncaughtException") 捕获它，然后关闭 server 并退出。发生未捕获的异常后不要继续运行。',
	'On a crash message, fork one replacement for that child only. Its siblings are healthy and keep serving.': '收到崩溃消息时，只为那个子进程 fork 一个替补。它的兄弟进程都是健康的，会继续服务。',
	'Fork a replacement when the child reports its crash (a message), and when a child exits without one.': '子进程报告崩溃（一条消息）时 fork 一个替补，子进程没报告就退出时也要 fork。',
	'Fork the replacement as soon as the child reports its crash, without a restart delay.': '子进程一报告崩溃就立即 fork 替补，不要加重启延迟。',
	'Fork the replacement once: on the crash message, and remember that you did, so that the old child\'s "exit" later does not fork another.':
		'替补只 fork 一次：在收到崩溃消息时 fork，并记住已经 fork 过，这样旧子进程稍后的 "exit" 就不会再 fork 一个。',
	'The replacement needs the listening socket too: keep the handle in the primary and send it to every child you fork, replacements included.': '替补也需要监听 socket：在主进程里保留 handle，并把它发给你 fork 的每个子进程，包括替补。',
	'Keep the listening handle open in the primary for its whole life, so that connections wait in the backlog instead of being refused.': '在主进程的整个生命周期里都保持监听 handle 打开，这样连接会在 backlog 里等待，而不是被拒绝。',
	"Only the crashing child stops accepting; its siblings and the primary's socket stay up the whole time.": '只有崩溃的子进程停止 accept；它的兄弟进程和主进程的 socket 始终保持可用。',
	'Have the child send a message when it crashes, and fork the replacement in the primary\'s "message" handler, not in "exit". Its type must not be a cmd starting with NODE_: Node keeps those messages for itself and never emits "message".':
		'让子进程在崩溃时发一条消息，并在主进程的 "message" 处理函数里 fork 替补，而不是在 "exit" 里。消息的类型不能是以 NODE_ 开头的 cmd：Node 会把这些消息留给自己，永远不会触发 "message"。',
	'A child killed with SIGKILL (or by the OOM killer) sends no message. Fork a replacement from its "exit" event when it had not reported a crash, unless the primary is shutting down.':
		'被 SIGKILL（或被 OOM killer）杀掉的子进程不会发消息。如果它没有报告过崩溃，就在它的 "exit" 事件里 fork 一个替补，除非主进程正在关闭。',
	'Keep the listening handle in the primary and send it to every child, so that the other children go on accepting.': '在主进程里保留监听 handle 并把它发给每个子进程，这样其他子进程才能继续 accept。',
	'Keep the "already replaced" flag per child, not one for the whole primary: two children may report a crash at the same moment, and each needs its own replacement at once.':
		'"already replaced"（已替换）标记要按子进程分别保存，不能整个主进程只用一个：两个子进程可能同时报告崩溃，每个都需要立即有自己的替补。',
	'One replacement per crashed child: remember, per child, that it has been replaced.': '每个崩溃的子进程对应一个替补：按子进程记住它已经被替换过。',
	'A child keeps running as long as its server listens, even with its primary gone. In worker.ts: process.on("disconnect", () => process.exit(0)) (and exit at once if process.connected is already false).':
		'只要子进程的 server 还在 listen，它就会一直运行，即使主进程已经不在了。在 worker.ts 里：process.on("disconnect", () => process.exit(0))（如果 process.connected 已经是 false，就立即退出）。',
	'This is not a verdict on your code: run the check again when the machine is quieter.': '这不是对你代码的判定：等机器空闲一些再运行检查。',
	'A crash in a healthy slot is replaced as before: the crash loop of another slot changes nothing for it.': '健康槽位里的崩溃照常被替换：另一个槽位的崩溃循环对它没有任何影响。',
	'Send the listening handle to every replacement.': '把监听 handle 发给每个替补。',
	'The drain ends when the requests in flight are done or DRAIN_MS has passed.': '处理中的请求都完成，或者过了 DRAIN_MS，排空就结束。',
	// 06-rolling-reload
	'Every child you fork gets the socket and listens on it; a child that is replaced or retired stops accepting and leaves.': '你 fork 的每个子进程都拿到 socket 并在上面 listen；被替换或退役的子进程停止 accept 并退出。',
	'After a reload every request is answered: each new child serves, and no retired child keeps the socket half-open.': '重载之后每个请求都有应答：每个新子进程都在服务，没有哪个退役的子进程让 socket 处于半开状态。',
	'Never run two passes at once. Remember a SIGHUP that arrives during a reload and run one more full pass when the current one ends.': '绝不同时运行两轮。重载期间收到的 SIGHUP 要记下来，等当前这一轮结束后再完整地跑一轮。',
	"Set it in the child on every response: res.setHeader('x-worker-pid', String(process.pid)).": "在子进程里给每个响应设置它：res.setHeader('x-worker-pid', String(process.pid))。",
	'The checker uses /slow to keep requests in flight while children are retired: answer it from a setTimeout of ms milliseconds.': '检查器用 /slow 在子进程退役期间让请求保持在处理中：在 ms 毫秒的 setTimeout 里应答它。',
	'Fork WORKERS children with fork() from node:child_process and send each the listening handle.': '用 node:child_process 的 fork() fork WORKERS 个子进程，并把监听 handle 发给每一个。',
	'Create the socket once in the primary (net._createServerHandle(HOST, PORT, 4)), keep it, and send it with every fork: child.send({type: "listen"}, handle).':
		'在主进程里只创建一次 socket（net._createServerHandle(HOST, PORT, 4)），保留它，并随每次 fork 发出去：child.send({type: "listen"}, handle)。',
	'The children serve HTTP; the primary only holds the socket and manages them.': '子进程提供 HTTP 服务；主进程只持有 socket 并管理子进程。',
	'In the child: process.on("message", (msg, handle) => server.listen(handle, ...)).': '在子进程里：process.on("message", (msg, handle) => server.listen(handle, ...))。',
	"process.on('SIGHUP', ...) in the primary starts a rolling pass: for each child, fork a new one, wait until it is ready, then retire the old one.":
		"主进程里的 process.on('SIGHUP', ...) 启动一轮滚动：对每个子进程，fork 一个新的，等它就绪，再让旧的退役。",
	'Fork one new child, wait for its ready message, retire one old child; then the next. Never stop them all first.': 'fork 一个新子进程，等它的就绪消息，让一个旧子进程退役；然后下一个。绝不要先把它们全部停掉。',
	'Keep enough children accepting at every moment: start the new child and wait until it is ready before the old one stops accepting.': '每时每刻都要有足够的子进程在 accept：先启动新子进程并等它就绪，旧子进程才停止 accept。',
	'Requests were cut while their child was still answering them: it was killed (or closed busy connections) during its drain. Retire an old child with child.disconnect() at the end of the window, never child.kill(); only the DRAIN_MS deadline may kill it.':
		'有请求在子进程还在处理时被切断了：它在排空期间被杀掉了（或者关闭了正在使用的连接）。让旧子进程退役要在窗口结束时调用 child.disconnect()，绝不要用 child.kill()；只有 DRAIN_MS 截止时间到了才可以杀掉它。',
	'Before disconnecting an old child, tell it to drain: for about 500 ms every answer carries Connection: close. Only then disconnect it; it closes its server and exits when its last request is done.':
		'在断开旧子进程之前，先让它排空：大约 500 ms 内每个应答都带上 Connection: close。然后才断开它；它会关闭自己的 server，并在最后一个请求完成时退出。',
	'Fork the new child and wait for its ready message before you retire an old one, and retire it with disconnect() (it finishes its requests), not with kill().':
		'先 fork 新子进程并等它的就绪消息，再让旧子进程退役；用 disconnect() 让它退役（它会处理完自己的请求），而不是 kill()。',
	'Draining waits for the requests in flight, and a request may never end. When you retire a child, also start a timer: after DRAIN_MS, child.kill("SIGKILL").':
		'排空要等处理中的请求，而一个请求可能永远不会结束。让子进程退役时，同时启动一个定时器：DRAIN_MS 之后 child.kill("SIGKILL")。',
	'In the child, exit once the drain is over: the close() callback of the server runs when its last connection has ended; call process.exit(0) there. A timer or a pool that keeps the event loop alive must not keep a retired child (and the old code) running until the primary kills it.':
		'在子进程里，排空结束就退出：server 的 close() 回调在它最后一个连接结束时运行；在那里调用 process.exit(0)。维持事件循环的定时器或连接池不能让一个已退役的子进程（以及旧代码）一直运行到主进程杀掉它。',
	'Read DRAIN_MS from the environment, and start the kill timer when you tell the child to drain.': '从环境变量读取 DRAIN_MS，并在通知子进程排空时启动 kill 定时器。',
	'Only old children are retired; make sure a retire or a kill timer cannot hit a child that has just replaced one.': '只有旧子进程才会退役；确保退役操作或 kill 定时器不会落到刚替换了别人的子进程头上。',
	'Fork exactly one new child per old child, and retire each old child once.': '每个旧子进程恰好 fork 一个新子进程，每个旧子进程只退役一次。',
	'A SIGHUP may come before every child is ready: the pass replaces the children that are starting too. Read WORKERS and DRAIN_MS from the environment; the kill timer of a retired child must fire.':
		'SIGHUP 可能在所有子进程就绪之前到来：这一轮也要替换正在启动的子进程。从环境变量读取 WORKERS 和 DRAIN_MS；已退役子进程的 kill 定时器必须触发。',
	'Read DRAIN_MS from process.env (a string: Number() it) and start the kill timer when you tell the child to drain; do not hard-code it.':
		'从 process.env 读取 DRAIN_MS（是字符串：用 Number() 转换），并在通知子进程排空时启动 kill 定时器；不要写死。',
	'SIGHUP starts a rolling pass that forks a new child first.': 'SIGHUP 启动一轮滚动，先 fork 一个新子进程。',
	'Start a timer when you fork; if the ready message has not come when it fires, child.kill("SIGKILL") and stop the reload.': 'fork 时启动一个定时器；如果定时器触发时就绪消息还没来，就 child.kill("SIGKILL") 并停止重载。',
	'When a new child is not ready in time, end the pass there; the next SIGHUP tries again.': '新子进程没能及时就绪时，这一轮就到此为止；下一次 SIGHUP 再重试。',
	'A failed reload must leave the old children exactly as they were: do not tell them to drain before a replacement is ready.': '失败的重载必须让旧子进程保持原样：在替补就绪之前，不要通知它们排空。',
	"libuv keeps a bind error such as EADDRINUSE in the handle and reports it only from listen() or getsockname(). A child's listen() on that handle then succeeds on a random port of every interface, and nobody hears of it. In the primary, right after _createServerHandle(): const errno = handle.getsockname({}); if it is not 0, handle.close() and exit(1) (the cluster module's checkBindError does the same).":
		'libuv 把 EADDRINUSE 这样的绑定错误保存在 handle 里，只在 listen() 或 getsockname() 时才报告。之后子进程在这个 handle 上的 listen() 会成功，却是在所有网卡的一个随机端口上，而且没有人知道。在主进程里，紧接着 _createServerHandle() 之后：const errno = handle.getsockname({})；如果它不是 0，就 handle.close() 并 exit(1)（cluster 模块的 checkBindError 也是这么做的）。',
	'Check the handle in the primary (handle.getsockname({}) returns the bind error as a negative errno), print it, and process.exit(1).':
		'在主进程里检查 handle（handle.getsockname({}) 以负的 errno 返回绑定错误），输出它，然后 process.exit(1)。',
	// 07-cluster
	'Read the count from process.env.WORKERS (a string: convert it with Number()); fork that many at start-up, and one replacement for each worker that dies unexpectedly.':
		'从 process.env.WORKERS 读取数量（是字符串：用 Number() 转换）；启动时 fork 这么多个，每个意外死亡的工作进程补一个替补。',
	'The primary serves nothing: it has no HTTP server of its own. The workers create the server, and each answer carries its own process.pid.':
		'主进程什么都不服务：它没有自己的 HTTP server。server 由工作进程创建，每个应答都带着它自己的 process.pid。',
	"Listen with one cluster.on('message', (worker, msg) => ...): it hears every worker, those forked later included. Handlers attached with cluster.workers[id].on('message') at start-up never hear a replacement.":
		"用一个 cluster.on('message', (worker, msg) => ...) 监听：它能收到每个工作进程的消息，包括之后 fork 的。启动时用 cluster.workers[id].on('message') 挂上的处理函数永远收不到替补的消息。",
	"A worker that gets GET /stats asks the primary (process.send({ cmd: 'getStats', id })), waits for its reply, and answers with it.":
		"收到 GET /stats 的工作进程向主进程询问（process.send({ cmd: 'getStats', id })），等待它的回复，并用回复来应答。",
	"Each worker sends process.send({ cmd: 'notifyRequest' }) for every request; the primary counts them in cluster.on('message'), and a worker asked GET /stats gets the counts from the primary.":
		"每个工作进程对每个请求都发送 process.send({ cmd: 'notifyRequest' })；主进程在 cluster.on('message') 里计数，收到 GET /stats 的工作进程从主进程取得计数。",
	'Key the counts by worker.process.pid, the same pid the worker puts in x-worker-pid (cluster worker ids 1, 2, … are not pids).':
		'用 worker.process.pid 作为计数的键，也就是工作进程放进 x-worker-pid 的那个 pid（cluster 的 worker id 1, 2, … 不是 pid）。',
	"Send notifyRequest from the request handler (once per request), not from the server's 'connection' event: one connection carries many requests.":
		"在请求处理函数里发送 notifyRequest（每个请求一次），不要在 server 的 'connection' 事件里发：一个连接会承载多个请求。",
	"One notifyRequest per request, sent by the worker that answers it; the primary adds 1 for worker.process.pid in cluster.on('message'). Do not count GET /stats.":
		"每个请求一条 notifyRequest，由应答它的工作进程发送；主进程在 cluster.on('message') 里给 worker.process.pid 加 1。不要统计 GET /stats。",
	"Give each GET /stats its own id (nextId++), keep the response in a Map under it, send the id with getStats, and answer waiting.get(msg.id) when the primary's reply comes back: one variable for 'the' waiting response loses all but the last.":
		'给每个 GET /stats 一个自己的 id（nextId++），把 response 以这个 id 存进 Map，随 getStats 发出 id，主进程的回复回来时应答 waiting.get(msg.id)：只用一个变量存“那个”等待中的 response，除了最后一个都会丢。',
	"cluster.on('exit', (worker, code, signal) => { if (!shuttingDown) cluster.fork(); }): a worker killed with SIGKILL, or by the OOM killer, sends nothing first.":
		"cluster.on('exit', (worker, code, signal) => { if (!shuttingDown) cluster.fork(); })：被 SIGKILL 或 OOM killer 杀掉的工作进程事先什么也不会发。",
	"In cluster.on('exit'), fork one replacement and leave everything else alone.": "在 cluster.on('exit') 里 fork 一个替补，其他一概不动。",
	"Fork once per death: in cluster.on('exit') only (not also in 'disconnect'), or on one worker's event, not on both.":
		"每次死亡只 fork 一次：只在 cluster.on('exit') 里（不要在 'disconnect' 里也 fork），或者只用单个 worker 的一个事件，不要两个都用。",
	'A replacement runs the same worker.ts: it listens, and the primary adds it to the others.': '替补运行同一个 worker.ts：它会 listen，主进程把它和其他工作进程放在一起。',
	'The other workers should go on serving while the replacement starts.': '替补启动期间，其他工作进程应该继续服务。',
	"Keep a dead worker's count: do not delete it in cluster.on('exit').": "保留死掉的工作进程的计数：不要在 cluster.on('exit') 里删掉它。",
	'Each worker creates an HTTP server and calls listen(PORT, HOST): inside a cluster worker that asks the primary for the socket.':
		'每个工作进程创建一个 HTTP server 并调用 listen(PORT, HOST)：在 cluster 工作进程里，这会向主进程要 socket。',
	"In the worker's request handler: res.setHeader('x-worker-pid', String(process.pid)).": "在工作进程的请求处理函数里：res.setHeader('x-worker-pid', String(process.pid))。",
	"This lab is about node:cluster: import cluster from 'node:cluster', cluster.setupPrimary({ exec: <path of worker.ts> }), then cluster.fork() WORKERS times.":
		"本 lab 讲的是 node:cluster：import cluster from 'node:cluster'，cluster.setupPrimary({ exec: <worker.ts 的路径> })，然后 cluster.fork() WORKERS 次。",
	'Fork the workers with cluster.fork(); an x-worker-pid header that names other processes proves nothing.': '用 cluster.fork() fork 工作进程；x-worker-pid 头写的是别的进程，什么也证明不了。',
	'Read the count from process.env.WORKERS (a string: convert it with Number()) instead of hard-coding it or using os.availableParallelism().':
		'从 process.env.WORKERS 读取数量（是字符串：用 Number() 转换），不要写死，也不要用 os.availableParallelism()。',
	'The workers serve every request; the primary serves none.': '所有请求都由工作进程处理；主进程一个也不处理。',
	"Call plain server.listen(PORT, HOST) in the worker. With exclusive: true (which reusePort: true implies) a cluster worker opens its own socket and the primary's scheduling never sees a connection; on Node 20 the second worker then fails with EADDRINUSE.":
		'在工作进程里直接调用 server.listen(PORT, HOST)。用了 exclusive: true（reusePort: true 也隐含它）时，cluster 工作进程会打开自己的 socket，主进程的调度永远看不到连接；在 Node 20 上，第二个工作进程随后会因 EADDRINUSE 失败。',
	'Do not assign cluster.schedulingPolicy: Node reads NODE_CLUSTER_SCHED_POLICY itself when node:cluster is loaded.':
		'不要给 cluster.schedulingPolicy 赋值：Node 在加载 node:cluster 时会自己读取 NODE_CLUSTER_SCHED_POLICY。',
	'Let cluster open the socket: the workers call listen(), the primary does not.': '让 cluster 来打开 socket：工作进程调用 listen()，主进程不调用。',
	'Remove the assignment to cluster.schedulingPolicy. Node reads NODE_CLUSTER_SCHED_POLICY (rr or none) when node:cluster is loaded; the policy is frozen at the first setupPrimary() or fork().':
		'删掉对 cluster.schedulingPolicy 的赋值。Node 在加载 node:cluster 时读取 NODE_CLUSTER_SCHED_POLICY（rr 或 none）；调度策略在第一次 setupPrimary() 或 fork() 时就固定了。',
	"Call plain server.listen(PORT, HOST) in the worker, so that cluster shares the primary's socket.": '在工作进程里直接调用 server.listen(PORT, HOST)，让 cluster 共享主进程的 socket。',
	'Let cluster share the socket: every worker calls server.listen(PORT, HOST) and nothing else.': '让 cluster 来共享 socket：每个工作进程调用 server.listen(PORT, HOST)，别的什么都不做。',
	'Keep the /slow route of the starter: res.flushHeaders() sends the head at once, and res.end() the body after ms milliseconds.':
		'保留 starter 里的 /slow 路由：res.flushHeaders() 立即发出响应头，res.end() 在 ms 毫秒后发出响应体。',
	'Keep the /slow route of the starter: res.flushHeaders() sends the head at once.': '保留 starter 里的 /slow 路由：res.flushHeaders() 立即发出响应头。',
	"worker.exitedAfterDisconnect is false after the primary's worker.kill() (and worker.process.kill()), so it cannot tell your own kills from a crash. Set a shuttingDown flag before stopping the workers and check it in cluster.on('exit').":
		"主进程调用 worker.kill()（以及 worker.process.kill()）之后，worker.exitedAfterDisconnect 是 false，所以它分不清是你自己杀的还是崩溃。在停止工作进程之前设置一个 shuttingDown 标志，并在 cluster.on('exit') 里检查它。",
	'On SIGTERM call cluster.disconnect() (or worker.disconnect() for each): every worker closes its server, finishes the requests it has, and exits. Keep a kill as the deadline, not as the first move.':
		'收到 SIGTERM 时调用 cluster.disconnect()（或者对每个工作进程调用 worker.disconnect()）：每个工作进程关闭自己的 server，处理完手上的请求，然后退出。kill 留作截止时间的兜底，而不是第一步。',
	'After cluster.disconnect(), exit the primary once every worker has exited, and kill what is left at a deadline (e.g. 2.5 s) so that a request that never ends cannot hold the shutdown.':
		'cluster.disconnect() 之后，等每个工作进程都退出再让主进程退出，并在截止时间（例如 2.5 s）杀掉剩下的，这样一个永远不结束的请求就拖不住关闭。',
	// honest-pids
	'Do not close every connection after its answer (no Connection: close from the server). If your server keeps connections open, the machine was too busy: run the check again.':
		'不要在每个应答之后都关闭连接（server 不要发 Connection: close）。如果你的 server 保持着连接，那就是机器太忙了：再运行一次检查。',
	// 08-cluster-internals
	'main.ts forks Number(process.env.WORKERS) workers; your fork() must start each as a child process with child_process.fork(). A worker that exits at start-up prints why: see its last lines below.':
		'main.ts fork Number(process.env.WORKERS) 个工作进程；你的 fork() 必须用 child_process.fork() 把每个工作进程作为子进程启动。启动时就退出的工作进程会输出原因：见下面它最后输出的几行。',
	"When the primary's reply carries an error, don't throw it in the worker: build an Error with its code, errno and syscall and emit it on the server (server.emit('error', err)). The app has an 'error' listener; an app without one would still crash, as with a plain listen().":
		"主进程的回复里带着错误时，不要在工作进程里把它抛出：用它的 code、errno 和 syscall 构造一个 Error，并在 server 上触发它（server.emit('error', err)）。这个 app 有 'error' 监听器；没有监听器的 app 仍会崩溃，和直接 listen() 时一样。",
	"libuv does not report EADDRINUSE from bind() until listen() or getsockname(). The error belongs to the primary's copy of the handle and is lost when the handle travels; listen() in the worker then binds a random port on every interface. Ask in the primary: handle.getsockname({}) returns the error (a negative errno) before you send anything.":
		'libuv 不会在 bind() 时报告 EADDRINUSE，要等到 listen() 或 getsockname()。这个错误属于主进程那份 handle，handle 传过去时就丢了；之后工作进程里的 listen() 会在所有网卡上绑定一个随机端口。在主进程里问：handle.getsockname({}) 会在你发出任何东西之前返回这个错误（负的 errno）。',
	"The primary's reply to a listen that failed must carry the error (code, errno, syscall), and the worker must emit it on that server: server.emit('error', err).":
		"主进程对失败的 listen 的回复必须带上错误（code、errno、syscall），工作进程必须在那个 server 上触发它：server.emit('error', err)。",
	"Something in fork()'s 'exit' handling threw in the primary: taking the worker off each handle (RoundRobinHandle and SharedHandle alike) must work for both kinds of handle.":
		"主进程里 fork() 的 'exit' 处理抛出了异常：把工作进程从每个 handle 上移除（RoundRobinHandle 和 SharedHandle 都一样）必须对两种 handle 都能正常工作。",
	"Take code and signal from the child process's 'exit' event ('exit' (code, signal)); 'disconnect' comes earlier and carries neither.":
		"从子进程的 'exit' 事件（'exit' (code, signal)）里取 code 和 signal；'disconnect' 来得更早，两者都不带。",
	"In fork()'s 'exit' handling, emit 'exit' and forget the worker; do not fork. A program that wants replacements forks them in its own cluster.on('exit') (lab 07).":
		"在 fork() 的 'exit' 处理里，触发 'exit' 并忘掉这个工作进程；不要 fork。需要替补的程序会在它自己的 cluster.on('exit') 里 fork（lab 07）。",
	"On a worker's 'exit', remove it from every handle's list of workers (core: RoundRobinHandle.remove()). Sending a socket to a dead worker fails with ERR_IPC_CHANNEL_CLOSED, and the client loses its connection.":
		"工作进程 'exit' 时，把它从每个 handle 的工作进程列表里移除（core：RoundRobinHandle.remove()）。把 socket 发给已死的工作进程会以 ERR_IPC_CHANNEL_CLOSED 失败，客户端就丢了连接。",
	'The workers left hold their copies of the shared socket and accept on it; nothing in the primary needs to change when one exits.': '剩下的工作进程各自持有共享 socket 的副本并在上面 accept；一个工作进程退出时，主进程里什么都不用改。',
	"Put cluster logic in mini-cluster.ts and worker-preload.ts, never in the app: core's cluster runs any app that calls listen(), and so must yours.":
		'把 cluster 逻辑放在 mini-cluster.ts 和 worker-preload.ts 里，绝不放进 app：core 的 cluster 能运行任何调用 listen() 的 app，你的也必须能。',
	"In worker-preload.ts, net.Server.prototype.listen(port, host) must not call the original listen: send a queryServer message to the primary and wait for its reply. Core does this in net.js's listenInCluster(); reusePort and exclusive are the ways around it. (A worker that binds a taken port dies with EADDRINUSE.)":
		'在 worker-preload.ts 里，net.Server.prototype.listen(port, host) 不能调用原来的 listen：向主进程发一条 queryServer 消息并等它回复。core 在 net.js 的 listenInCluster() 里就是这么做的；reusePort 和 exclusive 是绕过它的办法。（绑定已被占用端口的工作进程会因 EADDRINUSE 死掉。）',
	"On a worker's queryServer, the primary (rr mode) creates a net.Server with pauseOnConnect and listens on the host and port the worker asked for.":
		'收到工作进程的 queryServer 时，主进程（rr 模式）创建一个带 pauseOnConnect 的 net.Server，并在工作进程要求的 host 和 port 上 listen。',
	'fork() runs settings.exec, the file setupPrimary() was given: child_process.fork(settings.exec, args, {execArgv, env}).':
		'fork() 运行 settings.exec，也就是传给 setupPrimary() 的那个文件：child_process.fork(settings.exec, args, {execArgv, env})。',
	"Don't import node:cluster in mini-cluster.ts: fork with child_process.fork() and mark workers with a variable of your own (MINI_CLUSTER_WORKER_ID).":
		'不要在 mini-cluster.ts 里 import node:cluster：用 child_process.fork() 来 fork，并用你自己的变量（MINI_CLUSTER_WORKER_ID）标记工作进程。',
	'child_process.fork(file, args, {env: {...process.env, ...env, MINI_CLUSTER_WORKER_ID: id}}).': 'child_process.fork(file, args, {env: {...process.env, ...env, MINI_CLUSTER_WORKER_ID: id}})。',
	'Build fork() and the listen() hand-over on child_process and net only; node:cluster is what this lab takes apart.': '只用 child_process 和 net 来实现 fork() 和 listen() 的交接；本 lab 要拆解的正是 node:cluster。',
	"rr: the primary's net.Server (pauseOnConnect) sends each socket to a worker with worker.process.send({cmd, act: 'newconn', key}, socket); the worker's preload gives it to the app's server: server.emit('connection', socket).":
		"rr：主进程的 net.Server（pauseOnConnect）用 worker.process.send({cmd, act: 'newconn', key}, socket) 把每个 socket 发给一个工作进程；工作进程的 preload 再把它交给 app 的 server：server.emit('connection', socket)。",
	'The app runs only in the workers; the primary accepts and hands out connections, it never serves them.': 'app 只在工作进程里运行；主进程 accept 连接并分发出去，从不自己处理。',
	"The callback of listen() is a 'listening' listener (server.once('listening', cb)). In rr mode nothing listens in the worker, so emit 'listening' yourself when the primary's reply arrives; in shared mode the real listen() on the handle does it.":
		"listen() 的回调是一个 'listening' 监听器（server.once('listening', cb)）。rr 模式下工作进程里没有东西在 listen，所以主进程的回复到达时要自己触发 'listening'；shared 模式下，在 handle 上真正的 listen() 会触发它。",
	"rr: the worker's server has no socket of its own, so address() returns null. Answer it from the primary's reply: server.address = () => reply.sockname (core plants a fake handle whose getsockname() does the same).":
		'rr：工作进程的 server 没有自己的 socket，所以 address() 返回 null。用主进程的回复来回答它：server.address = () => reply.sockname（core 会放一个假的 handle，它的 getsockname() 做的是同样的事）。',
	"Every worker's queryServer adds it to the handle's workers, and distribute() takes them in turn: workers[next++ % workers.length]. A free list used as a stack (the worker that just took a connection goes back on top) gives a client that connects one at a time the same worker every time.":
		'每个工作进程的 queryServer 都会把它加进 handle 的 workers，distribute() 轮流取用它们：workers[next++ % workers.length]。把空闲列表当栈用（刚接过连接的工作进程回到栈顶），一次只连一个连接的客户端每次都会落到同一个工作进程。',
	"Keep the workers of a handle in an array and a counter: workers[next++ % workers.length]. A free list used as a stack (push the worker that just finished, pop the next) hands a sequential client's every connection to the same worker.":
		'把一个 handle 的工作进程放在数组里，配一个计数器：workers[next++ % workers.length]。把空闲列表当栈用（push 刚处理完的工作进程，pop 下一个），顺序连接的客户端的每个连接都会交给同一个工作进程。',
	"Send the socket without keepOpen: Node closes the primary's copy once the worker has acknowledged it.": '发送 socket 时不要带 keepOpen：工作进程确认收到之后，Node 会关闭主进程的副本。',
	'shared: the primary creates the socket once per key, bound but not listening (net._createServerHandle(host, port, 4)), and sends it with each reply: worker.process.send(reply, handle). The worker calls the original listen() on that handle.':
		'shared：主进程为每个 key 只创建一次 socket，已绑定但不 listen（net._createServerHandle(host, port, 4)），并随每个回复发出：worker.process.send(reply, handle)。工作进程在这个 handle 上调用原来的 listen()。',
	'If the primary calls listen() on the socket it shares, it accepts connections too, and nothing serves them. Send a handle that is bound but not listening, and let only the workers listen on it.':
		'如果主进程在它共享的 socket 上调用 listen()，它也会 accept 连接，而没有人处理这些连接。发送一个已绑定但未 listen 的 handle，只让工作进程在上面 listen。',
	"Register listen()'s callback as a 'listening' listener before you ask the primary, for both modes: in shared mode the original listen() on the handle then emits 'listening' itself.":
		"在询问主进程之前，先把 listen() 的回调注册为 'listening' 监听器，两种模式都一样：shared 模式下，原来的 listen() 在 handle 上会自己触发 'listening'。",
	'Importing mini-cluster.ts from a program other than main.ts must work too: no top-level code that assumes main.ts.': '从 main.ts 以外的程序 import mini-cluster.ts 也必须能用：不要有假定 main.ts 的顶层代码。',
	// 09-shared-state
	'Read the count from process.env.WORKERS (a string: convert it with Number()) and fork that many with cluster.fork().': '从 process.env.WORKERS 读取数量（是字符串：用 Number() 转换），并用 cluster.fork() fork 这么多个。',
	'Every worker answers the routes of the Contract; an unknown counter is 0.': '每个工作进程都应答 Contract 里的路由；未知的计数器为 0。',
	'The workers serve every request; the primary keeps the store and serves no HTTP.': '所有请求都由工作进程处理；主进程保存存储，不提供 HTTP 服务。',
	'Every worker runs the same HTTP server and calls listen(PORT, HOST).': '每个工作进程运行同样的 HTTP server 并调用 listen(PORT, HOST)。',
	"Set the header before routing, for every answer: res.setHeader('x-worker-pid', String(process.pid)) at the top of the request handler.":
		"在路由之前、对每个应答都设置这个头：在请求处理函数的最开头 res.setHeader('x-worker-pid', String(process.pid))。",
	"Each worker writes its own process.pid: res.setHeader('x-worker-pid', String(process.pid)). Not a pid from the primary's reply (that is whoever the primary talked to), nor the primary's.":
		"每个工作进程写它自己的 process.pid：res.setHeader('x-worker-pid', String(process.pid))。不要用主进程回复里的 pid（那是主进程刚好在跟谁说话），也不要用主进程的。",
	'Every worker listens with a plain listen(PORT, HOST), so that the primary hands connections to all of them in turn.': '每个工作进程都直接 listen(PORT, HOST)，这样主进程才会把连接轮流交给所有工作进程。',
	'A Map in worker.ts exists once per worker. Keep the store in the primary: the worker sends each operation as a message (process.send) and answers with the reply.':
		'worker.ts 里的 Map 每个工作进程各有一份。把存储放在主进程里：工作进程把每个操作作为一条消息发出（process.send），并用回复来应答。',
	'Each increment is one message to the primary and one reply; a worker answers every request.': '每次自增就是发给主进程的一条消息和一条回复；工作进程应答每个请求。',
	'A worker that asks for the value and then sets value + 1 races every other request in between. Send one message, {op: "incr", by}, and let the primary add and answer: its message handler runs to the end before the next message, so one message is one atomic operation.':
		'先取值再设为 value + 1 的工作进程，会和这中间的其他所有请求发生竞争。只发一条消息 {op: "incr", by}，让主进程去加并回复：它的消息处理函数会在下一条消息之前运行完，所以一条消息就是一次原子操作。',
	'Every worker serves: a plain listen(PORT, HOST) in each.': '每个工作进程都提供服务：各自直接 listen(PORT, HOST)。',
	'Give every request a fresh id in the worker (a counter: nextId++), never a value the client chose (the key) or the clock, keep the waiting requests in a Map by that id, and answer the one whose id the reply carries.':
		'在工作进程里给每个请求一个新的 id（一个计数器：nextId++），绝不用客户端选的值（key）或时钟；把等待中的请求按这个 id 存进 Map，并应答回复里所带 id 对应的那个。',
	'Keep the body as bytes all the way: Buffer.concat(chunks), not a string (decoding as UTF-8 replaces invalid bytes with EF BF BD). Over IPC, send it with serialization: "advanced" (setupPrimary), which carries a Uint8Array as bytes.':
		'全程把请求体当字节处理：Buffer.concat(chunks)，不要转成字符串（按 UTF-8 解码会把非法字节替换成 EF BF BD）。通过 IPC 发送时用 serialization: "advanced"（setupPrimary），它会把 Uint8Array 按字节传递。',
	'A refused value is not stored.': '被拒绝的值不会被存储。',
	'Answer 413 and let Node read and drop the rest of the body: do not destroy the socket. A client that is still sending cannot read an answer on a connection closed under it.':
		'回 413，然后让 Node 读完并丢弃剩下的请求体：不要销毁 socket。客户端还在发送时，连接在它脚下被关掉，它就读不到应答。',
	"Count in req.on('data'): the moment the total passes the limit, answer 413 and stop keeping chunks. A client can send a body that never ends; the worker must not buffer it.":
		"在 req.on('data') 里计数：总量一超过上限，就回 413 并不再保留 chunk。客户端可以发一个永不结束的请求体；工作进程不能把它缓存下来。",
	'A refused upload must hold nothing: no lock, no queue that the other requests wait behind.': '被拒绝的上传不能占住任何东西：没有锁，也没有让其他请求排在后面等的队列。',
	'ttl is optional: a whole number of milliseconds.': 'ttl 是可选的：一个以毫秒为单位的整数。',
	'ttl is in milliseconds: the value exists until ttl ms after the PUT.': 'ttl 以毫秒为单位：值一直存在到 PUT 之后 ttl ms 为止。',
	'Keep the expiry time with the value (Date.now() + ttl) in the primary, and treat an expired value as missing when it is read.': '在主进程里把过期时间（Date.now() + ttl）和值存在一起，读取时把已过期的值当作不存在。',
	'A setTimeout that deletes the key fires even after the key was put again. Clear it on every PUT, or store the expiry time with the value and check it on read.':
		'删除 key 的 setTimeout 即使在这个 key 被重新 put 之后也会触发。每次 PUT 时清除它，或者把过期时间和值存在一起，读取时检查。',
	'The limiter is one piece of state for the whole service: keep it in the primary, and ask it with one message per request ({op: "limit", client}). Read LIMIT from the environment.':
		'限流器是整个服务共享的一份状态：把它放在主进程里，每个请求用一条消息询问它（{op: "limit", client}）。从环境变量读取 LIMIT。',
	'Key the limiter by the :client part of the path.': '用路径中的 :client 部分作为限流器的键。',
	"Keep, in the primary, the times of each client's allowed requests; on each request drop those older than WINDOW_MS, allow if fewer than LIMIT remain (and record the time), refuse otherwise. Read LIMIT and WINDOW_MS from the environment.":
		'在主进程里记录每个客户端被放行的请求的时间；每个请求到来时丢掉早于 WINDOW_MS 的记录，剩下的少于 LIMIT 个就放行（并记下时间），否则拒绝。从环境变量读取 LIMIT 和 WINDOW_MS。',
	'Nothing is known to be wrong; run the check again when the machine is quieter.': '没发现什么确定的问题；等机器空闲一些再运行检查。',
	'Match each reply to its request by the id it carries, not by the order of arrival: once one request has timed out, its late reply is next in line, and a queue hands it to the wrong request.':
		'按回复所带的 id 把它对应到请求，而不是按到达顺序：一旦有一个请求超时，它迟到的回复就排在下一个，队列会把它交给错误的请求。',
	'After a lost reply the worker serves on: nothing of the timed-out request may be left waiting.': '丢失一个回复之后，工作进程照常服务：超时请求的任何东西都不能还留在那里等待。',
	"Replace a worker that dies: cluster.on('exit', () => { if (!shuttingDown) cluster.fork(); }).": "替换死掉的工作进程：cluster.on('exit', () => { if (!shuttingDown) cluster.fork(); })。",
	'Each replacement runs worker.ts like the first workers and calls listen(PORT, HOST).': '每个替补都像最初的工作进程一样运行 worker.ts 并调用 listen(PORT, HOST)。',
	'Keep the store in the primary, the one process that outlives its workers. A worker (even a special one) dies, and a replacement starts empty.':
		'把存储放在主进程里，它是唯一一个比工作进程活得长的进程。工作进程（即使是特殊的那个）会死，替补启动时是空的。',
	'Fork one replacement per dead worker; each listens with a plain listen(PORT, HOST).': '每个死掉的工作进程 fork 一个替补；每个都直接 listen(PORT, HOST)。',
	// 10-nginx
	'proxy_next_upstream error timeout; (the default) lets nginx retry a request that found a dead backend; proxy_next_upstream off; turns that off. nginx retries only requests that are safe to repeat (GET, HEAD, …).':
		'proxy_next_upstream error timeout;（默认值）让 nginx 对遇到死后端的请求进行重试；proxy_next_upstream off; 会关闭它。nginx 只重试可以安全重复的请求（GET、HEAD 等）。',
	'A backend behind nginx must not be reachable around it: listen(PORT, BACKEND_HOST), never listen(PORT) (which means every address, 0.0.0.0 or ::). On one machine it also takes the port from the other backends and from nginx.':
		'nginx 后面的后端不能被绕过 nginx 直接访问：listen(PORT, BACKEND_HOST)，绝不要 listen(PORT)（那表示所有地址，0.0.0.0 或 ::）。在同一台机器上，它还会抢走其他后端和 nginx 的端口。',
	'main.ts forks backend.ts once per address with BACKEND_HOST set to it; each backend calls server.listen(PORT, BACKEND_HOST). PORT is nginx\'s port number too: every "machine" runs the app on the same port, each on its own address.':
		'main.ts 为每个地址 fork 一次 backend.ts，并把 BACKEND_HOST 设为这个地址；每个后端调用 server.listen(PORT, BACKEND_HOST)。PORT 同时也是 nginx 的端口号：每台 "machine"（机器）都在同一个端口上运行应用，各自用自己的地址。',
	'The backends stand for separate machines: one crashing must not take the others with it. Fork backend.ts once per address from main.ts.':
		'这些后端代表不同的机器：一个崩溃不能把其他的也带倒。从 main.ts 为每个地址 fork 一次 backend.ts。',
	'listen ${HOST}:${PORT}; binds nginx to 127.0.0.1 only. A bare listen ${PORT}; means every address, which clashes with your backends on 127.0.0.2-4 (same port) and would expose the proxy to every network.':
		'listen ${HOST}:${PORT}; 让 nginx 只绑定 127.0.0.1。只写 listen ${PORT}; 表示所有地址，会和你在 127.0.0.2-4 上（同一端口）的后端冲突，还会把代理暴露给所有网络。',
	'Keep one server block with listen ${HOST}:${PORT};': '保留一个带 listen ${HOST}:${PORT}; 的 server 块',
	"The upstream named round-robin lists all three backends, with no balancing directive (round robin is nginx's default) and the same weight.":
		'名为 round-robin 的 upstream 列出全部三个后端，不带负载均衡指令（round robin 是 nginx 的默认策略），权重相同。',
	'Behind nginx every connection comes from nginx, so the backend only knows the client from headers: proxy_set_header X-Real-IP $remote_addr; and proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; (which appends $remote_addr to what came in, rather than replacing it).':
		'在 nginx 后面，每个连接都来自 nginx，所以后端只能从请求头得知客户端：proxy_set_header X-Real-IP $remote_addr; 和 proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;（它会把 $remote_addr 追加到传入的值后面，而不是替换掉）。',
	"Requests failing on reload are answered by backends that close connections nginx still uses, or refused because the new configuration broke something. Read nginx's error log.":
		'重载时失败的请求，要么是由关闭了 nginx 仍在使用的连接的后端应答的，要么是因为新配置弄坏了什么而被拒绝。看看 nginx 的错误日志。',
	'proxy_pass http://${STRATEGY}; so that STRATEGY=ip-hash uses the upstream named ip-hash, and ip_hash; in that upstream (before keepalive). ip_hash uses only the first three octets of an IPv4 address, so 127.0.0.5 and 127.0.0.6 land on the same backend: that is by design. Hashing anything that changes per connection ($remote_port, $request_id) is not sticky at all.':
		'proxy_pass http://${STRATEGY}; 让 STRATEGY=ip-hash 使用名为 ip-hash 的 upstream，并在那个 upstream 里写 ip_hash;（在 keepalive 之前）。ip_hash 只用 IPv4 地址的前三个字节，所以 127.0.0.5 和 127.0.0.6 会落到同一个后端：这是设计如此。对每个连接都会变的东西（$remote_port、$request_id）做哈希，根本谈不上粘滞。',
	'The ip-hash upstream lists all three backends.': 'ip-hash 的 upstream 列出全部三个后端。',
	"least_conn; in the upstream named least-conn (before keepalive): nginx then counts each backend's requests in progress and picks the one with the fewest. Without it, the default round robin sends every third request to each backend, busy or not.":
		'在名为 least-conn 的 upstream 里写 least_conn;（在 keepalive 之前）：nginx 会统计每个后端正在处理的请求，并挑选最少的那个。没有它，默认的 round robin 会把每三个请求中的一个发给每个后端，不管忙不忙。',
};
