import fc from 'fast-check';
import { v5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { commandDigest } from '../../../src/core/commands/command-digest.js';
import { commandEventId, derivedId } from '../../../src/core/commands/event-ids.js';
import { uuidV5In } from '../../../src/core/commands/uuid-v5.js';
import type { DomainCommand } from '../../../src/core/decider.js';

const namespace = '5b0e2c8a-3f7d-4c1e-9a26-7d4f1e8b2c90';

describe('name-based ids', () => {
  it("gives uuid's own v5 id for any name", () => {
    const idOf = uuidV5In(namespace);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (name) => {
        expect(idOf(name)).toBe(v5(name, namespace));
      }),
    );
  });

  // Stored digests and event ids depend on these exact values: a retry must propose the same ids.
  it('derives the digest, event ids and derived ids that stored events already carry', () => {
    const command: DomainCommand = {
      type: 'DepositMoney',
      data: { amount: 1250, accountId: 'acc-1', note: 'café ☕ 𝄞' },
      metadata: {
        commandId: 'cmd-1',
        commandIdFromClient: true,
        correlationId: 'r',
        causationId: 'cmd-1',
        now: '2026-01-01T00:00:00.000Z',
      },
    };
    const digest = commandDigest(command);
    expect(digest).toBe('ddbca2a1-7721-5fdc-b581-8f81a4ed2c6c');
    expect([0, 1, 2].map((index) => commandEventId(digest, index))).toEqual([
      'ddbca2a1-7721-5fdc-b581-8f81a4ed2c6c',
      'e3124f07-22a4-563f-940e-ad3adff2bc14',
      'fa1d13ce-25f4-5cd8-9732-18e19a82d4c8',
    ]);
    expect(derivedId('cmd-1', 'account')).toBe('f166bfbd-c0da-5956-aabd-59e3126becf8');
  });
});
