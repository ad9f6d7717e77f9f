import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { InvalidArgumentError } from '../streams/errors.js';
import type { ExpectedRevision } from '../streams/expected-revision.js';
import type { LocalEventStore } from '../streams/local-event-store.js';
import type { WriteResult } from '../streams/stream-writer.js';
import { shared, streams } from './generated.js';
import { expectedRevisionOf, streamNameOf } from './request-fields.js';
import { toServiceError } from './service-errors.js';

/** Where the deletion was recorded in $all, in the shape both responses share. */
const withPosition = <Response extends streams.DeleteResp | streams.TombstoneResp>(
  response: Response,
  position: streams.DeleteResp.Position | streams.TombstoneResp.Position,
  result: WriteResult,
): Response => {
  if (result.position === undefined) return response.setNoPosition(new shared.Empty()) as Response;
  position.setCommitPosition(String(result.position)).setPreparePosition(String(result.position));
  return (response as streams.DeleteResp).setPosition(position as streams.DeleteResp.Position) as Response;
};

/** What DeleteReq's and TombstoneReq's options have in common. */
interface DeletionOptions {
  getStreamIdentifier(): shared.StreamIdentifier | undefined;
  hasRevision(): boolean;
  getRevision(): string;
  hasAny(): boolean;
  hasNoStream(): boolean;
  hasStreamExists(): boolean;
}

/** A unary deletion RPC: read the stream and expectation, run the deletion, answer its position. */
const deletion =
  <Request extends { getOptions(): DeletionOptions | undefined }, Response>(
    operation: 'Delete' | 'Tombstone',
    run: (streamId: string, expected: ExpectedRevision) => Promise<WriteResult>,
    answer: (result: WriteResult) => Response,
  ) =>
  (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>): void => {
    Promise.resolve()
      .then(() => {
        const options = call.request.getOptions();
        if (!options) throw new InvalidArgumentError(`${operation} options are required`);
        const expected = expectedRevisionOf(options, {
          has: options.hasRevision(),
          value: () => options.getRevision(),
        });
        return run(streamNameOf(options.getStreamIdentifier()), expected);
      })
      .then(
        (result) => callback(null, answer(result)),
        (error: unknown) => callback(toServiceError(error, operation)),
      );
  };

/** `Streams.Delete`: a soft delete; reads say not found until the stream is written again. */
export const handleDelete = (store: LocalEventStore) =>
  deletion<streams.DeleteReq, streams.DeleteResp>(
    'Delete',
    (streamId, expected) => store.writer.delete(streamId, expected),
    (result) => withPosition(new streams.DeleteResp(), new streams.DeleteResp.Position(), result),
  );

/** `Streams.Tombstone`: a hard delete; the stream can never be read or written again. */
export const handleTombstone = (store: LocalEventStore) =>
  deletion<streams.TombstoneReq, streams.TombstoneResp>(
    'Tombstone',
    (streamId, expected) => store.writer.tombstone(streamId, expected),
    (result) => withPosition(new streams.TombstoneResp(), new streams.TombstoneResp.Position(), result),
  );
