import { FieldResolver, ID, Resolver, Root } from 'type-graphql';
import { CommandResult } from '../../../graphql/kit/index.js';

/** What the bank adds to every command's result: the account, or the transfer, the command concerned. */
@Resolver(() => CommandResult)
export class BankCommandResultFields {
  @FieldResolver(() => ID, { nullable: true, description: 'The account the command concerned.' })
  accountId(@Root() result: CommandResult): string | undefined {
    return result.subjects.accountId;
  }

  @FieldResolver(() => ID, {
    nullable: true,
    description: 'The transfer the command asked for (the `transfer` mutation).',
  })
  transferId(@Root() result: CommandResult): string | undefined {
    return result.subjects.transferId;
  }
}
