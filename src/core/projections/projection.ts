import type { FailurePolicy } from './failure-policy.js';

/**
 * What a read model declares: which events it wants and, for each, the Redis writes and change
 * notifications that follow. Handlers are pure: `(event) => RedisOp[]`, no client, no clock,
 * so they are unit-testable as data. The projection runner commits a batch's ops together with
 * the projection's checkpoint in one Lua script (commit-script.ts), which also publishes the
 * notifications.
 */

import type { DomainEvent } from '../decider.js';
import type { EventDecoders, Recorded } from '../event-decoders.js';

/**
 * One Redis write, as plain data. Keys are logical (`account:42`): the runner places them in the
 * projection's key space (name and version), so a rebuild can write a fresh copy beside the live one.
 */
export type RedisOp =
  | { readonly kind: 'set'; readonly key: string; readonly value: string }
  | { readonly kind: 'del'; readonly key: string }
  | { readonly kind: 'incrBy'; readonly key: string; readonly by: number }
  | { readonly kind: 'hSet'; readonly key: string; readonly fields: Readonly<Record<string, string | number>> }
  | { readonly kind: 'hIncrBy'; readonly key: string; readonly field: string; readonly by: number }
  | { readonly kind: 'hDel'; readonly key: string; readonly field: string }
  | { readonly kind: 'zAdd'; readonly key: string; readonly score: number; readonly member: string }
  | { readonly kind: 'zRem'; readonly key: string; readonly member: string }
  | { readonly kind: 'sAdd'; readonly key: string; readonly member: string }
  | { readonly kind: 'sRem'; readonly key: string; readonly member: string }
  | { readonly kind: 'lPush'; readonly key: string; readonly value: string }
  /** Published by the commit script after the batch's writes, on a channel of the projection's topic space. */
  | {
      readonly kind: 'notify';
      readonly topic: string;
      readonly message: string;
      /** Set by the runner, never by a handler: the causing event's trace context, when tracing. */
      readonly traceparent?: string;
    };

/** A read model. Bump `version` when `project` changes meaning: the runner rebuilds it beside the old one. */
export interface Projection<Event extends DomainEvent = DomainEvent> {
  readonly name: string;
  readonly version: number;
  /**
   * Its context's event decoders: the runner decodes each event it hands over through them, so
   * `project` sees the current shape whatever version was stored, and never an event newer
   * code wrote in a version this code does not know (it is passed over like an unhandled type).
   */
  readonly events: EventDecoders<Event>;
  /** Event types this projection handles; the runner hands it these only, and moves its checkpoint past the rest. */
  readonly handles: readonly Event['type'][];
  readonly project: (event: Recorded<Event>) => readonly RedisOp[];
  /**
   * What the runner does when `project` (or the commit of its ops) keeps failing on an event:
   * retries, then park the event and go on, or halt the projection at it. Default:
   * `defaultFailurePolicy` (5 attempts, then park). Build one with `failurePolicy({...})`.
   */
  readonly failurePolicy?: FailurePolicy;
  /**
   * Only events of streams in this category (`'account'`: streams `account-*`) reach `project`;
   * the checkpoint moves past the others. Default: every stream.
   */
  readonly streamCategory?: string;
}

export const set = (key: string, value: string): RedisOp => ({ kind: 'set', key, value });
export const del = (key: string): RedisOp => ({ kind: 'del', key });
export const incrBy = (key: string, by: number): RedisOp => ({ kind: 'incrBy', key, by });
export const hSet = (key: string, fields: Readonly<Record<string, string | number>>): RedisOp => ({
  kind: 'hSet',
  key,
  fields,
});
export const hIncrBy = (key: string, field: string, by: number): RedisOp => ({ kind: 'hIncrBy', key, field, by });
export const hDel = (key: string, field: string): RedisOp => ({ kind: 'hDel', key, field });
export const zAdd = (key: string, score: number, member: string): RedisOp => ({ kind: 'zAdd', key, score, member });
export const zRem = (key: string, member: string): RedisOp => ({ kind: 'zRem', key, member });
export const sAdd = (key: string, member: string): RedisOp => ({ kind: 'sAdd', key, member });
export const sRem = (key: string, member: string): RedisOp => ({ kind: 'sRem', key, member });
export const lPush = (key: string, value: string): RedisOp => ({ kind: 'lPush', key, value });
export const notify = (topic: string, message: string): RedisOp => ({ kind: 'notify', topic, message });
