import type { ServerWritableStream } from '@grpc/grpc-js';
import type { ReadDirection } from '../storage/storage.js';
import { StreamDeletedError } from '../streams/errors.js';
import { compileFilter, type EventFilter } from '../streams/event-filter.js';
import type { LocalEventStore } from '../streams/local-event-store.js';
import type { ResolvedEvent } from '../streams/resolved-event.js';
import type { ReadOrigin } from '../streams/stream-reader.js';
import type { SubscriptionMessage } from '../streams/subscription.js';
import { encodeEventResponse } from './event-encoding.js';
import { streams } from './generated.js';
import { streamNameOf, uint64 } from './request-fields.js';
import { toServiceError } from './service-errors.js';

/** Read responses go out as pre-encoded bytes (events) or as messages (everything else). */
export type ReadResponse = streams.ReadResp | Buffer;
type ReadCall = ServerWritableStream<streams.ReadReq, ReadResponse>;

type Target = { readonly kind: 'stream'; readonly streamId: string; readonly from: ReadOrigin } | AllTarget;
interface AllTarget {
  readonly kind: 'all';
  readonly from: ReadOrigin;
}

/** How many events EventStoreDB scans per filter "window": a checkpoint interval counts these. */
const FILTER_WINDOW = 32;

const targetOf = (options: streams.ReadReq.Options): Target => {
  const stream = options.getStream();
  if (stream) {
    const streamId = streamNameOf(stream.getStreamIdentifier());
    const from = stream.hasRevision() ? uint64(stream.getRevision()) : stream.hasEnd() ? 'end' : 'start';
    return { kind: 'stream', streamId, from };
  }
  const all = options.getAll();
  const position = all?.getPosition();
  if (position) return { kind: 'all', from: uint64(position.getCommitPosition()) };
  return { kind: 'all', from: all?.hasEnd() ? 'end' : 'start' };
};

const filterOf = (options: streams.ReadReq.Options): { filter: EventFilter; checkpointEvery: number } | undefined => {
  const filter = options.getFilter();
  if (!filter) return undefined;
  const onStreams = filter.getStreamIdentifier();
  const expression = onStreams ?? filter.getEventType();
  const compiled = compileFilter({
    on: onStreams ? 'stream-name' : 'event-type',
    regex: expression?.getRegex() ?? '',
    prefixes: expression?.getPrefixList() ?? [],
  });
  const window = filter.hasMax() ? Math.max(1, filter.getMax()) : FILTER_WINDOW;
  return { filter: compiled, checkpointEvery: Math.max(1, filter.getCheckpointintervalmultiplier()) * window };
};

const waitForDrain = (call: ReadCall): Promise<boolean> =>
  new Promise((resolve) => {
    const done = (drained: boolean) => () => {
      call.off('drain', onDrain);
      call.off('cancelled', onGone);
      call.off('close', onGone);
      resolve(drained);
    };
    const onDrain = done(true);
    const onGone = done(false);
    call.once('drain', onDrain);
    call.once('cancelled', onGone);
    call.once('close', onGone);
  });

const isGone = (call: ReadCall): boolean => call.cancelled || call.destroyed || call.writableEnded;

/** Sends every event of a read, waiting whenever the client is slower than storage. */
const sendAll = async (call: ReadCall, events: Iterable<ResolvedEvent>, structuredIds: boolean): Promise<void> => {
  for (const event of events) {
    if (isGone(call)) return;
    if (!call.write(encodeEventResponse(event, structuredIds)) && !(await waitForDrain(call))) return;
  }
  if (!isGone(call)) call.end();
};

const streamNotFound = (options: streams.ReadReq.Options): streams.ReadResp =>
  new streams.ReadResp().setStreamNotFound(
    new streams.ReadResp.StreamNotFound().setStreamIdentifier(options.getStream()!.getStreamIdentifier()),
  );

const read = (store: LocalEventStore, call: ReadCall, options: streams.ReadReq.Options, target: Target) => {
  const direction: ReadDirection =
    options.getReadDirection() === streams.ReadReq.Options.ReadDirection.BACKWARDS ? 'backwards' : 'forwards';
  const readOptions = {
    from: target.from,
    direction,
    maxCount: uint64(options.getCount() || '0'),
    resolveLinks: options.getResolveLinks(),
  };
  const structuredIds = options.getUuidOption()?.hasStructured() ?? false;
  if (target.kind === 'all') {
    const filter = filterOf(options)?.filter;
    return sendAll(call, store.reader.readAll(readOptions, filter), structuredIds);
  }
  const outcome = store.reader.readStream(target.streamId, readOptions);
  if (outcome.kind === 'stream-deleted') throw new StreamDeletedError(target.streamId);
  if (outcome.kind === 'stream-not-found') {
    call.write(streamNotFound(options));
    call.end();
    return Promise.resolve();
  }
  return sendAll(call, outcome.events, structuredIds);
};

const subscriptionResponse = (message: SubscriptionMessage, structuredIds: boolean): ReadResponse => {
  switch (message.kind) {
    case 'event':
      return encodeEventResponse(message.event, structuredIds);
    case 'confirmation':
      return new streams.ReadResp().setConfirmation(
        new streams.ReadResp.SubscriptionConfirmation().setSubscriptionId(message.subscriptionId),
      );
    case 'checkpoint':
      return new streams.ReadResp().setCheckpoint(
        new streams.ReadResp.Checkpoint()
          .setCommitPosition(String(message.position))
          .setPreparePosition(String(message.position)),
      );
    case 'caught-up':
      return new streams.ReadResp().setCaughtUp(new streams.ReadResp.CaughtUp());
    case 'fell-behind':
      return new streams.ReadResp().setFellBehind(new streams.ReadResp.FellBehind());
  }
};

const subscribe = (store: LocalEventStore, call: ReadCall, options: streams.ReadReq.Options, target: Target) => {
  const structuredIds = options.getUuidOption()?.hasStructured() ?? false;
  const sink = {
    send: (message: SubscriptionMessage) => !isGone(call) && call.write(subscriptionResponse(message, structuredIds)),
    fail: (error: unknown) => {
      if (!isGone(call)) call.emit('error', toServiceError(error));
    },
  };
  const resolveLinks = options.getResolveLinks();
  // Subscriptions start after the revision or position given (exclusive), reads at it.
  const from = target.from as 'start' | 'end' | number;
  const subscription =
    target.kind === 'stream'
      ? store.subscribeToStream(target.streamId, sink, { from, resolveLinks })
      : store.subscribeToAll(sink, { from, resolveLinks, ...filterOf(options) });
  call.on('drain', () => subscription.resume());
  const stop = () => subscription.stop();
  call.on('cancelled', stop);
  call.on('close', stop);
  call.on('error', stop);
  subscription.start();
};

/**
 * `Streams.Read`: a read of a stream or of $all (ended when done), or, with subscription
 * options, a catch-up subscription that runs until the client cancels. Reads stream from
 * storage at the pace the client takes them (gRPC flow control), never all at once.
 */
export const handleRead =
  (store: LocalEventStore) =>
  (call: ReadCall): void => {
    try {
      const options = call.request.getOptions();
      if (!options) throw toServiceError(new Error('read options are required'));
      const target = targetOf(options);
      if (options.hasSubscription()) {
        subscribe(store, call, options, target);
        return;
      }
      read(store, call, options, target).catch((error: unknown) => {
        if (!isGone(call)) call.emit('error', toServiceError(error));
      });
    } catch (error) {
      call.emit('error', toServiceError(error));
    }
  };
