/**
 * What an append or delete expects of the stream: anything, that it does not exist, that it
 * exists, or that its last revision is exactly this number.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

/**
 * The number EventStoreDB uses internally for an expectation, which is what it reports in the
 * `expected-version` trailer of a failed delete: -2 any, -1 no stream, -4 stream exists.
 */
export const expectedVersionNumber = (expected: ExpectedRevision): number => {
  switch (expected) {
    case 'any':
      return -2;
    case 'no_stream':
      return -1;
    case 'stream_exists':
      return -4;
    default:
      return expected;
  }
};
