import { type Decider, DomainError, ValidationError } from '../../../src/core/index.js';
import type { CatalogueTitle, LendCopy, LibraryCommand, ReturnCopy } from './commands.js';
import type { CopyLent, CopyReturned, LibraryEvent, TitleCatalogued } from './events.js';

/*
 * A title in the library's catalogue: how many copies it has and which loans are open. Core's
 * integration tests run on this decider, so its rules are chosen to exercise the pipeline: a
 * refusal another writer can lift (no copy left until one comes back), one that stands for good
 * (catalogued twice), and many commands on one stream that all succeed (lending distinct copies).
 */

export interface UncataloguedTitle {
  readonly status: 'uncatalogued';
}

export interface CataloguedTitle {
  readonly status: 'catalogued';
  readonly titleId: string;
  readonly name: string;
  readonly copies: number;
  /** Open loans: loan id → member id. */
  readonly loans: Readonly<Record<string, string>>;
}

export type TitleState = UncataloguedTitle | CataloguedTitle;

export const initialState: TitleState = { status: 'uncatalogued' };

export const titleStreamName = (titleId: string): string => `title-${titleId}`;

/** Most copies one title may have; any positive count would do, a bound keeps input sane. */
const MAX_COPIES = 10_000;

export const evolve = (state: TitleState, event: LibraryEvent): TitleState => {
  switch (event.type) {
    case 'TitleCatalogued': {
      const { titleId, name, copies } = event.data;
      return state.status === 'uncatalogued' ? { status: 'catalogued', titleId, name, copies, loans: {} } : state;
    }
    case 'CopyLent':
      return state.status === 'catalogued'
        ? { ...state, loans: { ...state.loans, [event.data.loanId]: event.data.memberId } }
        : state;
    case 'CopyReturned': {
      if (state.status !== 'catalogued') return state;
      const { [event.data.loanId]: _returned, ...open } = state.loans;
      return { ...state, loans: open };
    }
    default:
      return ignoreUnknownEvent(state, event);
  }
};

const ignoreUnknownEvent = (state: TitleState, _event: never): TitleState => state;

export const foldTitle = (events: readonly LibraryEvent[]): TitleState => events.reduce(evolve, initialState);

export const decide = (command: LibraryCommand, state: TitleState): LibraryEvent[] => {
  switch (command.type) {
    case 'CatalogueTitle':
      return catalogue(command, state);
    case 'LendCopy':
      return lend(command, state);
    case 'ReturnCopy':
      return giveBack(command, state);
    default:
      return rejectUnknownCommand(command);
  }
};

const rejectUnknownCommand = (command: never): never => {
  throw new Error(`the library does not handle command ${JSON.stringify((command as { type?: unknown }).type)}`);
};

const catalogue = ({ data, metadata }: CatalogueTitle, state: TitleState): [TitleCatalogued] => {
  if (!Number.isInteger(data.copies) || data.copies < 1 || data.copies > MAX_COPIES) {
    throw new ValidationError(`copies must be a whole number from 1 to ${MAX_COPIES}, got ${data.copies}`, 'copies');
  }
  if (state.status !== 'uncatalogued') {
    throw new DomainError('TITLE_ALREADY_CATALOGUED', `title ${data.titleId} is already in the catalogue`);
  }
  const { titleId, name, copies } = data;
  return [{ type: 'TitleCatalogued', data: { titleId, name, copies, cataloguedAt: metadata.now } }];
};

const lend = ({ data, metadata }: LendCopy, state: TitleState): [CopyLent] => {
  const title = requireCatalogued(state, data.titleId);
  if (data.loanId in title.loans) {
    throw new DomainError('LOAN_ALREADY_OPEN', `loan ${data.loanId} of title ${title.titleId} is already open`);
  }
  const onLoan = Object.keys(title.loans).length;
  if (onLoan >= title.copies) {
    throw new DomainError('NO_COPY_AVAILABLE', `all ${title.copies} copies of title ${title.titleId} are out`);
  }
  const { titleId } = title;
  const { loanId, memberId, holdId } = data;
  const lent = { titleId, loanId, memberId, onLoanAfter: onLoan + 1, at: metadata.now };
  return [{ type: 'CopyLent', data: holdId === undefined ? lent : { ...lent, holdId } }];
};

const giveBack = ({ data, metadata }: ReturnCopy, state: TitleState): [CopyReturned] => {
  const title = requireCatalogued(state, data.titleId);
  const memberId = title.loans[data.loanId];
  if (memberId === undefined) {
    throw new DomainError('LOAN_NOT_FOUND', `title ${title.titleId} has no open loan ${data.loanId}`);
  }
  const { titleId } = title;
  const onLoanAfter = Object.keys(title.loans).length - 1;
  return [{ type: 'CopyReturned', data: { titleId, loanId: data.loanId, memberId, onLoanAfter, at: metadata.now } }];
};

const requireCatalogued = (state: TitleState, titleId: string): CataloguedTitle => {
  if (state.status === 'uncatalogued') {
    throw new DomainError('TITLE_NOT_CATALOGUED', `title ${titleId} is not in the catalogue`);
  }
  return state;
};

export const titleDecider: Decider<LibraryCommand, LibraryEvent, TitleState> = { initialState, decide, evolve };
