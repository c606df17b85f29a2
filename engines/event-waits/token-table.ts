import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Where a state machine's waiting task leaves its task token for the event that will resume it: one item per
 * AWS resource (`key`), holding the newest token. DynamoDB's time to live removes what no event ever took
 * (a lost event, a task that resumed through its timeout): the table never grows.
 */
export interface TokenTable {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
}

/** Attribute names, written once for the construct (key schema, time to live) and the code. */
export const TOKEN_TABLE = { key: 'key', token: 'token', expiresAt: 'expiresAt' } as const;

/** The key of a wait on one RDS DB instance (what RDS events and AWS Backup restore jobs name). */
export const instanceKey = (instanceIdentifier: string): string => `rds-instance:${instanceIdentifier}`;

/** Leave `token` under `key`, replacing an older token of the same resource (its task resumed another way). */
export async function putToken(table: TokenTable, key: string, token: string, expiresAt: Date): Promise<void> {
  await table.dynamodb.send(
    new PutItemCommand({
      TableName: table.tableName,
      Item: {
        [TOKEN_TABLE.key]: { S: key },
        [TOKEN_TABLE.token]: { S: token },
        [TOKEN_TABLE.expiresAt]: { N: String(Math.ceil(expiresAt.getTime() / 1000)) },
      },
    }),
  );
}

/** Take the token under `key` (delete and return it in one call): two events for one wait resume it once. */
export async function takeToken(table: TokenTable, key: string): Promise<string | undefined> {
  const out = await table.dynamodb.send(
    new DeleteItemCommand({
      TableName: table.tableName,
      Key: { [TOKEN_TABLE.key]: { S: key } },
      ReturnValues: 'ALL_OLD',
    }),
  );
  return out.Attributes?.[TOKEN_TABLE.token]?.S;
}
