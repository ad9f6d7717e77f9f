import type { TypedDocumentNode } from '@urql/core';
import { useEffect } from 'preact/hooks';
import { useApi } from './components/bank';
import { follow, type Positioned, type Resumable } from './live-feed';

/**
 * Follows a subscription while the component is mounted and `since` is known (null: not yet
 * read; undefined: live changes only), restarting only when `key` changes.
 */
export const useLive = <Field extends string, Data extends Positioned<Field>, Variables extends Resumable>(
  key: string,
  document: TypedDocumentNode<Data, Variables>,
  variables: Omit<Variables, 'since'>,
  since: string | undefined | null,
  field: Field,
  onItem: (item: Data[Field]) => void,
): void => {
  const api = useApi();
  const ready = since !== null;
  // Keyed on `key` alone: the feed resumes by itself, so a newer `since` must not restart it.
  useEffect(() => {
    if (!ready) return;
    const feed = follow({ client: api.client, document, variables, since: since ?? undefined, field, onItem });
    return () => feed.stop();
  }, [api, key, ready]);
};
