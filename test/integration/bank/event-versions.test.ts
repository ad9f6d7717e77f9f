import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { readEventEnvelopes } from '../../../src/core/eventstore/read-stream.js';
import type { CommandMiddleware, IssuedCommand } from '../../../src/core/index.js';
import { readActiveVersion } from '../../../src/core/projections/active-version.js';
import { accountStreamName } from '../../../src/domains/bank/account.js';
import type { BankServices } from '../../../src/domains/bank/bank-services.js';
import type { BankCommand } from '../../../src/domains/bank/commands.js';
import { bankModule } from '../../../src/domains/bank/index.js';
import { type CoreNode, useCoreNodes } from '../../support/core-node.js';
import { dumpBuild } from '../../support/read-model-dump.js';

/*
 * The same history in two logs. The "mixed" log starts as the bank wrote it before deposits named
 * their source: events appended raw through the client, deposits in schema version 1. The
 * "current" log holds the same events as today's bank writes them, deposits in version 2 with
 * source "unspecified". Both then go on through the pipeline with the same commands (deposits now
 * written in version 2). Every reader (the decider's fold, the history, the four read models) must
 * see one and the same thing in both. Positions differ between the logs (an event's size moves
 * the ones after it), so they are compared by their rank in the log.
 */

type Version = 'mixed' | 'current';

const ownerId = `owner-${randomUUID()}`;
const spender = randomUUID();
const closer = randomUUID();

const metadata = (commandId: string, schemaVersion: number) => ({
  commandId,
  correlationId: commandId,
  causationId: commandId,
  schemaVersion,
});

/** What the bank wrote before this change, for the log of `version`: only deposits differ. */
const oldEvents = (version: Version, accountId: string, deposits: readonly [number, number][]) => {
  const at = (minute: number) => `2024-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
  const opened = jsonEvent({
    id: sharedId(accountId, 'opened'),
    type: 'AccountOpened',
    data: { accountId, ownerId, currency: 'EUR', openedAt: at(0) },
    metadata: metadata(`${accountId}-open`, 1),
  });
  const moved = deposits.map(([amount, balanceAfter], index) => {
    const base = { accountId, amount, balanceAfter, currency: 'EUR', occurredAt: at(index + 1) };
    const commandId = `${accountId}-old-${index}`;
    const id = sharedId(accountId, `old-${index}`);
    // A negative amount stands for a withdrawal of its size: never versioned.
    if (amount < 0) {
      const data = { ...base, amount: -amount };
      return jsonEvent({ id, type: 'MoneyWithdrawn', data, metadata: metadata(commandId, 1) });
    }
    return version === 'mixed'
      ? jsonEvent({ id, type: 'MoneyDeposited', data: base, metadata: metadata(commandId, 1) })
      : jsonEvent({
          id,
          type: 'MoneyDeposited',
          data: { ...base, source: 'unspecified' },
          metadata: metadata(commandId, 2),
        });
  });
  return [opened, ...moved];
};

/** Event ids both logs share: fixed per account and step, so the read models (which record them) agree. */
const ids = new Map<string, string>();
const sharedId = (accountId: string, step: string): string => {
  const key = `${accountId}/${step}`;
  if (!ids.has(key)) ids.set(key, randomUUID());
  return ids.get(key)!;
};

/** What both logs go on with, through the pipeline; the fold starts from the old events. */
const newCommands: readonly IssuedCommand<BankCommand>[] = [
  { type: 'DepositMoney', data: { accountId: spender, amount: 2000, source: 'cash' }, commandId: 'spender-new-0' },
  { type: 'WithdrawMoney', data: { accountId: spender, amount: 100 }, commandId: 'spender-new-1' },
  { type: 'DepositMoney', data: { accountId: spender, amount: 45 }, commandId: 'spender-new-2' },
  { type: 'WithdrawMoney', data: { accountId: closer, amount: 300 }, commandId: 'closer-new-0' },
  { type: 'CloseAccount', data: { accountId: closer }, commandId: 'closer-new-1' },
];

/**
 * Stamps each of those commands with a fixed time (its place in the list, in minutes), in place
 * of the clock, so the two logs' events, and what readers show of them, are the same.
 */
const fixedClockStamp: CommandMiddleware = {
  name: 'fixed-clock-stamp',
  before: ({ commandId }) => {
    const minute = newCommands.findIndex((command) => command.commandId === commandId);
    if (commandId == null || minute < 0) throw new Error(`no fixed time for command ${commandId}`);
    return {
      commandId,
      commandIdFromClient: true,
      correlationId: commandId,
      causationId: commandId,
      now: `2024-03-01T11:${String(minute).padStart(2, '0')}:00.000Z`,
    };
  },
};

const stampedAtFixedTimes = { pipeline: { middleware: [fixedClockStamp] } };

const projectionNames = bankModule.projections.map((projection) => projection.name);

/** Turns every $all position in `value` into its rank in the log: `#<rank>`. */
const byRank = (value: unknown, ranks: ReadonlyMap<bigint, number>): unknown => {
  const rank = (position: string): string => {
    const found = ranks.get(BigInt(position));
    if (found === undefined) throw new Error(`position ${position} is not one of the log's`);
    return `#${found}`;
  };
  const json = JSON.stringify(value, (_key, each) => (typeof each === 'bigint' ? each.toString() : each))
    // Log-ordered members start with a 20-digit sort key; records and hashes hold position tokens.
    .replace(/\b\d{20}\b/g, rank)
    .replace(/(\\?"position\\?":\\?")(\d+)/g, (_match, prefix: string, position: string) => prefix + rank(position));
  return JSON.parse(json);
};

interface Outcome {
  readonly schemaVersions: readonly unknown[];
  readonly accounts: unknown;
  readonly history: unknown;
  readonly stats: unknown;
  readonly readModels: unknown;
}

/** Writes the log of `version`, then reads everything back as readers see it. */
const runLog = async (version: Version, node: CoreNode<BankServices>): Promise<Outcome> => {
  const { services, eventStore } = node;
  await eventStore.appendToStream(
    accountStreamName(spender),
    oldEvents(version, spender, [
      [1000, 1000],
      [-250, 750],
      [5, 755],
    ]),
  );
  await eventStore.appendToStream(accountStreamName(closer), oldEvents(version, closer, [[300, 300]]));
  let last = '';
  for (const command of newCommands) last = (await services.handle(command, { requestId: randomUUID() })).position;

  const positions: bigint[] = [];
  for await (const resolved of eventStore.readAll()) {
    if (!resolved.event?.streamId.startsWith('$')) positions.push(resolved.event!.position!.commit);
  }
  const ranks = new Map(positions.map((position, index) => [position, index]));
  // Cursors encode sort keys; the nodes are what a page shows of the read models.
  const accounts = (await services.accounts({ ownerId, consistentWith: last })).edges.map((edge) => edge.node);
  const stats = await services.bankStats(last);
  const transactions = (await services.transactions({ accountId: spender, consistentWith: last })).edges.map(
    (edge) => edge.node,
  );
  const history = await Promise.all(
    [spender, closer].map(async (id) =>
      (await services.accountEvents(id)).map(({ id: eventId, type, revision, position, data }) => ({
        eventId,
        type,
        revision,
        position,
        data,
      })),
    ),
  );
  const readModels: Record<string, unknown> = {};
  for (const name of projectionNames) {
    readModels[name] = await dumpBuild(node.redis, name, (await readActiveVersion(node.redis, name))!);
  }
  const stored = await readEventEnvelopes(eventStore, accountStreamName(spender));
  return {
    schemaVersions: stored.map((event) => [event.type, event.metadata.schemaVersion]),
    accounts: byRank({ accounts, transactions }, ranks),
    history: byRank(history, ranks),
    stats: byRank(stats, ranks),
    readModels: byRank(readModels, ranks),
  };
};

describe('a log holding deposits of schema versions 1 and 2', () => {
  const mixedLog = useCoreNodes(bankModule);
  const currentLog = useCoreNodes(bankModule);

  it('gives the same balances, history and read models as one holding only version 2', async () => {
    const mixed = await runLog('mixed', await mixedLog.start(stampedAtFixedTimes));
    const current = await runLog('current', await currentLog.start(stampedAtFixedTimes));

    // The logs do differ where they should: what was stored, and in which version.
    expect(mixed.schemaVersions).toEqual([
      ['AccountOpened', 1],
      ['MoneyDeposited', 1],
      ['MoneyWithdrawn', 1],
      ['MoneyDeposited', 1],
      ['MoneyDeposited', 2],
      ['MoneyWithdrawn', 1],
      ['MoneyDeposited', 2],
    ]);
    expect(current.schemaVersions).toEqual([
      ['AccountOpened', 1],
      ['MoneyDeposited', 2],
      ['MoneyWithdrawn', 1],
      ['MoneyDeposited', 2],
      ['MoneyDeposited', 2],
      ['MoneyWithdrawn', 1],
      ['MoneyDeposited', 2],
    ]);

    // The fold read the version 1 deposits: the new deposit's balance continues from them.
    expect(mixed.history).toEqual(current.history);
    const [spenderHistory] = mixed.history as { type: string; data: { balanceAfter?: number; source?: string } }[][];
    expect(spenderHistory!.map((event) => [event.type, event.data.balanceAfter, event.data.source])).toEqual([
      ['AccountOpened', undefined, undefined],
      ['MoneyDeposited', 1000, 'unspecified'],
      ['MoneyWithdrawn', 750, undefined],
      ['MoneyDeposited', 755, 'unspecified'],
      ['MoneyDeposited', 2755, 'cash'],
      ['MoneyWithdrawn', 2655, undefined],
      ['MoneyDeposited', 2700, 'unspecified'],
    ]);

    expect(mixed.accounts).toEqual(current.accounts);
    const { accounts } = mixed.accounts as { accounts: { id: string; balance: number; status: string }[] };
    expect(accounts.map(({ id, balance, status }) => [id, balance, status])).toEqual([
      [spender, 2700, 'OPEN'],
      [closer, 0, 'CLOSED'],
    ]);
    expect(mixed.stats).toEqual(current.stats);
    expect(mixed.readModels).toEqual(current.readModels);
    const dumps = Object.entries(mixed.readModels as Record<string, object>);
    // Every read model of accounts holds something; the transfers read model, with no transfer here, nothing.
    expect(dumps.map(([name, dump]) => [name, Object.keys(dump).length > 0])).toEqual(
      bankModule.projections.map((projection) => [projection.name, projection.streamCategory === 'account']),
    );
  });
});
