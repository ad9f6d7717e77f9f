import type { DomainCommand } from '../../../src/core/index.js';

/** What a librarian asks of a title. Every command names its title: that is its stream. */

export type CatalogueTitle = DomainCommand<
  'CatalogueTitle',
  { readonly titleId: string; readonly name: string; readonly copies: number }
>;

/** The loan id is the caller's, so the decider makes no ids. `holdId`: the hold this loan answers, if any. */
export type LendCopy = DomainCommand<
  'LendCopy',
  { readonly titleId: string; readonly loanId: string; readonly memberId: string; readonly holdId?: string }
>;

export type ReturnCopy = DomainCommand<'ReturnCopy', { readonly titleId: string; readonly loanId: string }>;

export type LibraryCommand = CatalogueTitle | LendCopy | ReturnCopy;
