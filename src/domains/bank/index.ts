import type { DomainModule } from '../../core/domain-module.js';
import { type BankServices, createBankServices } from './bank-services.js';
import { AccountHistoryQueries } from './graphql/account-history.js';
import { AccountMutations } from './graphql/account-mutations.js';

/** The bank bounded context: accounts, deposits, withdrawals. */
export const bankModule: DomainModule<BankServices> = {
  resolvers: [AccountMutations, AccountHistoryQueries],
  projections: [],
  createServices: createBankServices,
};
