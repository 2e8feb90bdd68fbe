/** The state table (DynamoDB): lease, status, mode request, follow-up. Part of the AWS port (reconciler/aws.ts composes the parts). */
import { BatchGetItemCommand, DeleteItemCommand, GetItemCommand, PutItemCommand, TransactWriteItemsCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { PortError } from '../errors';
import type {
  StateStore,
} from '../port';
import { AwsContext, LEASE_KEY, hasCode, toPortError } from './clients';

/** The state table (DynamoDB): lease, status, mode request, follow-up. */
export function dynamodbPart(ctx: AwsContext): StateStore {
  const { dr, call } = ctx;
  return {
    async acquireLease(req): Promise<boolean> {
      const nowSeconds = Math.floor(req.now.getTime() / 1000);
      try {
        await dr()
          .dynamodb()
          .send(
            new PutItemCommand({
              TableName: req.table,
              Item: {
                id: { S: LEASE_KEY },
                holder: { S: req.holder },
                expiresAt: { N: String(nowSeconds + req.ttlSeconds) },
              },
              // Free, expired, already ours (a pass renewing its own lease), or claiming to last longer than any
              // lease can (a hostile or corrupt item, e.g. expiry in 2100): nothing may hold DR hostage (S11).
              ConditionExpression: 'attribute_not_exists(#id) OR #expiresAt < :now OR #expiresAt > :latest OR #holder = :holder',
              ExpressionAttributeNames: { '#id': 'id', '#expiresAt': 'expiresAt', '#holder': 'holder' },
              ExpressionAttributeValues: { ':now': { N: String(nowSeconds) }, ':latest': { N: String(nowSeconds + req.ttlSeconds) }, ':holder': { S: req.holder } },
            }),
          );
        return true;
      } catch (err) {
        if (hasCode(err, 'ConditionalCheckFailedException')) return false;
        throw toPortError(err, 'dynamodb PutItem (lease)', `${req.table}/${LEASE_KEY}`);
      }
    },
    async readLease(table: string) {
      const out = await call('dynamodb GetItem (lease)', `${table}/${LEASE_KEY}`, () =>
        dr()
          .dynamodb()
          .send(new GetItemCommand({ TableName: table, Key: { id: { S: LEASE_KEY } }, ConsistentRead: true })),
      );
      const item = out.Item;
      if (!item?.holder?.S || !item.expiresAt?.N) return undefined;
      return { holder: item.holder.S, expiresAt: new Date(Number(item.expiresAt.N) * 1000) };
    },
    async releaseLease(table: string, holder: string): Promise<void> {
      try {
        await dr()
          .dynamodb()
          .send(
            new DeleteItemCommand({
              TableName: table,
              Key: { id: { S: LEASE_KEY } },
              ConditionExpression: '#holder = :holder',
              ExpressionAttributeNames: { '#holder': 'holder' },
              ExpressionAttributeValues: { ':holder': { S: holder } },
            }),
          );
      } catch (err) {
        // Someone else took the lease after ours expired: theirs is not ours to delete.
        if (hasCode(err, 'ConditionalCheckFailedException')) return;
        throw toPortError(err, 'dynamodb DeleteItem (lease)', `${table}/${LEASE_KEY}`);
      }
    },
    async readState<T>(table: string, key: string): Promise<T | undefined> {
      const out = await call('dynamodb GetItem', `${table}/${key}`, () =>
        dr()
          .dynamodb()
          .send(new GetItemCommand({ TableName: table, Key: { id: { S: key } }, ConsistentRead: true })),
      );
      return parseDoc<T>(table, key, out.Item);
    },
    async readStates(table: string, keys: readonly string[]): Promise<Record<string, unknown>> {
      // One strongly consistent BatchGetItem for the pass's first reads. DynamoDB may return some keys as
      // UnprocessedKeys (throughput, an internal failure): those are asked again, a bounded number of times.
      const found: Record<string, unknown> = {};
      let pending: Record<string, AttributeValue>[] = keys.map((k) => ({ id: { S: k } }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > READ_STATES_ATTEMPTS) {
          throw new PortError(`dynamodb BatchGetItem ${table}: ${pending.length} key(s) still unprocessed after ${READ_STATES_ATTEMPTS} attempts`, { code: 'UnprocessedKeys', retryable: true });
        }
        if (attempt > 1) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const out = await call('dynamodb BatchGetItem', `${table}/${keys.join(',')}`, () =>
          dr()
            .dynamodb()
            .send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } })),
        );
        for (const item of out.Responses?.[table] ?? []) {
          const key = item.id?.S;
          if (key !== undefined) found[key] = parseDoc(table, key, item);
        }
        pending = (out.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, AttributeValue>[];
      }
      return found;
    },
    async writeState<T>(table: string, key: string, doc: T): Promise<void> {
      await call('dynamodb PutItem', `${table}/${key}`, () =>
        dr()
          .dynamodb()
          .send(new PutItemCommand({ TableName: table, Item: { id: { S: key }, doc: { S: JSON.stringify(doc) } } })),
      );
    },
    async writeStateAndRelease<T>(table: string, key: string, doc: T, holder: string): Promise<boolean> {
      // One transaction: the status lands only while the lease is still ours, and the lease goes with it (one
      // round trip instead of two). PutItem and DeleteItem permissions govern it; there is no separate IAM action.
      try {
        await dr()
          .dynamodb()
          .send(
            new TransactWriteItemsCommand({
              TransactItems: [
                { Put: { TableName: table, Item: { id: { S: key }, doc: { S: JSON.stringify(doc) } } } },
                {
                  Delete: {
                    TableName: table,
                    Key: { id: { S: LEASE_KEY } },
                    ConditionExpression: '#holder = :holder',
                    ExpressionAttributeNames: { '#holder': 'holder' },
                    ExpressionAttributeValues: { ':holder': { S: holder } },
                  },
                },
              ],
            }),
          );
        return true;
      } catch (err) {
        // Only the lease's condition can fail: another pass took it after ours expired. Nothing was written.
        const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
        if (hasCode(err, 'TransactionCanceledException') && reasons.some((r) => r.Code === 'ConditionalCheckFailed')) return false;
        throw toPortError(err, 'dynamodb TransactWriteItems (status, lease)', `${table}/${key}`);
      }
    },
  };
}

/** Attempts of one readStates call while DynamoDB leaves keys unprocessed. */
const READ_STATES_ATTEMPTS = 4;

function parseDoc<T>(table: string, key: string, item: Record<string, AttributeValue> | undefined): T | undefined {
  const text = item?.doc?.S;
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new PortError(`state ${table}/${key} is not valid JSON: ${(err as Error).message}`, { code: 'InvalidStateDocument', retryable: false, cause: err });
  }
}
