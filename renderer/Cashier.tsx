/**
 * The cashier's screen, keyboard first: card field (a scanner types the card and Enter), member panel, one action
 * panel at a time (basket, rewards, void, enrol, gift voucher as payment, and while a program closes: terms,
 * conversion into a voucher), the result of the last
 * action and the receipt. Nothing here waits on the network: the engine journals locally and answers at once (a burn
 * or a voucher waits at most the program's short authorization deadline while online, and says so without blocking
 * the screen).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Program } from '../sync/loyalty/program.ts';
import { receiptText } from '../sync/loyalty/receipt.ts';
import type { MemberId } from '../sync/loyalty/units.ts';
import type { RunningTill } from '../sync/till/till.ts';
import { failureReport, useNow, useObservable } from './hooks.ts';
import { useMessages } from './i18n.tsx';
import { lookupRefusalSentence } from './engine-messages.ts';
import { ConsentForm } from './ConsentForm.tsx';
import { MemberPanel } from './MemberPanel.tsx';
import type { ActionReport, FocusRequest, Notice } from './panel-props.ts';
import { PANELS, PanelBody, PanelTabs, panelKeys, panelShortcuts } from './panels.tsx';
import type { PanelId } from './panels.tsx';

const PANEL_KEYS = panelKeys(PANELS);

export function Cashier({
  till,
  program,
  storeName,
  online = false,
}: {
  till: RunningTill;
  program: Program | undefined;
  storeName: string | undefined;
  /** Whether this window reaches the ledger now (a voucher needs it). */
  online?: boolean;
}) {
  const engine = till.engine;
  const [panel, setPanel] = useState<PanelId>('card');
  const [focus, setFocus] = useState<FocusRequest>({ tick: 0, target: 'first' });
  const [memberId, setMemberId] = useState<MemberId | null>(null);
  const member$ = useMemo(() => (memberId ? engine.member$(memberId) : undefined), [engine, memberId]);
  const observed = useObservable(member$, undefined).value;
  // The observed value outlives its source: without this, the customer ended with Esc (or the one before a new
  // lookup, until the new member's view arrives) would stay on screen, and the actions would take it.
  const member = observed?.memberId === memberId ? observed : undefined;
  const [notice, setNotice] = useState<Notice | null>(null);
  const [receipt, setReceipt] = useState<string | null>(null);
  const [cardText, setCardText] = useState('');
  const cardRef = useRef<HTMLInputElement>(null);
  const now = useNow();
  const m = useMessages();
  const shortcuts: [string, string][] = useMemo(
    () => [...panelShortcuts(PANELS, m), ['F10', m.t('cashier.keyManager')], ['Esc', m.t('cashier.keyEsc')]],
    [m],
  );

  const go = useCallback((p: PanelId, target: FocusRequest['target'] = 'first') => {
    setPanel(p);
    setFocus((f) => ({ tick: f.tick + 1, target }));
  }, []);

  useEffect(() => {
    if (panel === 'card') {
      cardRef.current?.focus();
      cardRef.current?.select();
    }
  }, [panel, focus]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = PANEL_KEYS.get(e.key);
      if (target) {
        e.preventDefault();
        go(target[0], target[1]);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        // Esc steps back to the card field; once there with nothing typed, it ends the customer.
        if (panel === 'card' && cardText === '') {
          setMemberId(null);
          setNotice(null);
        }
        setCardText('');
        go('card');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go, panel, cardText]);

  const report = useCallback(
    (r: ActionReport) => {
      setNotice(r.notice);
      if (r.memberId) setMemberId(r.memberId);
      if (r.printed && program) {
        const { op, view, quote, voucherValidUntil } = r.printed;
        setReceipt(
          receiptText({
            program,
            ...(storeName ? { storeName } : {}),
            op: op.op,
            view,
            ...(quote ? { quote } : {}),
            ...(voucherValidUntil !== undefined ? { voucherValidUntil } : {}),
            at: op.createdAt,
          }),
        );
      }
    },
    [program, storeName],
  );

  const lookup = async (card: string) => {
    setNotice({ tone: 'ok', text: m.t('cashier.lookingUp', { card }) });
    try {
      const r = await engine.lookup(card);
      if (!r.found) {
        setNotice({ tone: 'error', text: lookupRefusalSentence(r, m) });
        return;
      }
      setMemberId(r.member.memberId);
      setNotice({ tone: 'ok', text: m.t('cashier.found', { name: r.member.name, points: r.member.displayed }) });
      go('basket');
    } catch (e) {
      report(failureReport(e, m));
    }
  };

  return (
    <main className="cashier">
      <section className="col col-left" aria-label={m.t('cashier.customer')}>
        <form
          className="card-form"
          onSubmit={(e) => {
            e.preventDefault();
            const c = cardText.trim();
            if (c) {
              setCardText('');
              void lookup(c);
            }
          }}
        >
          <label htmlFor="card">
            {m.t('cashier.cardLabel')} <kbd>F2</kbd>
          </label>
          <input
            id="card"
            ref={cardRef}
            value={cardText}
            onChange={(e) => setCardText(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            inputMode="numeric"
            aria-describedby="card-hint"
          />
          <p id="card-hint" className="hint">
            {m.t('cashier.cardHint')}
          </p>
        </form>
        <MemberPanel
          member={member}
          program={program}
          now={now}
          consentForm={
            member && <ConsentForm key={member.memberId} engine={engine} member={member} onReport={report} />
          }
        />
      </section>

      <section className="col col-mid" aria-label={m.t('cashier.actions')}>
        <PanelTabs program={program} current={panel} onOpen={go} />
        <div className="panel">
          <PanelBody
            id={panel}
            till={till}
            engine={engine}
            program={program}
            member={member}
            now={now}
            online={online}
            focus={focus}
            onReport={report}
          />
        </div>
        <div
          className={`notice ${notice ? `notice-${notice.tone}` : ''}`}
          role={notice?.tone === 'error' ? 'alert' : 'status'}
          aria-live="polite"
          data-testid="notice"
          data-decision={notice?.decision}
        >
          {notice?.text}
        </div>
      </section>

      <section className="col col-right" aria-labelledby="receipt-h">
        <h2 id="receipt-h">{m.t('cashier.receipt')}</h2>
        <pre
          className={`receipt ${receipt ? '' : 'receipt-empty'}`}
          data-testid="receipt"
          tabIndex={0}
          aria-label={m.t('cashier.receiptLabel')}
        >
          {receipt ?? m.t('cashier.receiptEmpty')}
        </pre>
        <button type="button" onClick={() => window.print()} disabled={!receipt}>
          {m.t('cashier.print')} <kbd>Ctrl+P</kbd>
        </button>
      </section>

      <footer className="keys" aria-label={m.t('cashier.shortcuts')}>
        {shortcuts.map(([k, what]) => (
          <span key={k}>
            <kbd>{k}</kbd> {what}
          </span>
        ))}
      </footer>
    </main>
  );
}
