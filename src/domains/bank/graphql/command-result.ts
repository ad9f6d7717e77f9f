import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { CommandReceipt } from '../../../core/index.js';

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

  @Field(() => ID, { nullable: true, description: 'The account the command concerned.' })
  accountId?: string | undefined;

  static of(result: CommandReceipt, accountId: string): CommandResult {
    return {
      streamName: result.streamName,
      streamRevision: Number(result.streamRevision),
      position: result.position,
      accountId,
    };
  }
}
