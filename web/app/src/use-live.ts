import type { TypedDocumentNode } from '@urql/core';
import { useEffect, useRef } from 'preact/hooks';
import { useApi } from './components/bank';
import { follow, type Positioned, type Resumable } from './live-feed';

/**
 * Follows a subscription while the component is mounted and `since` is known (null: not read
 * yet; undefined: live changes only). It starts again only when what it follows (`variables`)
 * changes: a newer `since` does not restart it, since the feed resumes by itself.
 */
export const useLive = <Field extends string, Data extends Positioned<Field>, Variables extends Resumable>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Omit<Variables, 'since'>,
  since: string | undefined | null,
  field: Field,
  onItem: (item: Data[Field]) => void,
): void => {
  const api = useApi();
  // What the feed reads when it starts, and the newest `onItem` for each item.
  const latest = useRef({ since, onItem });
  latest.current = { since, onItem };
  const followed = JSON.stringify(variables);
  const ready = since !== null;
  useEffect(() => {
    if (!ready) return;
    const feed = follow<Field, Data, Variables>({
      client: api.client,
      document,
      variables: JSON.parse(followed) as Omit<Variables, 'since'>,
      since: latest.current.since ?? undefined,
      field,
      onItem: (item) => latest.current.onItem(item),
    });
    return () => feed.stop();
  }, [api, document, followed, field, ready]);
};
