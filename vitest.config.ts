import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		testTimeout: 60_000,
		hookTimeout: 60_000,
		// Lab runs bind loopback ports, read /proc and signal process groups; on a
		// 2-core machine running them side by side makes timings meaningless.
		fileParallelism: false,
		// Concurrent tests (the lab suite) run at most three at a time; two in CI,
		// whose shared runners are busier (each run is a tree of tsx processes).
		maxConcurrency: process.env.CI ? 2 : 3,
		reporters: ['default', './test/summary-reporter.ts'],
	},
});
