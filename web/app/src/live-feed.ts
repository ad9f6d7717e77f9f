import type { Client, TypedDocumentNode } from '@urql/core';

/*
 * Subscriptions that outlive their connection. One that ends with an error (the connection
 * dropped, the server was restarting, Redis was away) subscribes again, waiting a little longer
 * each time. A feed whose items carry a `position` in the global log subscribes again with
 * `since` set to the last position it received, so the server sends what was missed, oldest
 * first, then live changes: nothing twice, nothing lost (README, "Resuming with `since`").
 */

export interface LiveFeed {
  stop(): void;
}

const firstRetryMs = 250;
const longestRetryMs = 2_000;

/** Subscribes, and again after each error; `variables` is asked anew each time. */
export const keepSubscribed = <Data, Variables extends object>(
  client: Client,
  document: TypedDocumentNode<Data, Variables>,
  variables: () => Variables,
  onData: (data: Data) => void,
): LiveFeed => {
  let failures = 0;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let current: { unsubscribe(): void } | undefined;

  const subscribe = (): void => {
    current = client.subscription(document, variables()).subscribe((result) => {
      if (stopped) return;
      if (result.error) {
        current?.unsubscribe();
        current = undefined;
        retry = setTimeout(subscribe, Math.min(longestRetryMs, firstRetryMs * 2 ** failures));
        failures += 1;
        return;
      }
      if (result.data === undefined) return;
      failures = 0;
      onData(result.data);
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
}

/** Follows a feed of positioned items, resuming after the last one received. */
export const follow = <Field extends string, Data extends Positioned<Field>, Variables extends Resumable>(
  options: FollowOptions<Field, Data, Variables>,
): LiveFeed => {
  let since = options.since;
  return keepSubscribed(
    options.client,
    options.document,
    () => ({ ...options.variables, since }) as Variables,
    (data) => {
      const item = data[options.field];
      since = item.position;
      options.onItem(item);
    },
  );
};
