import type { EventEnvelope } from '../eventstore/event-envelope.js';
import { defaultFailurePolicy, type FailurePolicy, failurePolicy } from './failure-policy.js';
import type { Projection } from './projection.js';

/** A category is what precedes a stream name's first `-` (`account` in `account-42`). */
const validCategory = /^[A-Za-z0-9_.]+$/;

/**
 * Which events reach a projection's handler: those of a type it handles and, when it names a
 * stream category, of a stream in it. The runner moves the checkpoint past the rest, and the
 * status counts only these as lag. Throws on a category no stream name could have.
 */
export const eventScope = (
  projection: Pick<Projection, 'name' | 'handles' | 'streamCategory'>,
): ((event: Pick<EventEnvelope, 'type' | 'streamName'>) => boolean) => {
  const types = new Set<string>(projection.handles);
  const category = projection.streamCategory;
  if (category === undefined) return (event) => types.has(event.type);
  if (!validCategory.test(category)) {
    throw new TypeError(
      `projection ${projection.name}: stream category ${JSON.stringify(category)} must match ${validCategory}`,
    );
  }
  const prefix = `${category}-`;
  return (event) => types.has(event.type) && event.streamName.startsWith(prefix);
};

/** The projection's failure policy, or the default; checked, so a bad one fails at start-up. */
export const failurePolicyOf = (projection: Pick<Projection, 'failurePolicy'>): FailurePolicy =>
  failurePolicy(projection.failurePolicy ?? defaultFailurePolicy);
