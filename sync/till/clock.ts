/** Time and ids are inputs of the till engine, so tests can fix them. Runs anywhere. */
import { v7 as uuidv7 } from 'uuid';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Makes a new lower-case UUID (v7 in production, so ids sort by creation time). */
export type IdMaker = () => string;

/** The host's clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** UUIDv7 ids, lower-case as the protocol requires. */
export const uuidV7Ids: IdMaker = () => uuidv7().toLowerCase();
