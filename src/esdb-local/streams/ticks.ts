/** .NET ticks (100 ns) per millisecond; EventStoreDB reports creation times in ticks since the Unix epoch. */
export const TICKS_PER_MILLISECOND = 10_000n;

/** Now, in ticks since the Unix epoch. */
export const nowInTicks = (): bigint => BigInt(Date.now()) * TICKS_PER_MILLISECOND;
