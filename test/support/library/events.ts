import type { DomainEvent, Recorded } from '../../../src/core/index.js';

/*
 * What happened to a library title: catalogued with a number of copies, copies lent and
 * returned. Each event names its title and carries what readers need without replaying the
 * stream (`onLoanAfter`), as a context's events should.
 */

export type TitleCatalogued = DomainEvent<
  'TitleCatalogued',
  { readonly titleId: string; readonly name: string; readonly copies: number; readonly cataloguedAt: string }
>;

/** Shared by lending and returning: which loan, whose, and how many copies are out afterwards. */
interface LoanChange {
  readonly titleId: string;
  readonly loanId: string;
  readonly memberId: string;
  readonly onLoanAfter: number;
  readonly at: string;
}

/** `holdId`: the hold the loan answers, when the hold desk lent it. */
export type CopyLent = DomainEvent<'CopyLent', LoanChange & { readonly holdId?: string }>;

export type CopyReturned = DomainEvent<'CopyReturned', LoanChange>;

export type LibraryEvent = TitleCatalogued | CopyLent | CopyReturned;

export type LibraryEventType = LibraryEvent['type'];

/** A library event as read back from the log through the library's decoders. */
export type RecordedLibraryEvent = Recorded<LibraryEvent>;

export const libraryEventTypes: readonly LibraryEventType[] = ['TitleCatalogued', 'CopyLent', 'CopyReturned'];
