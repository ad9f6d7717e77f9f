import type { RequestIdentity } from '../../../core/index.js';
import type { BankServices } from '../bank-services.js';

/** What the bank's resolvers need from the request context; the GraphQL layer provides it. */
export interface BankContext extends RequestIdentity {
  readonly bank: BankServices;
}
