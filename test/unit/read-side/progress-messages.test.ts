import { describe, expect, it } from 'vitest';
import { formatPosition, parsePosition } from '../../../src/core/projections/checkpoint.js';
import { decodeProgress, encodeProgress } from '../../../src/core/projections/progress-messages.js';

describe('positions as stored', () => {
  it('round-trip the whole unsigned 64-bit range as canonical decimals', () => {
    for (const position of [0n, 1n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
      expect(parsePosition(formatPosition(position))).toBe(position);
    }
    expect(formatPosition(2n ** 64n - 1n)).toBe('18446744073709551615');
  });

  it.each(['', '-1', '007', '1e3', ' 1'])('refuses the stored text %j', (text) => {
    expect(() => parsePosition(text)).toThrow();
  });
});

describe('progress messages', () => {
  it('round-trip a checkpoint advance and a version switch', () => {
    const advance = { kind: 'checkpoint', version: 2, position: 2n ** 60n } as const;
    expect(encodeProgress(advance)).toBe('checkpoint 2 1152921504606846976');
    expect(decodeProgress(encodeProgress(advance))).toEqual(advance);
    expect(decodeProgress(encodeProgress({ kind: 'active', version: 3 }))).toEqual({ kind: 'active', version: 3 });
  });

  it.each(['', 'checkpoint', 'checkpoint 1', 'checkpoint 0 5', 'checkpoint 1 x', 'active 1 5', 'paused 1'])(
    'ignores the malformed %j',
    (text) => {
      expect(decodeProgress(text)).toBeUndefined();
    },
  );
});
