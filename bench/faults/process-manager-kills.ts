import { BACKWARDS, END } from '@eventstore/db-client';
import type { EventStoreClient } from '../../src/core/eventstore/client.js';
import { toEventEnvelope } from '../../src/core/eventstore/event-envelope.js';
import { checkpointKey, leaseKey, processManagerId } from '../../src/core/projections/keys.js';
import type { RedisClient } from '../../src/core/redis/client.js';
import { waitFor } from '../../test/support/wait-for.js';
import type { Cluster } from './cluster.js';
import type { LogEvent } from './oracle.js';

/*
 * SIGKILL for the node that runs a process manager, the one holding its lease, while another
 * projector node stands by: the standby takes the lease over once it lapses, and the killed node
 * comes back (as the next standby). Each kill comes once the process manager is past a given
 * position, and aims at a reaction under way: the node is paused (SIGSTOP) while the log's tail
 * and the checkpoint are read, and killed there if a reaction has landed a command and not yet
 * moved its checkpoint (the case its successor must finish without doing anything twice), else
 * let go on and looked at again, for a bounded time before it is killed wherever it is. What the
 * kill left (the checkpoint, the log's head) is read while the node is down.
 */

export interface Kill {
  readonly node: string;
  /** The process manager's checkpoint and the log's last position, as the kill left them. */
  readonly checkpoint: bigint;
  readonly head: bigint;
  /** Whether it was seen to cut a reaction off after a command, before its checkpoint. */
  readonly aimed: boolean;
  readonly restartMs: number;
}

/** The tail of the log as the killer sees it. */
export interface TailEvent {
  readonly type: string;
  readonly position: bigint;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Whether the tail shows a reaction under way: a command of a cause past `checkpoint` landed. */
export type ReactionUnderWay = (tail: readonly TailEvent[], checkpoint: bigint) => boolean;

/**
 * For the transfers: a step of a transfer (any event naming it but its request) whose request,
 * at `requestedAt(transferId)`, lies past the checkpoint.
 */
export const transferUnderWay =
  (requestedAt: (transferId: string) => bigint | undefined): ReactionUnderWay =>
  (tail, checkpoint) =>
    tail.some((event) => {
      const transferId = event.data.transferId;
      if (typeof transferId !== 'string' || event.type === 'TransferRequested') return false;
      const at = requestedAt(transferId);
      return at !== undefined && at > checkpoint;
    });

const pidOf = (token: string): number => Number(token.split(':').at(-2));

/** How long a kill waits for a reaction under way before it kills the node wherever it is. */
const aimMs = 3_000;

export class ProcessManagerKiller {
  readonly kills: Kill[] = [];
  private readonly id;

  constructor(
    private readonly cluster: Cluster,
    private readonly redis: RedisClient,
    private readonly eventStore: EventStoreClient,
    processManager: string,
    private readonly underWay: ReactionUnderWay,
  ) {
    this.id = processManagerId(processManager);
  }

  /** The process manager's checkpoint (-1 before it has one). */
  async checkpoint(): Promise<bigint> {
    const stored = await this.redis.get(checkpointKey(this.id));
    return stored === null ? -1n : BigInt(stored);
  }

  /** The projector node holding the lease, if a live one does. */
  async holder(): Promise<string | undefined> {
    const token = await this.redis.get(leaseKey(this.id));
    if (token === null) return undefined;
    const pid = pidOf(token);
    return this.cluster.projectorNames.find((name) => {
      const { proc } = this.cluster.node(name);
      return proc.pid === pid && !proc.exited();
    });
  }

  /** The last `count` events of the log, newest first. */
  private async tail(count: number): Promise<TailEvent[]> {
    const events: TailEvent[] = [];
    for await (const resolved of this.eventStore.readAll({
      direction: BACKWARDS,
      fromPosition: END,
      maxCount: count,
    })) {
      const event = toEventEnvelope(resolved);
      if (event !== undefined) events.push({ type: event.type, position: event.position, data: event.data as never });
    }
    return events;
  }

  /** Pauses `node` and looks: left paused (for the kill) when a reaction is under way. */
  private async pausedMidReaction(node: string): Promise<boolean> {
    const { proc } = this.cluster.node(node);
    proc.signal('SIGSTOP');
    // The tail first: a step seen there whose cause is still past the checkpoint read after it
    // is a reaction the paused node has not finished.
    let underWay = false;
    try {
      const tail = await this.tail(32);
      underWay = this.underWay(tail, await this.checkpoint());
    } finally {
      if (!underWay) proc.signal('SIGCONT');
    }
    return underWay;
  }

  /**
   * Waits until a live node holds the lease and the checkpoint has passed `position` and the
   * previous kill's, then kills that node (mid-reaction if it can) and starts it again.
   */
  async killHolderPast(position: () => bigint | undefined, timeoutMs: number): Promise<Kill> {
    const previous = this.kills.at(-1)?.checkpoint ?? -1n;
    const node = await waitFor(
      'the process manager to get past the kill point on a live node',
      async () => {
        const [holder, checkpoint] = await Promise.all([this.holder(), this.checkpoint()]);
        const target = position();
        return target !== undefined && checkpoint > previous && checkpoint >= target && holder;
      },
      { timeoutMs, intervalMs: 10 },
    );
    const aimed = await waitFor(`a reaction under way on ${node}`, () => this.pausedMidReaction(node), {
      timeoutMs: aimMs,
      intervalMs: 5,
    }).catch(() => false);
    let checkpoint = -1n;
    let head = -1n;
    const restartMs = await this.cluster.killAndRestart(node, async () => {
      [checkpoint, head] = await Promise.all([
        this.checkpoint(),
        this.tail(1).then((last) => last[0]?.position ?? -1n),
      ]);
    });
    const kill = { node, checkpoint, head, aimed, restartMs };
    this.kills.push(kill);
    return kill;
  }
}

/**
 * How many reactions the kills cut off after a command landed and before their checkpoint: a
 * request past a kill's checkpoint with a step of its transfer (on its stream or an account's)
 * in the log by that kill's head.
 */
export const cutOffReactions = (kills: readonly Kill[], log: readonly LogEvent[]): number => {
  const requested = new Map<string, bigint>();
  const firstStep = new Map<string, bigint>();
  for (const event of log) {
    const transferId = event.data.transferId;
    if (typeof transferId !== 'string') continue;
    if (event.type === 'TransferRequested') requested.set(transferId, event.position);
    else if (!firstStep.has(transferId)) firstStep.set(transferId, event.position);
  }
  let cut = 0;
  for (const { checkpoint, head } of kills) {
    for (const [transferId, at] of requested) {
      const step = firstStep.get(transferId);
      if (at > checkpoint && at <= head && step !== undefined && step <= head) cut++;
    }
  }
  return cut;
};
