import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stampCommandMetadata } from '../../../src/core/commands/command-metadata.js';
import { CommandPipeline, type CommandPipelineOptions } from '../../../src/core/commands/command-pipeline.js';
import { ConcurrencyError, DomainError } from '../../../src/core/errors.js';
import { readEventEnvelopes } from '../../../src/core/eventstore/read-stream.js';
import type {
  CommandInvocation,
  CommandMiddleware,
  CommandReceipt,
  IssuedCommand,
  MetadataAdditions,
  SettledCommand,
} from '../../../src/core/index.js';
import { useEsdbLocal } from '../../support/esdb-local.js';
import type { LibraryCommand } from '../../support/library/commands.js';
import { titleStreamName } from '../../support/library/title.js';
import { titleAggregate } from '../../support/library/title-aggregate.js';
import { anonymousRequest, catalogueTitle, lendCopy, returnCopy } from '../../support/library-commands.js';
import { outcomeOf } from '../../support/pipeline.js';

/*
 * The middleware seam of the command pipeline on the library context: the order entries run in,
 * refusals before a command reaches its stream, metadata carried into the events, what `after`
 * is shown, and that a waiting `before` holds up no one else's commands.
 */

/** What one `after` was shown for one command. */
interface Seen {
  readonly command: CommandInvocation;
  readonly settled: SettledCommand;
}

/** An entry that only watches: every command's outcome, as `after` is shown it. */
const watching = (): { readonly middleware: CommandMiddleware; readonly seen: Seen[] } => {
  const seen: Seen[] = [];
  return { middleware: { name: 'watch', after: (command, settled) => seen.push({ command, settled }) }, seen };
};

const loanOf = (command: CommandInvocation): unknown => (command.data as { loanId?: unknown }).loanId;

describe('command middleware', () => {
  const esdb = useEsdbLocal();
  const eventsOf = (titleId: string) => readEventEnvelopes(esdb.client, titleStreamName(titleId));
  const pipelineWith = (middleware: readonly CommandMiddleware[], options: CommandPipelineOptions = {}) =>
    new CommandPipeline(esdb.connect(), { ...options, middleware });
  const send = (pipeline: CommandPipeline, command: IssuedCommand<LibraryCommand>) =>
    pipeline.handle(titleAggregate, command, anonymousRequest());

  it('runs every before in list order and every after in reverse order, each after shown its caller’s receipt', async () => {
    const log: string[] = [];
    const receipts: CommandReceipt[] = [];
    const recording = (name: string): CommandMiddleware => ({
      name,
      before: ({ type, metadata }) => {
        log.push(`${name} before ${type}, ${metadata?.commandId === undefined ? 'unstamped' : 'stamped'}`);
        return undefined;
      },
      after: ({ type }, settled) => {
        log.push(`${name} after ${type}`);
        if (settled.ok) receipts.push(settled.receipt);
      },
    });
    const pipeline = pipelineWith([recording('outer'), stampCommandMetadata, recording('inner')]);
    const receipt = await send(pipeline, catalogueTitle(randomUUID(), 1));
    expect(log).toEqual([
      'outer before CatalogueTitle, unstamped',
      'inner before CatalogueTitle, stamped',
      'inner after CatalogueTitle',
      'outer after CatalogueTitle',
    ]);
    expect(receipts).toEqual([receipt, receipt]);
  });

  it('refuses a command a before rejects with its DomainError and appends nothing of it, while the commands sent beside it land in one batch', async () => {
    const outer = watching();
    const innerSaw: unknown[] = [];
    const barLoan13: CommandMiddleware = {
      name: 'bar-loan-13',
      before: (command) => {
        if (loanOf(command) === 'loan-13') throw new DomainError('LOAN_BARRED', 'loan 13 is barred');
        return undefined;
      },
    };
    const inner: CommandMiddleware = {
      name: 'inner',
      before: (command) => {
        innerSaw.push(loanOf(command));
        return undefined;
      },
      after: (command) => innerSaw.push(`after ${String(loanOf(command))}`),
    };
    const pipeline = pipelineWith([outer.middleware, stampCommandMetadata, barLoan13, inner]);
    const titleId = randomUUID();
    await send(pipeline, catalogueTitle(titleId, 5));
    outer.seen.length = 0;
    innerSaw.length = 0;

    const sent = ['loan-12', 'loan-13', 'loan-14'].map((loanId) => send(pipeline, lendCopy(titleId, loanId)));
    expect(await Promise.all(sent.map(outcomeOf))).toEqual(['ok', 'LOAN_BARRED', 'ok']);
    await expect(sent[1]).rejects.toBeInstanceOf(DomainError);
    expect((await eventsOf(titleId)).map((event) => [event.type, (event.data as { loanId?: string }).loanId])).toEqual([
      ['TitleCatalogued', undefined],
      ['CopyLent', 'loan-12'],
      ['CopyLent', 'loan-14'],
    ]);
    // The refused command never reached its stream, nor the entries after the one that refused it.
    expect(innerSaw).toEqual(['loan-12', 'loan-14', 'after loan-12', 'after loan-14']);
    const byLoan = new Map(outer.seen.map(({ command, settled }) => [loanOf(command), settled]));
    expect(byLoan.get('loan-13')).toMatchObject({ ok: false, error: { code: 'LOAN_BARRED' }, batch: undefined });
    expect(byLoan.get('loan-12')).toMatchObject({ ok: true, batch: { size: 2, attempts: 1 } });
    expect(byLoan.get('loan-14')).toMatchObject({ ok: true, batch: { size: 2, attempts: 1 } });
  });

  it('stores the metadata a before adds, async or not, in each of its command’s events beside the stamped ids', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const tracing: CommandMiddleware = { name: 'trace', before: () => ({ traceparent }) };
    const tenancy: CommandMiddleware = {
      name: 'tenant',
      before: async (): Promise<MetadataAdditions> => ({ tenant: 'north' }),
    };
    const pipeline = pipelineWith([tracing, stampCommandMetadata, tenancy]);
    const titleId = randomUUID();
    const commandId = `catalogue-${titleId}`;
    await pipeline.handle(titleAggregate, catalogueTitle(titleId, 1, { commandId }), {
      requestId: 'request-7',
      userId: 'ann',
    });
    const [stored] = await eventsOf(titleId);
    expect(stored?.metadata).toEqual({
      commandId,
      commandDigest: expect.any(String),
      correlationId: 'request-7',
      causationId: commandId,
      userId: 'ann',
      schemaVersion: 1,
      traceparent,
      tenant: 'north',
    });
  });

  it('refuses a command a middleware would give another value for a field an earlier entry set, and appends nothing', async () => {
    const hijack: CommandMiddleware = { name: 'hijack', before: () => ({ correlationId: 'someone-else' }) };
    const titleId = randomUUID();
    const refused = send(pipelineWith([stampCommandMetadata, hijack]), catalogueTitle(titleId, 1));
    await expect(refused).rejects.toThrow('command middleware hijack may not replace metadata field correlationId');
    expect(await eventsOf(titleId)).toEqual([]);
  });

  it('refuses every command when no entry stamps it', async () => {
    const titleId = randomUUID();
    const unstamped = send(pipelineWith([]), catalogueTitle(titleId, 1));
    await expect(unstamped).rejects.toThrow(/stampCommandMetadata/);
    expect(await eventsOf(titleId)).toEqual([]);
  });

  it('shows after each outcome with the attempts it took: accepted, a conflict won, a domain refusal, a ConcurrencyError', async () => {
    const watch = watching();
    const titleId = randomUUID();
    const mine = pipelineWith([watch.middleware, stampCommandMetadata]);
    const impatient = pipelineWith([watch.middleware, stampCommandMetadata], { maxAttempts: 1 });
    const other = new CommandPipeline(esdb.connect());

    await send(mine, catalogueTitle(titleId, 3));
    await send(mine, lendCopy(titleId, 'loan-1'));
    await send(other, lendCopy(titleId, 'loan-2')); // mine's fold is now behind
    const won = await send(mine, lendCopy(titleId, 'loan-3'));
    const refused = send(mine, lendCopy(titleId, 'loan-4'));
    expect(await outcomeOf(refused)).toBe('NO_COPY_AVAILABLE');
    await send(impatient, returnCopy(titleId, 'loan-1')); // warms the impatient fold
    await send(other, returnCopy(titleId, 'loan-2'));
    const lost = send(impatient, returnCopy(titleId, 'loan-3'));
    await expect(lost).rejects.toBeInstanceOf(ConcurrencyError);

    const outcomes = watch.seen.map(({ command, settled }) => [
      command.type,
      loanOf(command),
      settled.ok ? settled.receipt.streamRevision : (settled.error as Error).name,
      settled.batch?.attempts,
    ]);
    expect(outcomes).toEqual([
      ['CatalogueTitle', undefined, 0n, 1],
      ['LendCopy', 'loan-1', 1n, 1],
      ['LendCopy', 'loan-3', 3n, 2],
      ['LendCopy', 'loan-4', 'DomainError', 1],
      ['ReturnCopy', 'loan-1', 4n, 1],
      ['ReturnCopy', 'loan-3', 'ConcurrencyError', 1],
    ]);
    expect(watch.seen.find(({ command }) => loanOf(command) === 'loan-3')?.settled).toMatchObject({
      receipt: won,
    });
    for (const { command, settled } of watch.seen) {
      const batch = settled.batch!;
      expect(command.receivedAt).toBeGreaterThan(0);
      expect(batch.startedAt).toBeGreaterThanOrEqual(command.receivedAt);
      expect(batch.appendStartedAt ?? batch.startedAt).toBeGreaterThanOrEqual(batch.startedAt);
      expect(settled.settledAt).toBeGreaterThanOrEqual(batch.appendStartedAt ?? batch.startedAt);
    }
    // A refusal appends nothing, so it has no append to time.
    expect(watch.seen.find(({ command }) => loanOf(command) === 'loan-4')?.settled.batch?.appendStartedAt).toBe(
      undefined,
    );
  });

  it('holds no stream’s queue while an async before waits: the stream’s other commands land meanwhile', async () => {
    let open: () => void = () => {};
    const gate = new Promise<undefined>((resolve) => {
      open = () => resolve(undefined);
    });
    const slowCheck: CommandMiddleware = {
      name: 'slow-check',
      before: (command) => (loanOf(command) === 'slow' ? gate : undefined),
    };
    const pipeline = pipelineWith([stampCommandMetadata, slowCheck]);
    const titleId = randomUUID();
    await send(pipeline, catalogueTitle(titleId, 5));
    let slowSettled = false;
    const slow = send(pipeline, lendCopy(titleId, 'slow')).finally(() => {
      slowSettled = true;
    });
    expect(await send(pipeline, lendCopy(titleId, 'fast'))).toMatchObject({ streamRevision: 1n });
    expect(await send(pipeline, lendCopy(titleId, 'faster'))).toMatchObject({ streamRevision: 2n });
    expect(slowSettled).toBe(false);
    open();
    expect(await slow).toMatchObject({ streamRevision: 3n });
  });

  it('reports an after that throws and still answers the command’s caller', async () => {
    const reported: [string, string][] = [];
    const faulty: CommandMiddleware = {
      name: 'faulty',
      after: () => {
        throw new Error('boom');
      },
    };
    const watch = watching();
    const pipeline = pipelineWith([watch.middleware, faulty, stampCommandMetadata], {
      onMiddlewareError: (error, middleware) => reported.push([middleware, (error as Error).message]),
    });
    const titleId = randomUUID();
    expect(await send(pipeline, catalogueTitle(titleId, 1))).toMatchObject({ streamRevision: 0n });
    expect(reported).toEqual([['faulty', 'boom']]);
    // The entries outside the faulty one still see the outcome.
    expect(watch.seen.map(({ settled }) => settled.ok)).toEqual([true]);
  });
});
