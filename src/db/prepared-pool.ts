import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/** Statements longer than this (large multi-row inserts) are not worth a server-side plan. */
const maxPreparedLength = 4096;
/** Distinct statements one connection prepares at most; beyond it queries run unprepared. */
const maxPreparedPerConnection = 500;

const prepared = new WeakMap<pg.PoolClient, Set<string>>();

/** Statement names by text, so a query run again is not hashed again; emptied when it reaches this size. */
const namesBySql = new Map<string, string>();
const maxNamesRemembered = 2_000;

function statementName(sql: string): string {
  let name = namesBySql.get(sql);
  if (name === undefined) {
    name = `k${createHash('sha1').update(sql).digest('base64url')}`;
    if (namesBySql.size >= maxNamesRemembered) namesBySql.clear();
    namesBySql.set(sql, name);
  }
  return name;
}

/**
 * Runs Kysely's queries as named prepared statements, named by a hash of their text, so
 * PostgreSQL parses and plans each query shape once per connection instead of on every call —
 * for short queries that halves the database's work. The number of statements per connection is
 * bounded. Poolers that cannot keep prepared statements (PgBouncer in transaction mode before
 * 1.21) need LAUREL_DB_PREPARED_STATEMENTS=false.
 */
export class PreparedStatementPool implements PostgresPool {
  constructor(private readonly pool: pg.Pool) {}

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.pool.connect();
    let names = prepared.get(client);
    if (!names) prepared.set(client, (names = new Set()));
    const known = names;
    return {
      query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>> {
        if (sql.length > maxPreparedLength) return client.query(sql, parameters as unknown[]) as unknown as Promise<PostgresQueryResult<R>>;
        const name = statementName(sql);
        if (!known.has(name)) {
          if (known.size >= maxPreparedPerConnection) return client.query(sql, parameters as unknown[]) as unknown as Promise<PostgresQueryResult<R>>;
          known.add(name);
        }
        return client.query({ name, text: sql, values: parameters as unknown[] }) as unknown as Promise<PostgresQueryResult<R>>;
      },
      release: () => client.release(),
    } as PostgresPoolClient;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
