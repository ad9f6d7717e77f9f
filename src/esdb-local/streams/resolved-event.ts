import type { EventRecord } from '../storage/storage.js';

/**
 * An event as reads and subscriptions deliver it. Reached through a link (`$>`) with link
 * resolution on, `event` is the target and `link` the link; a link whose target is gone has
 * no `event`. Otherwise `event` is the record itself.
 */
export interface ResolvedEvent {
  readonly event: EventRecord | undefined;
  readonly link: EventRecord | undefined;
}

/** The record that was actually read: the link if there is one, else the event. */
export const originalRecord = (resolved: ResolvedEvent): EventRecord => (resolved.link ?? resolved.event)!;

export const unresolved = (record: EventRecord): ResolvedEvent => ({ event: record, link: undefined });
