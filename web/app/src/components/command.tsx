import type { AnyVariables, CombinedError, TypedDocumentNode } from '@urql/core';
import { useState } from 'preact/hooks';
import { useApi } from './bank';

/** What a refused command says: its code (INSUFFICIENT_FUNDS, FORBIDDEN, …) and message. */
const describe = (error: CombinedError): string => {
  const [first] = error.graphQLErrors;
  if (first === undefined) return error.message;
  const code = first.extensions.code;
  return typeof code === 'string' ? `${code}: ${first.message}` : first.message;
};

/** Runs one mutation at a time and keeps what went wrong with the last, to show beside its form. */
export const useCommand = () => {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const run = async <Data, Variables extends AnyVariables>(
    document: TypedDocumentNode<Data, Variables>,
    variables: Variables,
  ): Promise<Data | undefined> => {
    setBusy(true);
    setProblem(undefined);
    try {
      const result = await api.client.mutation(document, variables).toPromise();
      if (result.error) setProblem(describe(result.error));
      return result.error ? undefined : result.data;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, problem };
};

export const Problem = ({ message }: { message: string | undefined }) =>
  message === undefined ? null : (
    <p class="problem" role="alert">
      {message}
    </p>
  );
