/** The state table (DynamoDB): lease, status, mode request, follow-up. Part of the AWS port (reconciler/aws.ts composes the parts). */
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
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
      const text = out.Item?.doc?.S;
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        throw new PortError(`state ${table}/${key} is not valid JSON: ${(err as Error).message}`, { code: 'InvalidStateDocument', retryable: false, cause: err });
      }
    },
    async writeState<T>(table: string, key: string, doc: T): Promise<void> {
      await call('dynamodb PutItem', `${table}/${key}`, () =>
        dr()
          .dynamodb()
          .send(new PutItemCommand({ TableName: table, Item: { id: { S: key }, doc: { S: JSON.stringify(doc) } } })),
      );
    },
  };
}
