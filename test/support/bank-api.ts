import { randomUUID } from 'node:crypto';
import {
  CancelAccountCloseDocument,
  CloseAccountDocument,
  DepositDocument,
  OpenAccountDocument,
  RequestAccountCloseDocument,
  WithdrawDocument,
} from '../generated/graphql.js';
import { executeOk, type GraphQLResponse } from './graphql-client.js';

/*
 * The bank's mutations as a test client sends them over HTTP: each answers the position its
 * event landed at, for `consistentWith` and `since`. Accounts get fresh ids, so tests sharing a
 * server never meet each other's accounts.
 */

export interface OpenedAccount {
  readonly accountId: string;
  readonly position: string;
}

export const bankApi = (url: () => string) => ({
  async open({
    accountId = randomUUID(),
    ownerId = randomUUID(),
    currency = 'EUR',
  }: {
    accountId?: string;
    ownerId?: string;
    currency?: string;
  } = {}): Promise<OpenedAccount & { ownerId: string }> {
    const { openAccount } = await executeOk(url(), OpenAccountDocument, { input: { accountId, ownerId, currency } });
    return { accountId, ownerId, position: openAccount.position };
  },
  async deposit(accountId: string, amount: string): Promise<string> {
    return (await executeOk(url(), DepositDocument, { input: { accountId, amount } })).deposit.position;
  },
  async withdraw(accountId: string, amount: string): Promise<string> {
    return (await executeOk(url(), WithdrawDocument, { input: { accountId, amount } })).withdraw.position;
  },
  async close(accountId: string): Promise<string> {
    return (await executeOk(url(), CloseAccountDocument, { input: { accountId } })).closeAccount.position;
  },
  async requestClose(accountId: string): Promise<string> {
    return (await executeOk(url(), RequestAccountCloseDocument, { input: { accountId } })).requestAccountClose.position;
  },
  async cancelClose(accountId: string): Promise<string> {
    return (await executeOk(url(), CancelAccountCloseDocument, { input: { accountId } })).cancelAccountClose.position;
  },
});

/** The code of a response's first error. */
export const errorCode = (response: GraphQLResponse<unknown>): string | undefined =>
  response.errors?.[0]?.extensions?.code;
