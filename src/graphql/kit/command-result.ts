import { Field, Int, ObjectType } from 'type-graphql';
import type { CommandReceipt } from '../../core/index.js';

/**
 * What every mutation that runs a command answers. One type for every context: a context adds
 * the ids its commands concern (the bank's `accountId`) as field resolvers on this type
 * (`@Resolver(() => CommandResult)`), carried on the root object under `subjects`, so two
 * contexts never declare two types of one name.
 */
@ObjectType({
  description:
    'Where a command’s events landed. Read models may lag behind: pass `position` as `consistentWith` to a query to read your own write.',
})
export class CommandResult {
  @Field(() => String, { description: 'The stream the command appended to, e.g. `account-<id>`.' })
  streamName!: string;

  @Field(() => Int, { description: 'The stream’s revision after the command: its last event’s revision.' })
  streamRevision!: number;

  @Field(() => String, { description: 'Opaque token of where the command’s last event sits in the global log.' })
  position!: string;

  /** The ids the command concerned, by field name, for the contexts' field resolvers. */
  subjects!: Readonly<Record<string, string>>;

  static of(receipt: CommandReceipt, subjects: Readonly<Record<string, string>> = {}): CommandResult {
    return {
      streamName: receipt.streamName,
      streamRevision: Number(receipt.streamRevision),
      position: receipt.position,
      subjects,
    };
  }
}
