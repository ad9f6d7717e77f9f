import type { MinorUnits } from '../../../core/index.js';
import type { CurrencyCode } from '../currency.js';
import type { TransferEvent } from './transfer-events.js';

/*
 * A transfer's state machine: PENDING (requested → debited → credited, or → credit refused →
 * refunded) until it settles as COMPLETED or FAILED, which are final. The steps it took are kept
 * in order with their business time; where each sits in the log is the log's to say.
 */

/** What was asked for, fixed at the request. */
export interface TransferTerms {
  readonly transferId: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: MinorUnits;
  readonly currency: CurrencyCode;
  readonly requestedAt: string;
}

export type TransferStepKind =
  | 'REQUESTED'
  | 'DEBITED'
  | 'CREDITED'
  | 'CREDIT_REFUSED'
  | 'REFUNDED'
  | 'COMPLETED'
  | 'FAILED';

export interface TransferStepTaken {
  readonly kind: TransferStepKind;
  readonly at: string;
}

interface Requested {
  readonly terms: TransferTerms;
  readonly steps: readonly TransferStepTaken[];
}

/** No event yet: nobody asked for it. */
export interface NoTransfer {
  readonly status: 'none';
}

/**
 * Under way: asked for, the source debited, or the credit refused (and the debit still to give
 * back). While `debited` or `credit-refused`, the amount is in transit: out of the source, not in
 * any account.
 */
export type PendingTransfer = Requested & { readonly status: 'pending' } & (
    | { readonly stage: 'requested' | 'debited' }
    | { readonly stage: 'credit-refused'; readonly reason: string }
  );

export interface CompletedTransfer extends Requested {
  readonly status: 'completed';
  readonly completedAt: string;
}

export interface FailedTransfer extends Requested {
  readonly status: 'failed';
  readonly reason: string;
  readonly failedAt: string;
  /** True when the source was debited and refunded; false when the debit was refused. */
  readonly refunded: boolean;
}

export type TransferState = NoTransfer | PendingTransfer | CompletedTransfer | FailedTransfer;

export const initialTransferState: TransferState = { status: 'none' };

/** Stream category of transfers: `transfer-<id>`, so `$ce-transfer` and category filters see them. */
export const transferCategory = 'transfer';

export const transferStreamName = (transferId: string): string => `${transferCategory}-${transferId}`;

/** The step each transfer event records: what the state's steps and the transfers read model show. */
export const transferStepKinds: Readonly<Record<TransferEvent['type'], TransferStepKind>> = {
  TransferRequested: 'REQUESTED',
  TransferDebited: 'DEBITED',
  TransferCredited: 'CREDITED',
  TransferCreditRefused: 'CREDIT_REFUSED',
  TransferRefunded: 'REFUNDED',
  TransferCompleted: 'COMPLETED',
  TransferFailed: 'FAILED',
};

/** The state after `event`, with `event` among its steps; undefined when the event does not fit. */
const next = (state: TransferState, event: TransferEvent): TransferState | undefined => {
  if (event.type === 'TransferRequested') {
    if (state.status !== 'none') return undefined;
    const { occurredAt: requestedAt, ...terms } = event.data;
    return { status: 'pending', stage: 'requested', terms: { ...terms, requestedAt }, steps: [] };
  }
  if (state.status !== 'pending') return undefined;
  const { terms, steps } = state;
  switch (event.type) {
    case 'TransferDebited':
      return state.stage === 'requested' ? { status: 'pending', stage: 'debited', terms, steps } : undefined;
    case 'TransferCreditRefused': {
      const { reason } = event.data;
      return state.stage === 'debited'
        ? { status: 'pending', stage: 'credit-refused', reason, terms, steps }
        : undefined;
    }
    // Each is appended with the event that settles the transfer; the state moves with that one.
    case 'TransferCredited':
      return state.stage === 'debited' ? state : undefined;
    case 'TransferRefunded':
      return state.stage === 'credit-refused' ? state : undefined;
    case 'TransferCompleted':
      return state.stage === 'debited'
        ? { status: 'completed', completedAt: event.data.occurredAt, terms, steps }
        : undefined;
    case 'TransferFailed': {
      const { reason, occurredAt: failedAt } = event.data;
      if (state.stage === 'debited') return undefined;
      return { status: 'failed', reason, failedAt, refunded: state.stage === 'credit-refused', terms, steps };
    }
  }
};

/**
 * Applies one event. Never throws: one that does not fit the state (only a corrupted or
 * hand-written stream could hold it) leaves the state as it was.
 */
export const evolveTransfer = (state: TransferState, event: TransferEvent): TransferState => {
  const after = next(state, event);
  if (after === undefined || after.status === 'none') return state;
  return { ...after, steps: [...after.steps, { kind: transferStepKinds[event.type], at: event.data.occurredAt }] };
};

export const foldTransfer = (events: readonly TransferEvent[]): TransferState =>
  events.reduce(evolveTransfer, initialTransferState);
