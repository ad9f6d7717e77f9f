import {
  hIncrBy,
  hSet,
  type KeySpace,
  notify,
  type Projection,
  positionToken,
  type RedisClient,
  type RedisOp,
} from '../../../../src/core/index.js';
import { libraryEventDecoders } from '../event-decoders.js';
import { type LibraryEvent, libraryEventTypes, type RecordedLibraryEvent } from '../events.js';

/*
 * The keyed record: one hash per title, `title:<id>`, with its name, copies, how many are out,
 * how many times a copy was ever lent, and the revision and position of the last change. Each
 * change is announced on topic `title:<id>` with the fields it set, as JSON. `timesLent` is an
 * increment, not a value set: applied twice it would count twice, which is what lets a test see
 * that every event was applied exactly once.
 */

export interface ShelfEntry {
  readonly titleId: string;
  readonly name: string;
  readonly copies: number;
  readonly onLoan: number;
  readonly timesLent: number;
  readonly revision: number;
  readonly position: bigint;
}

export const shelfKey = (titleId: string): string => `title:${titleId}`;
export const shelfTopic = shelfKey;

const changed = (event: RecordedLibraryEvent, fields: Readonly<Record<string, string | number>>): RedisOp[] => {
  const set = { ...fields, revision: Number(event.revision), position: positionToken(event.position) };
  return [hSet(shelfKey(event.data.titleId), set), notify(shelfTopic(event.data.titleId), JSON.stringify(set))];
};

const project = (event: RecordedLibraryEvent): readonly RedisOp[] => {
  switch (event.type) {
    case 'TitleCatalogued': {
      const { titleId, name, copies } = event.data;
      return changed(event, { titleId, name, copies, onLoan: 0 });
    }
    case 'CopyLent':
      return [
        ...changed(event, { onLoan: event.data.onLoanAfter }),
        hIncrBy(shelfKey(event.data.titleId), 'timesLent', 1),
      ];
    case 'CopyReturned':
      return changed(event, { onLoan: event.data.onLoanAfter });
    default:
      return ignore(event);
  }
};

const ignore = (_event: never): readonly RedisOp[] => [];

export const shelfProjection: Projection<LibraryEvent> = {
  name: 'library-shelf',
  version: 1,
  events: libraryEventDecoders,
  handles: libraryEventTypes,
  project,
};

/** The title as the read model holds it; undefined before it is catalogued (or projected). */
export const readShelfEntry = async (
  redis: RedisClient,
  space: KeySpace | undefined,
  titleId: string,
): Promise<ShelfEntry | undefined> => {
  if (space === undefined) return undefined;
  const { name, copies, onLoan, timesLent, revision, position } = await redis.hGetAll(space.key(shelfKey(titleId)));
  if (name === undefined || position === undefined) return undefined;
  return {
    titleId,
    name,
    copies: Number(copies),
    onLoan: Number(onLoan),
    timesLent: Number(timesLent ?? 0),
    revision: Number(revision),
    position: BigInt(position),
  };
};
