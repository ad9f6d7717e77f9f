import type { DomainModule } from '../../core/index.js';
import { bankAccessPolicy } from './access-policy.js';
import { accountCloseProcess } from './account-close-process.js';
import { type BankServices, createBankServices } from './bank-services.js';
import { AccountHistoryQueries } from './graphql/account-history.js';
import { AccountMutations } from './graphql/account-mutations.js';
import { AccountQueries } from './graphql/account-queries.js';
import { AccountSubscriptions } from './graphql/account-subscriptions.js';
import type { BankContext } from './graphql/bank-context.js';
import { BankCommandResultFields } from './graphql/command-result.js';
import { TransferResolvers } from './graphql/transfer-resolvers.js';
import { accountSummaryProjection } from './projections/account-summary.js';
import { accountsByOwnerProjection } from './projections/accounts-by-owner.js';
import { bankStatsProjection } from './projections/bank-stats.js';
import { transactionsProjection } from './projections/transactions.js';
import { transfersProjection } from './projections/transfers.js';
import { transferProcess } from './transfers/transfer-process.js';

/** The bank bounded context: accounts, deposits, withdrawals, and the transfers between them. */
export const bankModule: DomainModule<BankServices, BankContext> = {
  resolvers: [
    AccountMutations,
    BankCommandResultFields,
    AccountHistoryQueries,
    AccountQueries,
    AccountSubscriptions,
    TransferResolvers,
  ],
  projections: [
    accountSummaryProjection,
    accountsByOwnerProjection,
    transactionsProjection,
    bankStatsProjection,
    transfersProjection,
  ],
  processManagers: [transferProcess, accountCloseProcess],
  createServices: createBankServices,
  access: (services) => bankAccessPolicy(services),
};
