import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';

/**
 * A deposit as the baselines of `npm run bench:commands` append it: the shape and size of what
 * esgraph's own deposit stores (data and metadata), built without any of esgraph's code.
 */
export const depositEvent = (accountId: string) =>
  jsonEvent({
    type: 'MoneyDeposited',
    data: {
      accountId,
      amount: 100,
      balanceAfter: 100,
      currency: 'EUR',
      occurredAt: new Date().toISOString(),
      source: 'unspecified',
    },
    metadata: { commandId: randomUUID(), correlationId: randomUUID(), causationId: randomUUID(), schemaVersion: 2 },
  });
