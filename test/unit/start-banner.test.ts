import { describe, expect, it } from 'vitest';
import { maskPassword } from '../../src/core/masked-url.js';
import { formatStartBanner, type StartBanner } from '../../src/start-banner.js';

const banner = (overrides: Partial<StartBanner> = {}): StartBanner => ({
  version: '1.2.3',
  roles: ['command', 'query'],
  endpoints: [{ label: 'GraphQL', url: 'http://127.0.0.1:4000/graphql' }],
  dependencies: [
    { label: 'Event store', description: 'esdb://admin:***@db:2113?tls=false (EVENTSTORE_CONNECTION_STRING)' },
    { label: 'Redis', description: 'redis://:***@cache:6379 (REDIS_URL)' },
  ],
  tokens: { kind: 'secret' },
  ...overrides,
});

describe('the start banner', () => {
  it('lists each served endpoint in the order given, aligned with the dependencies', () => {
    const text = formatStartBanner(
      banner({
        endpoints: [
          { label: 'GraphQL', url: 'http://127.0.0.1:4000/graphql', note: 'POST' },
          { label: 'GraphiQL', url: 'http://127.0.0.1:4000/graphiql' },
        ],
      }),
    );
    expect(text.split('\n')).toEqual([
      '',
      'esgraph 1.2.3 is ready (roles: command, query)',
      '  GraphQL      http://127.0.0.1:4000/graphql  (POST)',
      '  GraphiQL     http://127.0.0.1:4000/graphiql',
      '  Event store  esdb://admin:***@db:2113?tls=false (EVENTSTORE_CONNECTION_STRING)',
      '  Redis        redis://:***@cache:6379 (REDIS_URL)',
      '',
      'Tokens: HS256 with JWT_SECRET; mint one with npm run token -- --sub ann --roles customer',
      '',
      'Ctrl-C stops it (in-flight requests finish first).',
      '',
    ]);
  });

  it('shows each development token beside its role, and where its secret is', () => {
    const text = formatStartBanner(
      banner({
        tokens: {
          kind: 'dev',
          ttlHours: 12,
          secretPath: '.data/identity/jwt-secret',
          tokens: [
            { roles: ['customer'], sub: 'dev-customer', token: 'aaa.bbb.ccc' },
            { roles: ['teller'], sub: 'dev-teller', token: 'ddd.eee.fff' },
          ],
        },
      }),
    );
    expect(text).toContain('Development tokens (valid 12 h, signed with .data/identity/jwt-secret):\n');
    expect(text).toContain('\n  customer  aaa.bbb.ccc\n  teller    ddd.eee.fff\n');
  });

  it('names the identity provider when tokens come from a JWKS', () => {
    expect(formatStartBanner(banner({ tokens: { kind: 'jwks', url: 'https://idp.example.com/certs' } }))).toContain(
      'Tokens: from the identity provider whose keys are at https://idp.example.com/certs',
    );
  });
});

describe('maskPassword', () => {
  it.each([
    ['redis://:s3cret@cache:6379/2', 'redis://:***@cache:6379/2'],
    ['rediss://user:s3cret@cache:6380', 'rediss://user:***@cache:6380'],
    ['redis://cache:6379', 'redis://cache:6379'],
    ['redis://user@cache:6379', 'redis://user@cache:6379'],
    ['esdb://admin:changeit@db:2113?tls=false', 'esdb://admin:***@db:2113?tls=false'],
    ['esdb+discover://admin:p%40ss@n1:2113,n2:2113?tls=true', 'esdb+discover://admin:***@n1:2113,n2:2113?tls=true'],
  ])('shows %s as %s', (url, masked) => expect(maskPassword(url)).toBe(masked));
});
