import { Ctx, Field, Int, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { positionToken } from '../core/eventstore/positions.js';
import type { ProcessManagerReport } from '../core/process-managers/process-manager-report.js';
import { describeHalt } from '../core/projections/halts.js';
import type { ProjectionReport } from '../core/projections/runner/projection-report.js';
import type { GraphQLContext } from './context.js';

export enum FollowerKind {
  PROJECTION = 'PROJECTION',
  PROCESS_MANAGER = 'PROCESS_MANAGER',
}

registerEnumType(FollowerKind, {
  name: 'FollowerKind',
  description: 'What follows the log from a checkpoint.',
  valuesConfig: {
    PROJECTION: { description: 'A read model: applies events to Redis.' },
    PROCESS_MANAGER: {
      description: 'A process manager (saga): reacts to events with commands; it has no builds and never halts.',
    },
  },
});

@ObjectType({
  description:
    'Where a read model or a process manager stands: what `npm run projections -- status` prints. Both follow the log from a checkpoint, under a lease, and park what they give up on.',
})
export class ProjectionStatus {
  @Field(() => String)
  name!: string;

  @Field(() => FollowerKind, { description: 'A read model, or a process manager.' })
  kind!: FollowerKind;

  @Field(() => Int, {
    description: 'The projection’s version in this node’s code; 1 for a process manager (its bookkeeping’s).',
  })
  codeVersion!: number;

  @Field(() => Int, { nullable: true, description: 'The build readers use (code version × 1000 + generation).' })
  activeBuild?: number | undefined;

  @Field(() => String, { nullable: true, description: 'The last global-log position the active build applied.' })
  checkpoint?: string | undefined;

  @Field(() => String, { nullable: true, description: 'The last position in the global log.' })
  head?: string | undefined;

  @Field(() => Int, {
    description:
      'Events that reach the projection’s handler (its types, in its stream category) not yet applied (counted up to 10,000).',
  })
  lagEvents!: number;

  @Field(() => Boolean, { description: 'True when more events wait than `lagEvents` says.' })
  lagAtLeast!: boolean;

  @Field(() => Int, { description: 'How old the oldest event not yet applied is, in milliseconds; 0 when none waits.' })
  lagMs!: number;

  @Field(() => String, { nullable: true, description: 'The runner that writes the active build (host:pid:uuid).' })
  writer?: string | undefined;

  @Field(() => Int, { description: 'Events the projection gave up on and parked.' })
  parked!: number;

  @Field(() => String, { nullable: true, description: 'This node’s runner for it, when this node is a projector.' })
  runnerState?: string | undefined;

  @Field(() => String, {
    description: 'What happens to an event its handler keeps failing on, after `failureMaxAttempts`: park or halt.',
  })
  failurePolicy!: string;

  @Field(() => Int, { description: 'Attempts at an event, the first included, before the failure policy applies.' })
  failureMaxAttempts!: number;

  @Field(() => String, {
    nullable: true,
    description: 'The stream category it reads (`account`: streams `account-*`); null for every stream.',
  })
  streamCategory?: string | undefined;

  @Field(() => Boolean, { description: 'True when the active build halted at an event and waits for an operator.' })
  halted!: boolean;

  @Field(() => String, { nullable: true, description: 'The global-log position of the event it halted at.' })
  haltPosition?: string | undefined;

  @Field(() => String, { nullable: true, description: 'Why it halted: the event and the last error.' })
  haltError?: string | undefined;
}

/** The fields a read model and a process manager share: where each stands in the log, and who runs it. */
const progressOf = (
  report: Omit<ProcessManagerReport, 'runner'> & { readonly runner?: { readonly state: string } },
) => ({
  name: report.name,
  checkpoint: report.checkpoint === undefined ? undefined : positionToken(report.checkpoint),
  head: report.head === undefined ? undefined : positionToken(report.head),
  lagEvents: report.lagEvents,
  lagAtLeast: report.lagAtLeast,
  lagMs: Math.min(report.lagMs, 2 ** 31 - 1),
  writer: report.leaseHolder,
  parked: report.parked,
  runnerState: report.runner?.state,
  failurePolicy: report.failurePolicy.whenExhausted,
  failureMaxAttempts: report.failurePolicy.maxAttempts,
  streamCategory: report.streamCategory,
});

const toStatus = (report: ProjectionReport): ProjectionStatus => ({
  ...progressOf(report),
  kind: FollowerKind.PROJECTION,
  codeVersion: report.codeVersion,
  activeBuild: report.activeBuild,
  halted: report.halt !== undefined,
  haltPosition: report.halt === undefined ? undefined : positionToken(report.halt.position),
  haltError: report.halt === undefined ? undefined : describeHalt(report.halt),
});

/** A process manager's row: it has no builds and never halts. */
const processManagerStatus = (report: ProcessManagerReport): ProjectionStatus => ({
  ...progressOf(report),
  kind: FollowerKind.PROCESS_MANAGER,
  codeVersion: 1,
  activeBuild: undefined,
  halted: false,
  haltPosition: undefined,
  haltError: undefined,
});

@Resolver()
export class ProjectionStatusResolver {
  @Query(() => [ProjectionStatus], {
    description: 'Every read model’s and process manager’s progress and lag, for operators: read models first.',
  })
  async projections(@Ctx() ctx: GraphQLContext): Promise<ProjectionStatus[]> {
    const { projections, processManagers } = await ctx.projections();
    return [...projections.map(toStatus), ...processManagers.map(processManagerStatus)];
  }
}
