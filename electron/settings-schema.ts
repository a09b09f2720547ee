/**
 * The schemas of what the renderer may store in the main process (the till's ledger, ids and token). Pure (zod and
 * the sync schemas only): the main process parses IPC arguments with them and the renderer's setup screen validates
 * its form with the very same ones, so the page never sends what main would refuse.
 */
import { z } from 'zod';
import { StoreIdSchema, TillIdSchema } from '../sync/loyalty/units.ts';
import { HandshakeAuthSchema } from '../sync/protocol/messages.ts';
import { ledgerOrigins } from './origins.ts';

/** An http(s) URL without credentials (the till token travels in the handshake, never in the URL). */
export const LedgerUrlSchema = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      ledgerOrigins(s);
      return true;
    } catch {
      return false;
    }
  }, 'must be an http: or https: URL without user name or password');

/** The till's identity at the ledger, as the setup screen enters it. */
export const TillIdentitySchema = z.object({
  ledgerUrl: LedgerUrlSchema,
  tillId: TillIdSchema,
  storeId: StoreIdSchema,
});

/** What the renderer may change through `settings:set`; everything else is the main process's business. */
export const SettingsPatchSchema = TillIdentitySchema.partial().strict();
export type SettingsPatch = z.input<typeof SettingsPatchSchema>;

/** The till token the ledger issued (`ledger till add`), as the handshake accepts it. */
export const TillTokenSchema = HandshakeAuthSchema.shape.token;
