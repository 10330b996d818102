/**
The strategies `node-cluster-lab bench` compares, each on the kit's own
reference server, and what explains its numbers on a small machine.
*/
import path from 'node:path';
import {solutionsDir} from '../paths.js';

export type Mode = 'keep-alive' | 'fresh';

export type Strategy = {
	id: string;
	title: string;
	/** The folder and entry to start; undefined: the single-process server bench writes itself. */
	dir: string | undefined;
	entry: string;
	/** Environment on top of PORT, HOST and WORKERS. */
	env: Record<string, string>;
	/** Whether the primary only fronts the workers (false: it is the only process and serves). */
	hasFront: boolean;
	/** One line per mode: why the numbers come out as they do (the fixed half of the row's why line; see why.ts). */
	why: Record<Mode, string>;
	/**
	Who decides which worker serves what: 'accept' (whichever worker accepts a
	connection keeps it), 'dealt' (a front deals connections out in turn),
	'request' (a proxy picks a backend for each request), 'one' (one process).
	*/
	balances: 'accept' | 'dealt' | 'request' | 'one';
	/** The workers' count when the lab fixes it (lab 10: three backends on 127.0.0.2-4), whatever --workers says. */
	fixedWorkers?: number;
	/** The backends listen on PORT+1 … PORT+WORKERS (lab 02): bench must find that range free too. */
	backendPorts?: boolean;
	/** nginx in front, configured from this template in the lab folder (lab 10), as its checker does. */
	nginxTemplate?: string;
	/** The lab folder's id, for --labs. */
	lab?: string;
};

/** The single-process server: the same answer as the labs' workers, in one process. */
export const SINGLE_SERVER_SOURCE = `import http from 'node:http';
const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
http.createServer((req, res) => {
  res.setHeader('x-worker-pid', String(process.pid));
  res.setHeader('content-type', 'text/plain');
  res.end(\`hello from \${process.pid}\\n\`);
}).listen(PORT, HOST);
process.on('SIGTERM', () => process.exit(0));
`;

/** `root`: where the lab folders are (02-proxy, 03-shared-handle, 04-dispatch, 07-cluster, 10-nginx): the reference solutions, or a learner's labs/. */
export function strategies(root = solutionsDir): Strategy[] {
	return [
		{
			id: 'single',
			title: 'single process',
			dir: undefined,
			entry: 'single.mjs',
			env: {},
			hasFront: false,
			balances: 'one',
			why: {
				'keep-alive': 'one process, no IPC: on 2 cores it shares the machine with the generator alone, so a second process has little to add',
				fresh: 'accept and HTTP in one process; the kernel listen queue is the only balancing there is',
			},
		},
		{
			id: 'cluster-rr',
			title: 'cluster, round-robin (lab 07)',
			dir: path.join(root, '07-cluster'),
			entry: 'main.ts',
			env: {NODE_CLUSTER_SCHED_POLICY: 'rr'},
			hasFront: true,
			balances: 'dealt',
			lab: '07-cluster',
			why: {
				'keep-alive': 'the primary accepts each connection and hands them out in turn, so connections are even; then workers serve alone (this reference also reports every request to the primary over IPC)',
				fresh: 'every connection is accepted by the primary and sent over IPC: on 2 cores that one process becomes the bottleneck',
			},
		},
		{
			id: 'cluster-none',
			title: 'cluster, SCHED_NONE (lab 07)',
			dir: path.join(root, '07-cluster'),
			entry: 'main.ts',
			env: {NODE_CLUSTER_SCHED_POLICY: 'none'},
			hasFront: true,
			balances: 'accept',
			lab: '07-cluster',
			why: {
				'keep-alive': 'workers accept on one shared socket: connections accepted in one burst go to whichever worker was awake, and stay with it for the whole run',
				fresh: 'the kernel wakes one accepting worker per connection: near even, and no primary in the path',
			},
		},
		{
			id: 'shared-handle',
			title: 'fork + shared handle (lab 03)',
			dir: path.join(root, '03-shared-handle'),
			entry: 'main.ts',
			env: {},
			hasFront: true,
			balances: 'accept',
			lab: '03-shared-handle',
			why: {
				'keep-alive': 'like SCHED_NONE: the busiest child is whichever won the burst of accepts (seed 001 saw 23000/16000/17000/22000/22000)',
				fresh: 'each connection is a new accept, so the spread evens out; the primary has given the socket away and costs nothing',
			},
		},
		{
			id: 'dispatch',
			title: 'primary dispatch, pauseOnConnect (lab 04)',
			dir: path.join(root, '04-dispatch'),
			entry: 'main.ts',
			env: {STRATEGY: 'round-robin'},
			hasFront: true,
			balances: 'dealt',
			lab: '04-dispatch',
			why: {
				'keep-alive': 'the primary sends each connection to the next child: connections are exact, and requests follow connections (seed 001: 20000 each)',
				fresh: 'every connection passes through the primary and IPC, as with cluster rr: the front process sets the pace',
			},
		},
		{
			id: 'proxy',
			title: 'Node proxy over ports (lab 02)',
			dir: path.join(root, '02-proxy'),
			entry: 'main.ts',
			env: {STRATEGY: 'round-robin'},
			hasFront: true,
			balances: 'request',
			backendPorts: true,
			lab: '02-proxy',
			why: {
				'keep-alive': 'every request is parsed twice and crosses two sockets: the one proxy process does HTTP for all the workers, so it fills a core first (research: 0.20× rr with 2 backends)',
				fresh: 'the proxy accepts every connection and keeps a few pooled ones to each backend, so the backends see keep-alive; the proxy still does all the HTTP twice (research: 0.75× rr)',
			},
		},
		{
			id: 'nginx',
			title: 'nginx in front (lab 10)',
			dir: path.join(root, '10-nginx'),
			entry: 'main.ts',
			env: {},
			// main.ts only forks the backends and waits: the front that works is nginx.
			hasFront: true,
			balances: 'request',
			fixedWorkers: 3,
			nginxTemplate: 'nginx.conf.template',
			lab: '10-nginx',
			why: {
				'keep-alive': 'nginx (one worker process, in C) parses and forwards every request: cheaper than the Node proxy, dearer than no front at all (research: 0.48× rr)',
				fresh: 'nginx absorbs the connection churn in C and keeps upstream connections alive, so the Node backends never accept (research: 1.86× rr, the fastest with fresh connections)',
			},
		},
	];
}

/** The seeds' own figures, for the table's last column. */
export const SEED_FIGURES: Record<string, string> = {
	'shared-handle': 'seed 001: 9132 req/s, 5 workers, siege -c100 keep-alive (0.96× dispatch)',
	dispatch: 'seed 001: 9551 req/s, 5 workers, 20000 requests each',
	proxy: 'seed 001: a proxy in front "adds a layer of indirection" (no figures); seed 000: a Node HTTP proxy at about 2100 req/s on one core',
	nginx: 'seed 002: in production nginx balances in front of Node (no figures)',
};
