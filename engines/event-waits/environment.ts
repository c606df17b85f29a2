/** The environment variables the event-waits construct sets on its functions (each name written once). */
export const EVENT_WAITS_ENV = { tableName: 'RXDR_WAIT_TOKEN_TABLE' } as const;
