import {
  addLogOrdered,
  type KeySpace,
  type LogOrderedRange,
  notify,
  type Projection,
  parsePositionToken,
  positionToken,
  type RedisClient,
  type RedisOp,
  readLogOrdered,
} from '../../../../src/core/index.js';
import { libraryEventDecoders } from '../event-decoders.js';
import type { LibraryEvent, RecordedLibraryEvent } from '../events.js';

/*
 * The log-ordered list: every lending and return as a record that never changes once written,
 * per title (`title:<id>`) and per member (`member:<id>`), in log order, the record itself the
 * payload. Each is announced with the same JSON on topic `title:<id>`: the live feed's source.
 */

export type LoanRecordKind = 'LENT' | 'RETURNED';

export interface LoanRecord {
  readonly eventId: string;
  readonly kind: LoanRecordKind;
  readonly titleId: string;
  readonly loanId: string;
  readonly memberId: string;
  readonly onLoanAfter: number;
  readonly position: bigint;
}

export const titleCirculationKey = (titleId: string): string => `title:${titleId}`;
export const memberCirculationKey = (memberId: string): string => `member:${memberId}`;
export const circulationTopic = titleCirculationKey;

type LoanChanged = Extract<RecordedLibraryEvent, { type: 'CopyLent' | 'CopyReturned' }>;

const recorded = (event: LoanChanged, kind: LoanRecordKind): readonly RedisOp[] => {
  // The record keeps the loan's facts; when it happened is its place in the log.
  const { at: _at, ...loan } = event.data;
  const record = JSON.stringify({ eventId: event.id, kind, ...loan, position: positionToken(event.position) });
  return [
    addLogOrdered(titleCirculationKey(loan.titleId), event.position, record),
    addLogOrdered(memberCirculationKey(loan.memberId), event.position, record),
    notify(circulationTopic(loan.titleId), record),
  ];
};

const kinds: Readonly<Record<LoanChanged['type'], LoanRecordKind>> = { CopyLent: 'LENT', CopyReturned: 'RETURNED' };

const isLoanChange = (event: RecordedLibraryEvent): event is LoanChanged => event.type in kinds;

export const circulationProjection: Projection<LibraryEvent> = {
  name: 'library-circulation',
  version: 1,
  events: libraryEventDecoders,
  handles: ['CopyLent', 'CopyReturned'],
  project: (event) => (isLoanChange(event) ? recorded(event, kinds[event.type]) : []),
};

/** The record a stored entry or a message holds, or undefined if it is not one. */
export const decodeLoanRecord = (json: string): LoanRecord | undefined => {
  let parsed: Omit<LoanRecord, 'position'> & { readonly position?: unknown };
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  const position = typeof parsed.position === 'string' ? parsePositionToken(parsed.position) : undefined;
  return position === undefined ? undefined : { ...parsed, position };
};

/**
 * A title's loan records, or a member's, in the order and from the place `range` says. A record's
 * sort key is `logSortKey(record.position)`, which is how a reader resumes after it.
 */
export const readCirculation = async (
  redis: RedisClient,
  space: KeySpace | undefined,
  of: { readonly titleId: string } | { readonly memberId: string },
  range: LogOrderedRange,
): Promise<LoanRecord[]> => {
  const key = 'titleId' in of ? titleCirculationKey(of.titleId) : memberCirculationKey(of.memberId);
  const entries = await readLogOrdered(redis, space, key, range);
  return entries.map(({ payload }) => decodeLoanRecord(payload)).filter((record) => record !== undefined);
};
