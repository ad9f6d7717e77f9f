import { describe, expect, it } from 'vitest';
import { OperationNames } from '../../../src/core/metrics/operation-names.js';
import { trustedOperationNames } from '../../../src/server/persisted-queries/manifest.js';

describe('operation name labels', () => {
  it('keeps the first names up to the limit, and counts every later one as other', () => {
    const names = new OperationNames(2);
    expect(['A', 'B', 'C', 'A', 'D', 'B'].map((name) => names.label(name))).toEqual([
      'A',
      'B',
      'other',
      'A',
      'other',
      'B',
    ]);
  });

  it('labels an unnamed operation anonymous, and a name over 64 characters other', () => {
    const names = new OperationNames(10);
    expect([undefined, null, ''].map((name) => names.label(name))).toEqual(['anonymous', 'anonymous', 'anonymous']);
    expect(names.label('N'.repeat(65))).toBe('other');
    expect(names.label('N'.repeat(64))).toBe('N'.repeat(64));
  });

  it('in trusted mode, names exactly the operations the trusted documents define', () => {
    const documents = new Map([
      ['h1', 'query Account($id: ID!) { account(id: $id) { id } }'],
      ['h2', 'mutation Deposit { deposit(input: {}) { position } } query { serverInfo { name } }'],
    ]);
    const names = new OperationNames(0, trustedOperationNames(documents));
    expect(['Account', 'Deposit', 'Sneaky', undefined].map((name) => names.label(name))).toEqual([
      'Account',
      'Deposit',
      'other',
      'anonymous',
    ]);
  });
});
