import type { ServerReadableStream, sendUnaryData } from '@grpc/grpc-js';
import { InvalidArgumentError, WrongExpectedVersionError } from '../streams/errors.js';
import type { ExpectedRevision } from '../streams/expected-revision.js';
import type { LocalEventStore } from '../streams/local-event-store.js';
import type { ProposedEvent, WriteResult } from '../streams/stream-writer.js';
import { shared, streams } from './generated.js';
import { AppendSizeBudget, proposedEventOf } from './proposed-events.js';
import { expectedRevisionOf, streamNameOf } from './request-fields.js';
import { toServiceError } from './service-errors.js';

type AppendCall = ServerReadableStream<streams.AppendReq, streams.AppendResp>;

const readOptions = (message: streams.AppendReq) => {
  const options = message.getOptions();
  if (!options) throw new InvalidArgumentError('an append must begin with its options');
  const expected = expectedRevisionOf(options, { has: options.hasRevision(), value: () => options.getRevision() });
  return { streamId: streamNameOf(options.getStreamIdentifier()), expected };
};

/** A successful append: the stream's revision now and where its last event sits in $all. */
export const appendSuccess = (result: WriteResult): streams.AppendResp => {
  const success = new streams.AppendResp.Success();
  if (result.revision < 0) success.setNoStream(new shared.Empty());
  else success.setCurrentRevision(String(result.revision));
  if (result.position === undefined) {
    success.setNoPosition(new shared.Empty());
  } else {
    const position = new streams.AppendResp.Position();
    position.setCommitPosition(String(result.position));
    position.setPreparePosition(String(result.position));
    success.setPosition(position);
  }
  return new streams.AppendResp().setSuccess(success);
};

/**
 * Append answers a wrong expected version in its response, not as an error status: the client
 * reads it from there (and throws, or returns `success: false`, as it was configured).
 */
const wrongExpectedVersion = (expected: ExpectedRevision, actual: number): streams.AppendResp => {
  const wrong = new streams.AppendResp.WrongExpectedVersion();
  if (actual < 0) wrong.setCurrentNoStream(new shared.Empty());
  else wrong.setCurrentRevision(String(actual));
  if (expected === 'any') wrong.setExpectedAny(new shared.Empty());
  else if (expected === 'no_stream') wrong.setExpectedNoStream(new shared.Empty());
  else if (expected === 'stream_exists') wrong.setExpectedStreamExists(new shared.Empty());
  else wrong.setExpectedRevision(String(expected));
  return new streams.AppendResp().setWrongExpectedVersion(wrong);
};

const collect = async (call: AppendCall) => {
  let options: ReturnType<typeof readOptions> | undefined;
  const events: ProposedEvent[] = [];
  const budget = new AppendSizeBudget();
  for await (const message of call as AsyncIterable<streams.AppendReq>) {
    if (options === undefined) {
      options = readOptions(message);
      continue;
    }
    const proposed = message.getProposedMessage();
    if (!proposed) throw new InvalidArgumentError('an append carries its options once, then proposed messages only');
    const event = proposedEventOf(proposed);
    budget.add(event);
    events.push(event);
  }
  if (options === undefined) throw new InvalidArgumentError('an append must begin with its options');
  return { ...options, events };
};

/** `Streams.Append`: options, then the events, then one answer once they are durable. */
export const handleAppend =
  (store: LocalEventStore) =>
  (call: AppendCall, callback: sendUnaryData<streams.AppendResp>): void => {
    let expected: ExpectedRevision = 'any';
    collect(call)
      .then((request) => {
        expected = request.expected;
        return store.writer.append(request.streamId, request.expected, request.events);
      })
      .then(
        (result) => callback(null, appendSuccess(result)),
        (error: unknown) => {
          if (error instanceof WrongExpectedVersionError) callback(null, wrongExpectedVersion(expected, error.actual));
          else callback(toServiceError(error, 'Append'));
        },
      );
  };
