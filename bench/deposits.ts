import { dataOf, type GraphQLPost } from './load.js';

/** The mutations the command benchmarks send, as a client would. */
export const DEPOSIT = `mutation Deposit($input: DepositInput!) { deposit(input: $input) { streamRevision position } }`;
export const OPEN = `mutation Open($input: OpenAccountInput!) { openAccount(input: $input) { position } }`;

/** Opens the accounts through the server, 50 at a time. */
export const openAccounts = async (post: GraphQLPost, accounts: readonly string[]): Promise<void> => {
  for (let index = 0; index < accounts.length; index += 50) {
    await Promise.all(
      accounts
        .slice(index, index + 50)
        .map(async (accountId) =>
          dataOf(await post(OPEN, { input: { accountId, ownerId: 'bench', currency: 'EUR' } })),
        ),
    );
  }
};
