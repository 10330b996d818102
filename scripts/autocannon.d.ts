// The part of autocannon's API that scripts/bench-generator.ts uses (autocannon ships no types).
declare module 'autocannon' {
	type Options = {url: string; connections?: number; duration?: number; pipelining?: number; timeout?: number; headers?: Record<string, string>};
	type Result = {requests: {total: number; average: number}; errors: number; timeouts: number; non2xx: number};
	function autocannon(options: Options): Promise<Result>;
	export default autocannon;
}
