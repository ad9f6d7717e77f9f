import type { EventStoreClient } from '../eventstore/client.js';
import { type PositionToken, positionToken } from '../eventstore/positions.js';
import { readEventEnvelopes } from '../eventstore/read-stream.js';
import type { FoldedStream } from './aggregate-cache.js';
import type { BatchDecision } from './batch-decision.js';

/** What a handled command tells its caller: where its events landed. */
export interface CommandReceipt {
  readonly streamName: string;
  /** The stream's revision after the command (its last event's revision). */
  readonly streamRevision: bigint;
  /** Where the command's last event sits in $all (for an idempotent repeat, where it sat then). */
  readonly position: PositionToken;
  /** True when the command had been handled before and nothing new was written. */
  readonly repeated: boolean;
}

/** One command's answer: a result, or the error it is refused with. */
export type CommandAnswer = { readonly result: CommandReceipt } | { readonly error: unknown };

export interface BatchOutcomes {
  /** One per command of the batch, in order. */
  readonly answers: readonly CommandAnswer[];
  /** Where each command's last event landed, by event id. */
  readonly positions: ReadonlyMap<string, bigint>;
}

/**
 * Each command's answer once the batch's events are stored (or it appended nothing). The append
 * reports only where its last event landed; when several commands shared it, the positions of
 * the others are read back, so every command answers exactly where its own last event sits.
 */
export const batchOutcomes = async (
  client: EventStoreClient,
  streamName: string,
  folded: FoldedStream<unknown>,
  decision: BatchDecision,
  lastPosition: bigint | undefined,
): Promise<BatchOutcomes> => {
  const positions = new Map<string, bigint>();
  const last = decision.events.at(-1);
  if (last && lastPosition !== undefined) positions.set(last.id, lastPosition);
  if (decision.appendingCommands > 1) {
    const stored = await readEventEnvelopes(client, streamName, folded.revision + 1n);
    for (const event of stored) positions.set(event.id, event.position);
  }
  const firstRevision = folded.revision + 1n;
  const at = (eventIndex: number): bigint =>
    eventIndex < 0
      ? (folded.lastPosition ?? 0n)
      : (positions.get(decision.events[eventIndex]!.id) ?? lastPosition ?? 0n);
  const written = (eventIndex: number): CommandReceipt => ({
    streamName,
    streamRevision: eventIndex < 0 ? folded.revision : firstRevision + BigInt(eventIndex),
    position: positionToken(at(eventIndex)),
    repeated: false,
  });
  const answers = decision.outcomes.map((outcome): CommandAnswer => {
    switch (outcome.kind) {
      case 'refused':
        return { error: outcome.error };
      case 'repeated':
        return { result: { ...outcome.result, streamName } };
      case 'appended':
        return { result: written(outcome.lastEvent) };
      default:
        // Nothing new: the stream as the commands before it in the batch left it.
        return { result: written(outcome.afterEvent) };
    }
  });
  return { answers, positions };
};
