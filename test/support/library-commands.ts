import { randomUUID } from 'node:crypto';
import type { CommandPipeline } from '../../src/core/commands/command-pipeline.js';
import type { CommandMetadata } from '../../src/core/decider.js';
import type { CatalogueTitle, LendCopy, LibraryCommand, ReturnCopy } from './library/commands.js';
import { titleAggregate } from './library/title-aggregate.js';

/*
 * Library commands as an edge would send them: each with a fresh command id (or the one the
 * client chose) and the time it is sent.
 */

/** A command id the client chose, so the pipeline recognises a command sent again under it. */
export interface SendOptions {
  readonly commandId?: string;
}

export const commandMetadataFor = ({ commandId }: SendOptions = {}): CommandMetadata => {
  const id = commandId ?? randomUUID();
  return {
    commandId: id,
    commandIdFromClient: commandId !== undefined,
    correlationId: randomUUID(),
    causationId: id,
    now: new Date().toISOString(),
  };
};

export const catalogueTitle = (titleId: string, copies: number, options?: SendOptions): CatalogueTitle => ({
  type: 'CatalogueTitle',
  data: { titleId, name: `Title ${titleId.slice(0, 8)}`, copies },
  metadata: commandMetadataFor(options),
});

export const lendCopy = (titleId: string, loanId: string, memberId = 'member-1', options?: SendOptions): LendCopy => ({
  type: 'LendCopy',
  data: { titleId, loanId, memberId },
  metadata: commandMetadataFor(options),
});

export const returnCopy = (titleId: string, loanId: string, options?: SendOptions): ReturnCopy => ({
  type: 'ReturnCopy',
  data: { titleId, loanId },
  metadata: commandMetadataFor(options),
});

/** What one pipeline (one command instance) can be asked to do with one title. */
export const titleOn = (pipeline: CommandPipeline, titleId: string) => {
  const send = (command: LibraryCommand) => pipeline.handle(titleAggregate, command);
  return {
    catalogue: (copies: number, options?: SendOptions) => send(catalogueTitle(titleId, copies, options)),
    lend: (loanId: string, options?: SendOptions & { memberId?: string }) =>
      send(lendCopy(titleId, loanId, options?.memberId, options)),
    giveBack: (loanId: string, options?: SendOptions) => send(returnCopy(titleId, loanId, options)),
  };
};
