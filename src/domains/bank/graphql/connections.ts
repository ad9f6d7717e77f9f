import { connectionType } from '../../../graphql/kit/index.js';
import { Account } from './account-type.js';
import { Transaction } from './transaction-type.js';
import { Transfer } from './transfer-type.js';

export const AccountConnection = connectionType(Account);
export type AccountConnection = InstanceType<typeof AccountConnection>;

export const TransactionConnection = connectionType(Transaction);
export type TransactionConnection = InstanceType<typeof TransactionConnection>;

export const TransferConnection = connectionType(Transfer);
export type TransferConnection = InstanceType<typeof TransferConnection>;
