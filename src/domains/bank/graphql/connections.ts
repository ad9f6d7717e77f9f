import { Field, ObjectType } from 'type-graphql';
import type { Page } from '../../../core/index.js';
import { Account } from './account-type.js';
import { Transaction } from './transaction-type.js';

/*
 * Relay-style connections. Cursors are opaque: pass `endCursor` as `after` for the next page.
 */

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the page’s last edge; null for an empty page.' })
  endCursor!: string | null;

  static of(page: Page<unknown>): PageInfo {
    return { hasNextPage: page.hasNextPage, endCursor: page.endCursor };
  }
}

@ObjectType()
export class AccountEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Account)
  node!: Account;
}

@ObjectType()
export class AccountConnection {
  @Field(() => [AccountEdge])
  edges!: AccountEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType()
export class TransactionEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Transaction)
  node!: Transaction;
}

@ObjectType()
export class TransactionConnection {
  @Field(() => [TransactionEdge])
  edges!: TransactionEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

/** A page of read-model records as a connection of GraphQL objects. */
export const connectionOf = <Record, Node>(
  page: Page<Record>,
  toNode: (record: Record) => Node,
): { edges: { cursor: string; node: Node }[]; pageInfo: PageInfo } => ({
  edges: page.edges.map(({ cursor, node }) => ({ cursor, node: toNode(node) })),
  pageInfo: PageInfo.of(page),
});
