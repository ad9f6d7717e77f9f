import { eventSizeOnDisk, MAX_APPEND_SIZE } from '../streams/append-size.js';
import { MaximumAppendSizeExceededError } from '../streams/errors.js';
import type { ProposedEvent } from '../streams/stream-writer.js';
import type { shared } from './generated.js';
import { uuidOf } from './request-fields.js';
import { requiredMetadataMissing } from './service-errors.js';

/** What Append's and BatchAppend's proposed messages have in common. */
interface ProposedMessage {
  getId(): shared.UUID | undefined;
  getMetadataMap(): { get(key: string): string | undefined };
  getData_asU8(): Uint8Array;
  getCustomMetadata_asU8(): Uint8Array;
}

/** A proposed event's fields, however its request was decoded. */
export interface ProposedFields {
  readonly type: string | undefined;
  readonly contentType: string | undefined;
  /** Read only once the required metadata is known to be there (checks go in that order). */
  readonly eventId: () => string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

/** A proposed event as the writer takes it; throws the client-facing error for a malformed one. */
export const proposedEvent = ({ type, contentType, eventId, data, metadata }: ProposedFields): ProposedEvent => {
  if (type === undefined) throw requiredMetadataMissing('type');
  if (contentType === undefined) throw requiredMetadataMissing('content-type');
  return { eventId: eventId(), type, isJson: contentType === 'application/json', data, metadata };
};

/** A proposed message of Append's (decoded by the generated code) as the writer takes it. */
export const proposedEventOf = (message: ProposedMessage): ProposedEvent => {
  const metadata = message.getMetadataMap();
  return proposedEvent({
    type: metadata.get('type'),
    contentType: metadata.get('content-type'),
    eventId: () => uuidOf(message.getId()),
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  });
};

/**
 * Adds up an append's events as EventStoreDB does and stops the request as soon as they pass
 * the limit, before the rest of a huge append has to be held in memory.
 */
export class AppendSizeBudget {
  #used = 0;

  add(event: ProposedEvent): void {
    this.#used += eventSizeOnDisk(event.type, event.data.byteLength, event.metadata.byteLength);
    if (this.#used > MAX_APPEND_SIZE) throw new MaximumAppendSizeExceededError(MAX_APPEND_SIZE);
  }
}
