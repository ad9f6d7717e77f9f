import type { CommandRule, DomainModule } from '../../../src/core/index.js';
import type { LibraryCommand } from './commands.js';
import type { HoldCommand } from './hold-events.js';
import { createLibraryServices, type LibraryServices } from './library-services.js';
import { circulationProjection } from './projections/circulation.js';
import { shelfProjection } from './projections/shelf.js';

/*
 * The library: core's own test context. Core's integration tests (test/integration/core/) run
 * the pipeline, projections, consistentWith and live feeds on it, so they prove core works for
 * a context that shares nothing with the bank. Like every context it reaches core only through
 * src/core/index.ts (lint holds this folder to that). It has no GraphQL resolvers: the tests
 * drive its services directly, as resolvers would. Its process manager, the hold desk
 * (hold-desk.ts), is started by the tests that need it, since modules do not declare process
 * managers yet.
 */
export const libraryModule: DomainModule<LibraryServices> = {
  resolvers: [],
  projections: [shelfProjection, circulationProjection],
  createServices: createLibraryServices,
  // No operations of its own; its commands are a librarian's, should a test put the policy on them.
  access: () => ({
    queries: {},
    subscriptions: {},
    mutations: {},
    commands: {
      CatalogueTitle: { roles: { librarian: 'all' } },
      LendCopy: { roles: { librarian: 'all' } },
      ReturnCopy: { roles: { librarian: 'all' } },
      PlaceHold: { roles: { librarian: 'all' } },
      FulfilHold: { roles: { librarian: 'all' } },
      CancelHold: { roles: { librarian: 'all' } },
    } satisfies Record<LibraryCommand['type'] | HoldCommand['type'], CommandRule>,
  }),
};
