import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { IssuedCommand } from '../../../core/index.js';
import { CommandResult } from '../../../graphql/kit/index.js';
import type { BankCommand } from '../commands.js';
import type { BankContext } from './bank-context.js';
import { CloseAccountInput, DepositInput, OpenAccountInput, WithdrawInput } from './command-inputs.js';
import {
  cancelAccountCloseCommand,
  closeAccountCommand,
  depositCommand,
  openAccountCommand,
  requestAccountCloseCommand,
  withdrawCommand,
} from './commands-from-input.js';

const run = async (ctx: BankContext, command: IssuedCommand<BankCommand>): Promise<CommandResult> =>
  CommandResult.of(await ctx.bank.handle(command, ctx), { accountId: command.data.accountId });

@Resolver()
export class AccountMutations {
  @Mutation(() => CommandResult, { description: 'Opens an account. ACCOUNT_ALREADY_EXISTS if the id is taken.' })
  openAccount(@Arg('input', () => OpenAccountInput) input: OpenAccountInput, @Ctx() ctx: BankContext) {
    return run(ctx, openAccountCommand(input));
  }

  @Mutation(() => CommandResult, { description: 'Deposits a positive amount into an open account.' })
  deposit(@Arg('input', () => DepositInput) input: DepositInput, @Ctx() ctx: BankContext) {
    return run(ctx, depositCommand(input));
  }

  @Mutation(() => CommandResult, {
    description: 'Withdraws a positive amount. INSUFFICIENT_FUNDS if it would take the balance below zero.',
  })
  withdraw(@Arg('input', () => WithdrawInput) input: WithdrawInput, @Ctx() ctx: BankContext) {
    return run(ctx, withdrawCommand(input));
  }

  @Mutation(() => CommandResult, { description: 'Closes an account. ACCOUNT_NOT_EMPTY unless the balance is zero.' })
  closeAccount(@Arg('input', () => CloseAccountInput) input: CloseAccountInput, @Ctx() ctx: BankContext) {
    return run(ctx, closeAccountCommand(input));
  }

  @Mutation(() => CommandResult, {
    description:
      'Closes an empty account at once; otherwise records a pending close (the account’s closeRequestedAt): the account then takes no money in (ACCOUNT_CLOSING) and closes once a withdrawal or a transfer out leaves it at zero. ACCOUNT_CLOSING if a close is pending already.',
  })
  requestAccountClose(@Arg('input', () => CloseAccountInput) input: CloseAccountInput, @Ctx() ctx: BankContext) {
    return run(ctx, requestAccountCloseCommand(input));
  }

  @Mutation(() => CommandResult, {
    description: 'Calls off a pending close: the account takes money in again. CLOSE_NOT_REQUESTED if none is pending.',
  })
  cancelAccountClose(@Arg('input', () => CloseAccountInput) input: CloseAccountInput, @Ctx() ctx: BankContext) {
    return run(ctx, cancelAccountCloseCommand(input));
  }
}
