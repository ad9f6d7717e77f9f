import type { StoredEvent } from '../../core/index.js';
import { type BankEvent, isBankEventType } from './events.js';

/**
 * A stored event back as a bank event, for the decider and the history queries. Only schema
 * version 1 exists; when a stored shape ever changes, older versions are upcast here. Projections
 * receive stored data as it is (see ProjectedBankEvent), so a new version must reach them too.
 */
export const decodeBankEvent = (stored: StoredEvent): BankEvent | undefined => {
  if (!isBankEventType(stored.type)) return undefined;
  if (typeof stored.data !== 'object' || stored.data === null) return undefined;
  return { type: stored.type, data: stored.data } as BankEvent;
};
