import type { AnyVariables, Client, CombinedError, TypedDocumentNode } from '@urql/core';

/*
 * The first read behind each list, tried again while the server cannot answer (not reached, or
 * SERVICE_UNAVAILABLE while Redis is away), so a page opened during an outage fills in once the
 * server is back, as its feeds do.
 */

const retryMs = 1_000;

const worthRetrying = (error: CombinedError): boolean =>
  error.networkError !== undefined || error.graphQLErrors.some((one) => one.extensions.code === 'SERVICE_UNAVAILABLE');

/** Calls `onData` with the query's data once it is answered; `cancelled` ends the attempts. */
export const readWhenAnswered = <Data, Variables extends AnyVariables>(
  client: Client,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  onData: (data: Data) => void,
): (() => void) => {
  let cancelled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt = async (): Promise<void> => {
    const result = await client.query(document, variables).toPromise();
    if (cancelled) return;
    if (result.data !== undefined && result.data !== null) onData(result.data);
    else if (result.error && worthRetrying(result.error)) timer = setTimeout(attempt, retryMs);
  };
  void attempt();
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
};
