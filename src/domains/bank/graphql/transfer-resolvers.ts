import { Arg, Args, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { CommandResult, connectionOf, consistentWithArg, PageArgs, sinceArg } from '../../../graphql/kit/index.js';
import type { TransferRecord } from '../projections/transfers.js';
import type { BankContext } from './bank-context.js';
import { TransferInput } from './command-inputs.js';
import { TransferConnection } from './connections.js';
import { Transfer } from './transfer-type.js';

/** What `subscribe` receives: the context and the arguments as graphql-js coerced them. */
interface Subscribing {
  readonly context: BankContext;
  readonly args: { readonly id: string; readonly since?: string | null };
}

/**
 * Transfers at the edge: the mutation that asks for one (the process manager takes its steps),
 * the transfers read model, and a transfer's changes live over graphql-ws.
 */
@Resolver()
export class TransferResolvers {
  @Mutation(() => CommandResult, {
    description:
      'Asks for a transfer; its result carries `transferId` and the position of the request. Refused up front, nothing written: an unknown source (ACCOUNT_NOT_FOUND), a target in another currency (CURRENCY_MISMATCH), one account to itself (SAME_ACCOUNT). Whatever its steps meet later (INSUFFICIENT_FUNDS, a closed or missing target) fails the transfer with that reason: read `transfer(id:, awaitSettlement: true)` to wait for its outcome.',
  })
  async transfer(@Arg('input', () => TransferInput) input: TransferInput, @Ctx() ctx: BankContext) {
    const { receipt, transferId } = await ctx.bank.requestTransfer(input, ctx);
    return CommandResult.of(receipt, { transferId });
  }

  @Query(() => Transfer, {
    name: 'transfer',
    nullable: true,
    description: 'A transfer as its read model holds it; null if unknown.',
  })
  async transferById(
    @Arg('id', () => ID) id: string,
    @Arg('consistentWith', () => String, consistentWithArg) consistentWith: string | null | undefined,
    @Arg('awaitSettlement', () => Boolean, {
      nullable: true,
      description:
        'Wait until the transfer is COMPLETED or FAILED (after `consistentWith`, when given), up to CONSISTENCY_TIMEOUT_MS, then CONSISTENCY_TIMEOUT. The `transfer` mutation’s position shows the request; this shows its outcome.',
    })
    awaitSettlement: boolean | null | undefined,
    @Ctx() ctx: BankContext,
  ): Promise<Transfer | null> {
    const record = await ctx.bank.transfer(id, { consistentWith, awaitSettlement });
    return record === undefined ? null : Transfer.of(record);
  }

  @Query(() => TransferConnection, { description: 'The transfers from or to an account, newest request first.' })
  async transfers(
    @Arg('accountId', () => ID) accountId: string,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Arg('consistentWith', () => String, consistentWithArg) consistentWith: string | null | undefined,
    @Ctx() ctx: BankContext,
  ): Promise<TransferConnection> {
    return connectionOf(await ctx.bank.transfers({ accountId, first, after, consistentWith }), Transfer.of);
  }

  @Subscription(() => Transfer, {
    description: 'The transfer after each change (each step), in log order.',
    subscribe: ({ context, args }: Subscribing) => context.bank.transferUpdates(args.id, args.since),
  })
  transferUpdated(
    @Root() transfer: TransferRecord,
    @Arg('id', () => ID) _id: string,
    @Arg('since', () => String, sinceArg) _since: string | null | undefined,
  ): Transfer {
    return Transfer.of(transfer);
  }
}
