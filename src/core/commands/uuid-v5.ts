import { parse, v5 } from 'uuid';

/**
 * UUIDv5 (SHA-1, name-based) ids in one namespace: the same ids as uuid's `v5(name, namespace)`.
 * The namespace is parsed once, and each name goes to uuid as UTF-8 bytes: handed two strings,
 * uuid validates and parses the namespace twice per call and encodes the name through
 * `unescape(encodeURIComponent(…))` a character at a time, which together cost more than the
 * SHA-1 itself on the command path (three or four ids per command). Names are well-formed
 * strings here (ASCII ids, JSON.stringify output), for which both encodings give the same bytes.
 */
export const uuidV5In = (namespace: string): ((name: string) => string) => {
  const namespaceBytes = parse(namespace);
  return (name) => v5(Buffer.from(name, 'utf8'), namespaceBytes);
};
