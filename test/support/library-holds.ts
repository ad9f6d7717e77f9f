import { randomUUID } from 'node:crypto';
import type { CommandInvocation, CommandMiddleware } from '../../src/core/commands/command-middleware.js';
import { ServiceUnavailableError } from '../../src/core/errors.js';
import type { EventEnvelope } from '../../src/core/eventstore/event-envelope.js';
import { readCheckpoint } from '../../src/core/projections/checkpoint.js';
import { processManagerId } from '../../src/core/projections/keys.js';
import type { RedisClient } from '../../src/core/redis/client.js';
import type { CoreNode } from './core-node.js';
import type { LibraryServices } from './library/library-services.js';
import { catalogueTitle } from './library-commands.js';
import { waitFor } from './wait-for.js';

/* What the hold desk's tests do with the library: titles, holds, and watching the desk work. */

type LibraryNode = CoreNode<LibraryServices>;

/** A fresh title with `copies` copies; its id. */
export const cataloguedTitle = async (node: LibraryNode, copies: number): Promise<string> => {
  const titleId = randomUUID();
  await node.services.handle(catalogueTitle(titleId, copies));
  return titleId;
};

/** A member places a hold on the title; the hold's id, and where its HoldPlaced landed. */
export const placeHold = async (node: LibraryNode, titleId: string, memberId = 'member-1') => {
  const holdId = randomUUID();
  const receipt = await node.services.handleHold({ type: 'PlaceHold', data: { holdId, titleId, memberId } });
  return { holdId, position: BigInt(receipt.position) };
};

/** The hold's events once the desk settled it (fulfilled or cancelled). */
export const settledHold = (node: LibraryNode, holdId: string, timeoutMs = 10_000) =>
  waitFor(
    `hold ${holdId} to be settled`,
    async () => {
      const events = await node.services.holdEvents(holdId);
      return events.some((event) => event.type !== 'HoldPlaced') && events;
    },
    { timeoutMs },
  );

/** The CopyLent events of the title that answer the hold. */
export const loansFor = async (node: LibraryNode, titleId: string, holdId: string): Promise<EventEnvelope[]> =>
  (await node.services.titleEvents(titleId)).filter(
    (event) => event.type === 'CopyLent' && event.data.holdId === holdId,
  );

/** The process manager's stored checkpoint. */
export const storedCheckpoint = (redis: RedisClient, name: string): Promise<bigint | undefined> =>
  readCheckpoint(redis, processManagerId(name));

/** Waits until the process manager's stored checkpoint is at or past `position`. */
export const checkpointReaches = (redis: RedisClient, name: string, position: bigint) =>
  waitFor(`process manager ${name} to checkpoint ${position}`, async () => {
    const checkpoint = await storedCheckpoint(redis, name);
    return checkpoint !== undefined && checkpoint >= position;
  });

/** Whether a process manager sent the command (its request names it as the user). */
const fromProcessManager = (command: CommandInvocation): boolean =>
  command.request.userId?.startsWith('process-manager:') === true;

/** What a process manager's command was answered with, as an `after` middleware saw it. */
export interface SeenReceipt {
  readonly type: string;
  readonly commandId: string;
  readonly repeated: boolean;
}

/** Records the receipt of every command a process manager sends through the pipeline it is on. */
export const receiptRecorder = () => {
  const seen: SeenReceipt[] = [];
  const middleware: CommandMiddleware = {
    name: 'process-manager-receipts',
    after: (command, settled) => {
      if (!fromProcessManager(command) || !settled.ok) return;
      seen.push({
        type: command.type,
        commandId: String(command.metadata?.commandId),
        repeated: settled.receipt.repeated,
      });
    },
  };
  return { middleware, seen };
};

/**
 * A dependency of the pipeline that is away: refuses process managers' commands of `type` with
 * ServiceUnavailableError, the first `times` sends of each command id, as a middleware whose
 * store is down would.
 */
export const unavailableFor = (type: string, times: number) => {
  const refusals = new Map<string, number>();
  const middleware: CommandMiddleware = {
    name: 'unavailable-dependency',
    before: (command) => {
      if (command.type !== type || !fromProcessManager(command)) return undefined;
      const id = String(command.commandId);
      const refused = refusals.get(id) ?? 0;
      if (refused >= times) return undefined;
      refusals.set(id, refused + 1);
      throw new ServiceUnavailableError(`the ${type} dependency is away`);
    },
  };
  return { middleware, refusals };
};
