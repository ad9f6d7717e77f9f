import { setInterval as every } from 'node:timers/promises';
import { Arg, Ctx, Field, Int, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { ValidationError } from '../core/errors.js';
import type { GraphQLContext } from './context.js';
import { DateTimeScalar } from './kit/index.js';

@ObjectType({ description: 'What this esgraph process is and which roles it serves.' })
export class ServerInfo {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  version!: string;

  @Field(() => [String], { description: 'Roles this process runs: command, query, projector.' })
  roles!: string[];
}

const intervalBounds = { min: 10, max: 60_000 };

/** Yields the current time every `intervalMs` until the subscriber leaves. */
const ticks = async function* (intervalMs: number): AsyncGenerator<Date> {
  for await (const _ of every(intervalMs)) yield new Date();
};

@Resolver()
export class ServerInfoResolver {
  @Query(() => ServerInfo)
  serverInfo(@Ctx() ctx: GraphQLContext): ServerInfo {
    return { ...ctx.server, roles: [...ctx.server.roles] };
  }

  @Subscription(() => DateTimeScalar, {
    description: 'The server time every intervalMs milliseconds: a liveness probe for the WebSocket path.',
    subscribe: ({ args }) => {
      const intervalMs = args.intervalMs as number;
      if (intervalMs < intervalBounds.min || intervalMs > intervalBounds.max) {
        throw new ValidationError(
          `intervalMs must be between ${intervalBounds.min} and ${intervalBounds.max}, got ${intervalMs}`,
          'intervalMs',
        );
      }
      return ticks(intervalMs);
    },
  })
  heartbeat(@Root() tick: Date, @Arg('intervalMs', () => Int) _intervalMs: number): Date {
    return tick;
  }
}
