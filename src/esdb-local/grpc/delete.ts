import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
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

/** `Streams.Delete`: a soft delete; reads say not found until the stream is written again. */
export const handleDelete =
  (store: LocalEventStore) =>
  (call: ServerUnaryCall<streams.DeleteReq, streams.DeleteResp>, callback: sendUnaryData<streams.DeleteResp>) => {
    Promise.resolve()
      .then(() => {
        const options = call.request.getOptions()!;
        const expected = expectedRevisionOf(options, {
          has: options.hasRevision(),
          value: () => options.getRevision(),
        });
        return store.writer.delete(streamNameOf(options.getStreamIdentifier()), expected);
      })
      .then(
        (result) => callback(null, withPosition(new streams.DeleteResp(), new streams.DeleteResp.Position(), result)),
        (error: unknown) => callback(toServiceError(error, 'Delete')),
      );
  };

/** `Streams.Tombstone`: a hard delete; the stream can never be read or written again. */
export const handleTombstone =
  (store: LocalEventStore) =>
  (
    call: ServerUnaryCall<streams.TombstoneReq, streams.TombstoneResp>,
    callback: sendUnaryData<streams.TombstoneResp>,
  ) => {
    Promise.resolve()
      .then(() => {
        const options = call.request.getOptions()!;
        const expected = expectedRevisionOf(options, {
          has: options.hasRevision(),
          value: () => options.getRevision(),
        });
        return store.writer.tombstone(streamNameOf(options.getStreamIdentifier()), expected);
      })
      .then(
        (result) =>
          callback(null, withPosition(new streams.TombstoneResp(), new streams.TombstoneResp.Position(), result)),
        (error: unknown) => callback(toServiceError(error, 'Tombstone')),
      );
  };
