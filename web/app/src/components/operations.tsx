import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  AppBankStatsDocument,
  type AppBankStatsQuery,
  AppProjectionsDocument,
  type AppProjectionsQuery,
  AppTransactionRecordedDocument,
} from '../generated/graphql';
import { useLive } from '../use-live';
import { useApi } from './bank';

/** How often the projections' lag is read: it grows with time, not only with events. */
const lagEveryMs = 1_000;

/**
 * A manager's view: the bank's totals, read again after each transaction anywhere in the bank
 * (the bank-wide transactionRecorded feed, with that transaction's position as consistentWith),
 * and the projections' lag, read every second. The schema has no subscription for either.
 */
export const Operations = () => {
  const api = useApi();
  const [stats, setStats] = useState<AppBankStatsQuery['bankStats']>();
  const [projections, setProjections] = useState<AppProjectionsQuery['projections']>([]);
  const reading = useRef<Promise<void> | undefined>(undefined);
  const wanted = useRef<string | undefined>(undefined);

  // One read at a time: a burst of transactions costs one read after the one under way.
  const readStats = useCallback(
    (consistentWith?: string): void => {
      wanted.current = consistentWith;
      if (reading.current) return;
      reading.current = (async () => {
        do {
          const at = wanted.current;
          wanted.current = undefined;
          const result = await api.client.query(AppBankStatsDocument, { consistentWith: at }).toPromise();
          if (result.data) setStats(result.data.bankStats);
        } while (wanted.current !== undefined);
        reading.current = undefined;
      })();
    },
    [api],
  );
  useEffect(() => readStats(), [readStats]);
  useLive(AppTransactionRecordedDocument, {}, undefined, 'transactionRecorded', (transaction) =>
    readStats(transaction.position),
  );
  useEffect(() => {
    const read = () =>
      void api.client
        .query(AppProjectionsDocument, {})
        .toPromise()
        .then((result) => result.data && setProjections(result.data.projections));
    read();
    const timer = setInterval(read, lagEveryMs);
    return () => clearInterval(timer);
  }, [api]);

  return (
    <section class="operations">
      <h2>The bank</h2>
      <table class="stats">
        <thead>
          <tr>
            <th>Currency</th>
            <th class="money">Balance</th>
            <th class="money">Deposited</th>
            <th class="money">Withdrawn</th>
            <th class="money">In transit</th>
            <th class="money">Transferred</th>
            <th class="money">Open accounts</th>
          </tr>
        </thead>
        <tbody>
          {stats?.totals.map((total) => (
            <tr key={total.currency} data-currency={total.currency}>
              <td>{total.currency}</td>
              <td class="money" data-field="balance">
                {total.balance ?? '?'}
              </td>
              <td class="money">{total.deposited ?? '?'}</td>
              <td class="money">{total.withdrawn ?? '?'}</td>
              <td class="money">{total.inTransit ?? '?'}</td>
              <td class="money">{total.transferred ?? '?'}</td>
              <td class="money">{total.openAccounts ?? '?'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Projections</h3>
      <table class="projections">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th class="money">Lag (events)</th>
            <th class="money">Lag (ms)</th>
            <th class="money">Parked</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {projections.map((projection) => (
            <tr key={projection.name} data-projection={projection.name}>
              <td>{projection.name}</td>
              <td>{projection.kind === 'PROJECTION' ? 'read model' : 'process manager'}</td>
              <td class="money">
                {projection.lagEvents}
                {projection.lagAtLeast ? '+' : ''}
              </td>
              <td class="money">{projection.lagMs}</td>
              <td class="money">{projection.parked}</td>
              <td>{projection.halted ? 'halted' : 'running'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
};
