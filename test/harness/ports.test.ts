/**
Port blocks (cli/harness/ports.ts): a run holds PORT_BLOCK ports, all free when
taken, and no other pick lands in them until it releases the block. Randomness
is pinned so that the second pick aims at the held block every time.
*/
import net from 'node:net';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {pickFreePort, PORT_BLOCK, reservePortBlock} from '../../cli/harness/ports.js';

afterEach(() => {
	vi.restoreAllMocks();
});

function bindable(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen({host: '127.0.0.1', port, exclusive: true}, () => server.close(() => resolve(true)));
	});
}

/** Reserve a block chosen at random, with Math.random pinned at its middle; another run may hold one, so try a few. */
async function reserveAimed(blocks: number): Promise<{port: number; release: () => void}> {
	for (let attempt = 0; ; attempt++) {
		const index = Math.floor(Math.random() * blocks);
		const spy = vi.spyOn(Math, 'random').mockReturnValue((index + 0.5) / blocks);
		try {
			return await reservePortBlock();
		} catch (error) {
			spy.mockRestore();
			if (attempt === 9) throw error;
		}
	}
}

describe('port blocks', () => {
	it('gives a block of free ports, which no other pick lands in until it is released', async () => {
		// Aim at the middle of a block, so that a port pick (which spreads the
		// same number over the range port by port) lands in it too: a number at
		// a block's very start sent the port pick into the block before it.
		const blocks = Math.floor((32_767 - 20_000 + 1) / PORT_BLOCK);
		const block = await reserveAimed(blocks);
		try {
			expect((block.port - 20_000) % PORT_BLOCK).toBe(0);
			for (let offset = 0; offset < PORT_BLOCK; offset++) expect(await bindable(block.port + offset)).toBe(true);
			// The same random numbers aim at the held block, 50 times: every try is refused.
			await expect(reservePortBlock()).rejects.toThrow(/no free block/);
			await expect(pickFreePort()).rejects.toThrow(/no free port/);
		} finally {
			block.release();
		}
		const again = await reservePortBlock();
		expect(again.port).toBe(block.port);
		again.release();
	});
});
