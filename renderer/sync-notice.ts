/**
 * Sync errors that someone at the store must act on, as the sentence the header and the manager's screen show.
 * Runs in the renderer; pure. The tray says the same in a few words (electron/tray-model.ts).
 */
import type { Messages } from '../sync/loyalty/i18n/messages.ts';

/** The ledger refused the handshake for the till's protocol version (a final refusal: the till stops trying). */
export const PROTOCOL_VERSION_NOTICE =
  "This till's software is older than the ledger accepts: update the till. Sales are still recorded and will sync " +
  'after the update.';

/** The sentence for a sync error that needs the till updated, or null for any other (or no) error. */
export function syncNotice(lastError: { code: string } | null | undefined, m?: Messages): string | null {
  if (lastError?.code !== 'PROTOCOL_VERSION') return null;
  return m ? m.t('sync.protocolVersion') : PROTOCOL_VERSION_NOTICE;
}
