/**
Hop-by-hop headers (RFC 9110, section 7.6.1): they describe one connection,
so a proxy must not pass them on, in either direction. For checks of anything
that stands between a client and a server (a Node proxy, nginx).
*/

/** Always hop-by-hop, whatever Connection says; plus every Proxy-* header. */
export const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate'];

/**
Headers a checker sends through a proxy to see which come out the other side:
hop-by-hop ones, each with a marker value that the next hop's own headers of the
same name would never carry, a custom header that Connection names (so hop-by-hop
by declaration), and one end-to-end header that must arrive.
*/
export function hopProbeHeaders(side: string): {send: Record<string, string>; named: string; endToEnd: string; marker: string} {
	const named = `x-${side}-hop`;
	const marker = `${side}-marker-93`;
	return {
		send: {
			connection: `keep-alive, ${named}`,
			[named]: marker,
			'keep-alive': `timeout=9, max=93, ${marker}`,
			te: 'trailers',
			upgrade: `h2c-${marker}`,
			'proxy-authorization': `Basic ${marker}`,
			'proxy-connection': `keep-alive, ${marker}`,
			[`x-${side}-end-to-end`]: 'kept',
		},
		named,
		endToEnd: `x-${side}-end-to-end`,
		marker,
	};
}

/**
The hop-by-hop headers (by name) that arrived on the far side although they
should have stopped at the proxy: any header named in `named` (what the sender's
Connection header listed), any Proxy-* header, and any header whose value still
carries one of `markers` (the next hop adds its own Connection and Keep-Alive,
which is right; passing the sender's on is not). `received` maps names to values.
*/
export function leakedHopHeaders(received: Record<string, string | string[] | undefined>, named: readonly string[], markers: readonly string[] = []): string[] {
	const leaked: string[] = [];
	for (const [name, raw] of Object.entries(received)) {
		if (raw === undefined) continue;
		const value = Array.isArray(raw) ? raw.join(', ') : raw;
		const lower = name.toLowerCase();
		const connectionNames = lower === 'connection' && named.some(hop => value.toLowerCase().split(',').map(part => part.trim()).includes(hop));
		if (named.includes(lower) || lower.startsWith('proxy-') || markers.some(marker => value.includes(marker)) || connectionNames) leaked.push(`${lower}: ${value}`);
	}
	return leaked;
}
