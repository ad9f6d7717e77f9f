import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandPipeline } from '../../../src/core/commands/command-pipeline.js';
import { readEventEnvelopes } from '../../../src/core/eventstore/read-stream.js';
import type { IssuedCommand } from '../../../src/core/index.js';
import { useEsdbLocal } from '../../support/esdb-local.js';
import type { LibraryCommand } from '../../support/library/commands.js';
import { libraryEventDecoders } from '../../support/library/event-decoders.js';
import {
  decide,
  evolve,
  foldTitle,
  initialState,
  type TitleState,
  titleStreamName,
} from '../../support/library/title.js';
import { titleAggregate } from '../../support/library/title-aggregate.js';
import { anonymousRequest, catalogueTitle, lendCopy, returnCopy, stamped } from '../../support/library-commands.js';
import { outcomeOf } from '../../support/pipeline.js';

/*
 * Random command sequences run through the real pipeline against esdb-local, beside a model that
 * runs `decide` and `evolve` in memory. What the store holds afterwards, folded again, must be
 * the state the model's decider saw; and each command must be refused exactly when the model's
 * decider refuses it.
 */

type Step =
  | { readonly kind: 'catalogue'; readonly copies: number }
  | { readonly kind: 'lend' | 'return'; readonly loan: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('lend' as const), loan: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('return' as const), loan: fc.integer({ min: 0, max: 4 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('catalogue' as const), copies: fc.integer({ min: 1, max: 3 }) }),
  },
);

const commandFor = (next: Step, titleId: string): IssuedCommand<LibraryCommand> => {
  switch (next.kind) {
    case 'catalogue':
      return catalogueTitle(titleId, next.copies);
    case 'lend':
      return lendCopy(titleId, `loan-${next.loan}`);
    case 'return':
      return returnCopy(titleId, `loan-${next.loan}`);
  }
};

describe('the command pipeline under random command sequences', () => {
  const esdb = useEsdbLocal();

  it('stores exactly the events the decider chose, so folding them gives the state it saw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 25 }),
        fc.integer({ min: 0, max: 3 }),
        async (steps, copiesFirst) => {
          const titleId = randomUUID();
          const pipeline = new CommandPipeline(esdb.client);
          let model: TitleState = initialState;
          const first: Step[] = copiesFirst === 0 ? [] : [{ kind: 'catalogue', copies: copiesFirst }];
          for (const next of [...first, ...steps]) {
            const command = commandFor(next, titleId);
            const expected = await outcomeOf(
              (async () => {
                model = decide(stamped(command), model).reduce(evolve, model);
              })(),
            );
            expect(await outcomeOf(pipeline.handle(titleAggregate, command, anonymousRequest()))).toBe(expected);
          }
          const stored = await readEventEnvelopes(esdb.client, titleStreamName(titleId));
          expect(foldTitle(libraryEventDecoders.decodeAll(stored))).toEqual(model);
        },
      ),
      { numRuns: 30 },
    );
  });
});
