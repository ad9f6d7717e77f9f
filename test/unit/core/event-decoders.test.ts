import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/decider.js';
import { EventDecodingError, eventDecoders } from '../../../src/core/event-decoders.js';
import type { EventEnvelope } from '../../../src/core/eventstore/event-envelope.js';

/*
 * The registry's rules on a context of one type whose shape changed twice: `Renamed` stored
 * `{ name }` in version 1, `{ title }` in version 2, and `{ title, lang }` now (version 3).
 */

type Renamed = DomainEvent<'Renamed', { readonly title: string; readonly lang: string }>;
type RenamedV2 = Omit<Renamed['data'], 'lang'>;
interface RenamedV1 {
  readonly name: string;
}

const fromV2 = (stored: RenamedV2): Renamed['data'] => ({ ...stored, lang: 'und' });
const decoders = eventDecoders<Renamed>({
  Renamed: {
    1: (stored: RenamedV1) => fromV2({ title: stored.name }),
    2: fromV2,
    3: (stored: Renamed['data']) => stored,
  },
});

const record = (data: unknown, metadata: Record<string, unknown>, type = 'Renamed'): EventEnvelope => ({
  id: 'event-1',
  type,
  data,
  metadata,
  streamName: 'book-1',
  revision: 4n,
  position: 900n,
  created: new Date(0),
});

describe('a context’s event decoders', () => {
  it('upcast every stored version to the current shape and keep the record’s place in the log', () => {
    const v1 = decoders.decode(record({ name: 'Dune' }, { schemaVersion: 1 }));
    const v2 = decoders.decode(record({ title: 'Dune' }, { schemaVersion: 2 }));
    const v3 = decoders.decode(record({ title: 'Dune', lang: 'en' }, { schemaVersion: 3 }));
    expect(v1).toMatchObject({ id: 'event-1', streamName: 'book-1', revision: 4n, position: 900n });
    expect([v1?.data, v2?.data, v3?.data]).toEqual([
      { title: 'Dune', lang: 'und' },
      { title: 'Dune', lang: 'und' },
      { title: 'Dune', lang: 'en' },
    ]);
  });

  it('hand back the record itself when the current version reads it as stored', () => {
    const stored = record({ title: 'Dune', lang: 'en' }, { schemaVersion: 3 });
    expect(decoders.decode(stored)).toBe(stored);
  });

  it('read an event without a schema version as version 1', () =>
    expect(decoders.decode(record({ name: 'Dune' }, {}))?.data).toEqual({ title: 'Dune', lang: 'und' }));

  it('skip a type they do not know and a version newer than they know: newer code wrote them', () => {
    expect(decoders.decode(record({ title: 'Dune' }, { schemaVersion: 1 }, 'Shelved'))).toBeUndefined();
    expect(decoders.decode(record({ title: 'Dune', lang: 'en', isbn: 'x' }, { schemaVersion: 4 }))).toBeUndefined();
  });

  it('skip in decodeAll exactly what decode skips, in order', () => {
    const records = [
      record({ name: 'A' }, { schemaVersion: 1 }),
      record({}, { schemaVersion: 9 }),
      record({}, {}, 'Shelved'),
      record({ title: 'B', lang: 'fr' }, { schemaVersion: 3 }),
    ];
    expect(decoders.decodeAll(records).map((event) => event.data.title)).toEqual(['A', 'B']);
  });

  it.each([0, -1, 1.5, '2', null])('refuse schema version %j with an EventDecodingError naming the event', (version) =>
    expect(() => decoders.decode(record({ title: 'Dune' }, { schemaVersion: version }))).toThrow(
      new EventDecodingError(`Renamed event event-1 (book-1@4) has schema version ${JSON.stringify(version)}`),
    ),
  );

  it.each([
    ['a string', 'Dune'],
    ['a list', ['Dune']],
    ['null', null],
    ['bytes', new Uint8Array([1])],
  ])('refuse data that is %s', (_what, data) =>
    expect(() => decoders.decode(record(data, { schemaVersion: 3 }))).toThrow(
      new EventDecodingError('Renamed event event-1 (book-1@4) does not hold a JSON object'),
    ),
  );

  it('refuse an event whose upcast throws, with the upcast’s error as the cause', () => {
    const failing = eventDecoders<Renamed>({
      Renamed: {
        1: () => {
          throw new Error('no name');
        },
        2: fromV2,
        3: (stored: Renamed['data']) => stored,
      },
    });
    let thrown: unknown;
    try {
      failing.decode(record({}, { schemaVersion: 1 }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EventDecodingError);
    expect((thrown as Error).message).toBe('Renamed event event-1 (book-1@4) of schema version 1 cannot be upcast');
    expect((thrown as Error).cause).toEqual(new Error('no name'));
  });

  it('tell the version each type is written in now, and list the types', () => {
    expect(decoders.versionOf('Renamed')).toBe(3);
    expect(decoders.types).toEqual(['Renamed']);
  });

  it('refuse a decoder that misses a version between 1 and its current one', () =>
    expect(() =>
      eventDecoders<Renamed>({ Renamed: { 1: (stored: RenamedV1) => fromV2({ title: stored.name }), 3: fromV2 } }),
    ).toThrow('the decoder of Renamed must have an upcast for each version from 1 up, got [1,3]'));
});
