import { DeadlineExceededError, UnavailableError } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import {
  CommandIdReusedError,
  ConcurrencyError,
  DomainError,
  ServiceUnavailableError,
  ValidationError,
} from '../../../src/core/errors.js';
import { assertProcessManagers } from '../../../src/core/process-managers/declarations.js';
import { stepCommandId } from '../../../src/core/process-managers/reaction.js';
import { refusalKind } from '../../../src/core/process-managers/refusals.js';
import { failurePolicy } from '../../../src/core/projections/failure-policy.js';
import { holdDesk } from '../../support/library/hold-desk.js';

/* What the process-manager runner decides without I/O: how a refusal is judged, what it refuses to run, its ids. */

describe('a refusal of a process manager’s command', () => {
  it('is for good when a business rule said no', () => {
    expect(refusalKind(new DomainError('NO_COPY_AVAILABLE', 'all copies are out'))).toBe('for-good');
  });

  it('passes when the moment is wrong: a conflict, a dependency or the event store away', () => {
    expect(refusalKind(new ConcurrencyError('title-1'))).toBe('passing');
    expect(refusalKind(new ServiceUnavailableError('Redis is unreachable'))).toBe('passing');
    expect(refusalKind(new UnavailableError())).toBe('passing');
    expect(refusalKind(new DeadlineExceededError())).toBe('passing');
    // What a stream read rejects with while the store is down: grpc-js's error, unconverted.
    const grpcError = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: 14,
      details: 'No connection established',
    });
    expect(refusalKind(grpcError)).toBe('passing');
    expect(refusalKind(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('passing');
  });

  it('is a failure of the event for a malformed command, a reused id or a bug', () => {
    expect(refusalKind(new ValidationError('copies must be a whole number'))).toBe('failure');
    expect(refusalKind(new CommandIdReusedError('c-1'))).toBe('failure');
    expect(refusalKind(new TypeError('undefined is not a function'))).toBe('failure');
  });
});

describe('process manager declarations', () => {
  it('are refused at start-up with two of one name, a halting policy, or a name no key can hold', () => {
    expect(() => assertProcessManagers([holdDesk(), holdDesk()])).toThrow(/two process managers are named "hold-desk"/);
    expect(() =>
      assertProcessManagers([holdDesk({ failurePolicy: failurePolicy({ whenExhausted: 'halt' }) })]),
    ).toThrow(/must park, not halt/);
    expect(() => assertProcessManagers([holdDesk({ name: 'hold desk' })])).toThrow(TypeError);
    expect(() => assertProcessManagers([holdDesk(), holdDesk({ name: 'other-desk' })])).not.toThrow();
  });

  it('are refused at start-up with a concurrency that is not a positive whole number', () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      expect(() => assertProcessManagers([holdDesk({ concurrency })])).toThrow(
        /concurrency must be a positive integer/,
      );
    }
    expect(() => assertProcessManagers([holdDesk({ concurrency: 1 })])).not.toThrow();
  });

  it('give each step one command id per cause, process manager and place in the reaction', () => {
    const cause = { id: '5d1f0c8e-8a4b-4e0c-9f4e-0b8f4c1a2d3e' };
    const id = stepCommandId(cause, 'hold-desk', '0');
    expect(stepCommandId(cause, 'hold-desk', '0')).toBe(id);
    const others = [
      stepCommandId(cause, 'hold-desk', '1'),
      stepCommandId(cause, 'hold-desk', '0!0'),
      stepCommandId(cause, 'other-desk', '0'),
      stepCommandId({ id: '6d1f0c8e-8a4b-4e0c-9f4e-0b8f4c1a2d3e' }, 'hold-desk', '0'),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });
});
