import type { Client, TypedDocumentNode } from '@urql/core';

/*
 * A subscription that outlives its connection. Each item it receives carries a `position` in the
 * global log; when the subscription ends with an error (the connection dropped, the server was
 * restarting, Redis was away) it subscribes again with `since` set to the last position it
 * received, so the server sends what was missed, oldest first, then live changes: nothing twice,
 * nothing lost (README, "Resuming with `since`").
 */

export interface LiveFeed {
  stop(): void;
}

/** A subscription's variables: whatever it takes, and `since`. */
export type Resumable = { readonly since?: string | null | undefined };

/** A subscription's result: one root field, whose value has a position. */
export type Positioned<Field extends string> = { readonly [F in Field]: { readonly position: string } };

export interface FollowOptions<Field extends string, Data extends Positioned<Field>, Variables extends Resumable> {
  readonly client: Client;
  readonly document: TypedDocumentNode<Data, Variables>;
  /** The variables besides `since`. */
  readonly variables: Omit<Variables, 'since'>;
  /** Where to start: what the client has already seen; undefined for live changes only. */
  readonly since: string | undefined;
  /** The subscription's root field. */
  readonly field: Field;
  readonly onItem: (item: Data[Field]) => void;
  /** Told of each error the feed meets (it subscribes again after it). */
  readonly onError?: (message: string) => void;
}

const firstRetryMs = 250;
const longestRetryMs = 2_000;

export const follow = <Field extends string, Data extends Positioned<Field>, Variables extends Resumable>(
  options: FollowOptions<Field, Data, Variables>,
): LiveFeed => {
  let since = options.since;
  let failures = 0;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let current: { unsubscribe(): void } | undefined;

  const subscribe = (): void => {
    current = options.client
      .subscription(options.document, { ...options.variables, since } as Variables)
      .subscribe((result) => {
        if (stopped) return;
        if (result.error) {
          options.onError?.(result.error.message);
          current?.unsubscribe();
          current = undefined;
          const wait = Math.min(longestRetryMs, firstRetryMs * 2 ** failures);
          failures += 1;
          retry = setTimeout(subscribe, wait);
          return;
        }
        if (result.data === undefined) return;
        failures = 0;
        const item = result.data[options.field];
        since = item.position;
        options.onItem(item);
      });
  };

  subscribe();
  return {
    stop() {
      stopped = true;
      clearTimeout(retry);
      current?.unsubscribe();
    },
  };
};
