import { createHash } from 'node:crypto';
import { Kind, parse } from 'graphql';

/*
 * The trusted documents file: Apollo's persisted query manifest, the format
 * `@apollo/generate-persisted-query-manifest` writes and Apollo's clients read
 * ({ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ id, name, type, body }] }).
 * A plain map of hash to document, as GraphQL Codegen's client preset and Relay write their
 * persisted documents, is read too. Either way every id is the sha256 of its body, which is what
 * APQ clients send as `extensions.persistedQuery.sha256Hash`.
 */

/** Listed documents: sha256 hash → the exact document text. */
export type TrustedDocuments = ReadonlyMap<string, string>;

export const manifestFormat = 'apollo-persisted-query-manifest';

export interface ManifestOperation {
  readonly id: string;
  readonly name: string;
  readonly type: 'query' | 'mutation' | 'subscription';
  readonly body: string;
}

export interface PersistedQueryManifest {
  readonly format: typeof manifestFormat;
  readonly version: 1;
  readonly operations: readonly ManifestOperation[];
}

/** sha256 in lower-case hex of a document's exact text, as APQ computes it. */
export const documentHash = (text: string): string => createHash('sha256').update(text).digest('hex');

const sha256Pattern = /^[0-9a-f]{64}$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The (id, body) pairs of either format; throws saying what is not of its shape. */
const entriesOf = (manifest: unknown): [unknown, unknown][] => {
  if (!isRecord(manifest)) throw new Error('is not a JSON object');
  if (!('format' in manifest)) return Object.entries(manifest);
  if (manifest.format !== manifestFormat || manifest.version !== 1) {
    throw new Error(
      `has format ${JSON.stringify(manifest.format)} version ${JSON.stringify(manifest.version)}; expected ${manifestFormat} version 1`,
    );
  }
  if (!Array.isArray(manifest.operations)) throw new Error('has no "operations" list');
  return manifest.operations.map((operation: unknown, index) => {
    if (!isRecord(operation)) throw new Error(`operations[${index}] is not an object`);
    return [operation.id, operation.body];
  });
};

/**
 * Reads a trusted documents file's text. Throws an Error whose message says what is wrong: not
 * JSON, neither format, an id that is not the sha256 of its body (a client sending that body
 * would send another hash), or no documents at all (which would refuse every request).
 */
export const parseManifest = (text: string): TrustedDocuments => {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new Error(`is not JSON (${(error as Error).message})`);
  }
  const documents = new Map<string, string>();
  for (const [id, body] of entriesOf(manifest)) {
    if (typeof id !== 'string' || !sha256Pattern.test(id)) {
      throw new Error(`lists id ${JSON.stringify(id)}, which is not a sha256 hash in lower-case hex`);
    }
    if (typeof body !== 'string' || body === '') throw new Error(`lists ${id} without a document`);
    if (documentHash(body) !== id) throw new Error(`lists ${id} for a document whose sha256 is ${documentHash(body)}`);
    documents.set(id, body);
  }
  if (documents.size === 0) throw new Error('lists no documents');
  return documents;
};

/** The operation names the trusted documents define: the only names that can run in trusted mode. */
export const trustedOperationNames = (documents: TrustedDocuments): Set<string> => {
  const names = new Set<string>();
  for (const text of documents.values()) {
    for (const definition of parse(text).definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) names.add(definition.name.value);
    }
  }
  return names;
};
