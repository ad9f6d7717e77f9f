import { randomUUID } from 'node:crypto';
import type { CommandPipeline } from '../../src/core/commands/command-pipeline.js';
import type { IssuedCommand, RequestIdentity } from '../../src/core/index.js';
import type { CatalogueTitle, LendCopy, LibraryCommand, ReturnCopy } from './library/commands.js';
import { titleAggregate } from './library/title-aggregate.js';

/*
 * Library commands as an edge would issue them: type, data and the command id the client chose,
 * if any. The pipeline's stamping middleware gives each its ids and time; each is sent as a
 * request of its own.
 */

/** A command id the client chose, so the pipeline recognises a command sent again under it. */
export interface SendOptions {
  readonly commandId?: string;
}

/** A request of its own, as each client call is. */
export const anonymousRequest = (): RequestIdentity => ({ requestId: randomUUID() });

export const catalogueTitle = (
  titleId: string,
  copies: number,
  options?: SendOptions,
): IssuedCommand<CatalogueTitle> => ({
  type: 'CatalogueTitle',
  data: { titleId, name: `Title ${titleId.slice(0, 8)}`, copies },
  commandId: options?.commandId,
});

export const lendCopy = (
  titleId: string,
  loanId: string,
  memberId = 'member-1',
  options?: SendOptions,
): IssuedCommand<LendCopy> => ({
  type: 'LendCopy',
  data: { titleId, loanId, memberId },
  commandId: options?.commandId,
});

export const returnCopy = (titleId: string, loanId: string, options?: SendOptions): IssuedCommand<ReturnCopy> => ({
  type: 'ReturnCopy',
  data: { titleId, loanId },
  commandId: options?.commandId,
});

/** The command as a decider gets it, stamped as the pipeline stamps it: for deciding it in a test's own model. */
export const stamped = (command: IssuedCommand<LibraryCommand>): LibraryCommand => {
  const commandId = command.commandId ?? randomUUID();
  const metadata = {
    commandId,
    commandIdFromClient: command.commandId !== undefined && command.commandId !== null,
    correlationId: randomUUID(),
    causationId: commandId,
    now: new Date().toISOString(),
  };
  return { ...command, metadata } as LibraryCommand;
};

/** What one pipeline (one command instance) can be asked to do with one title. */
export const titleOn = (pipeline: CommandPipeline, titleId: string) => {
  const send = (command: IssuedCommand<LibraryCommand>) => pipeline.handle(titleAggregate, command, anonymousRequest());
  return {
    catalogue: (copies: number, options?: SendOptions) => send(catalogueTitle(titleId, copies, options)),
    lend: (loanId: string, options?: SendOptions & { memberId?: string }) =>
      send(lendCopy(titleId, loanId, options?.memberId, options)),
    giveBack: (loanId: string, options?: SendOptions) => send(returnCopy(titleId, loanId, options)),
  };
};
