/**
 * The cashier's screen, keyboard first: card field (a scanner types the card and Enter), member panel, one action
 * panel at a time (basket, rewards, void, enrol, gift voucher as payment, and while a program closes: terms,
 * conversion into a voucher), the result of the last
 * action and the receipt. Nothing here waits on the network: the engine journals locally and answers at once (a burn
 * or a voucher waits at most the program's short authorization deadline while online, and says so without blocking
 * the screen).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { EarnQuote } from '../sync/loyalty/earn.ts';
import type { Program } from '../sync/loyalty/program.ts';
import { receiptText } from '../sync/loyalty/receipt.ts';
import type { MemberId } from '../sync/loyalty/units.ts';
import type { OpRow } from '../sync/till/db.ts';
import type { RunningTill } from '../sync/till/till.ts';
import type { MemberView } from '../sync/till/view.ts';
import { BasketPanel } from './BasketPanel.tsx';
import { ConvertPanel } from './ConvertPanel.tsx';
import { EnrolPanel } from './EnrolPanel.tsx';
import { GiftVoucherPanel } from './GiftVoucherPanel.tsx';
import { lookupRefusalSentence } from './engine-messages.ts';
import { errorSentence, fmtPoints } from './format.ts';
import { useNow, useObservable } from './hooks.ts';
import { MemberPanel } from './MemberPanel.tsx';
import { RewardsPanel } from './RewardsPanel.tsx';
import { TermsPanel } from './TermsPanel.tsx';
import { VoidPanel } from './VoidPanel.tsx';

export type Tone = 'ok' | 'warn' | 'error';
export interface Notice {
  tone: Tone;
  text: string;
  /** For a burn: how it was decided (shown, and read by the browser tests). */
  decision?: 'online' | 'offline' | 'refused';
}
export type Panel = 'card' | 'basket' | 'rewards' | 'void' | 'enrol' | 'terms' | 'convert' | 'giftVoucher';
/** Asks a panel to focus its first field (or a named one) again: `tick` changes on every request. */
export interface FocusRequest {
  tick: number;
  target: 'first' | 'points';
}

/** What every action panel reports back. */
export interface ActionReport {
  notice: Notice;
  /** The op to print, with the member after it (and, for a conversion, when its voucher stops being valid). */
  printed?: { op: OpRow; view: MemberView; quote?: EarnQuote; voucherValidUntil?: number };
  /** The member to show from now on (after an enrolment). */
  memberId?: MemberId;
}

const SHORTCUTS: [string, string][] = [
  ['F1', 'Take a gift voucher'],
  ['F2', 'Card'],
  ['F3', 'Basket'],
  ['F4', 'Rewards'],
  ['F5', 'Pay with points'],
  ['F6', 'Void'],
  ['F7', 'New terms'],
  ['F8', 'Enrol'],
  ['F9', 'Convert to voucher'],
  ['F10', 'Manager'],
  ['Esc', 'Back (twice: next customer)'],
];

const PANEL_KEYS: Record<string, [Panel, FocusRequest['target']]> = {
  F1: ['giftVoucher', 'first'],
  F2: ['card', 'first'],
  F3: ['basket', 'first'],
  F4: ['rewards', 'first'],
  F5: ['rewards', 'points'],
  F6: ['void', 'first'],
  F7: ['terms', 'first'],
  F8: ['enrol', 'first'],
  F9: ['convert', 'first'],
};

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
  const [panel, setPanel] = useState<Panel>('card');
  const [focus, setFocus] = useState<FocusRequest>({ tick: 0, target: 'first' });
  const [memberId, setMemberId] = useState<MemberId | null>(null);
  const member$ = useMemo(() => (memberId ? engine.member$(memberId) : undefined), [engine, memberId]);
  const member = useObservable(member$, undefined).value;
  const [notice, setNotice] = useState<Notice | null>(null);
  const [receipt, setReceipt] = useState<string | null>(null);
  const [cardText, setCardText] = useState('');
  const cardRef = useRef<HTMLInputElement>(null);
  const now = useNow();

  const go = useCallback((p: Panel, target: FocusRequest['target'] = 'first') => {
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
      const target = PANEL_KEYS[e.key];
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
  const fail = useCallback((e: unknown) => setNotice({ tone: 'error', text: errorSentence(e) }), []);

  const lookup = async (card: string) => {
    setNotice({ tone: 'ok', text: `Looking up card ${card}…` });
    try {
      const r = await engine.lookup(card);
      if (!r.found) {
        setNotice({ tone: 'error', text: lookupRefusalSentence(r) });
        return;
      }
      setMemberId(r.member.memberId);
      setNotice({ tone: 'ok', text: `${r.member.name}: ${fmtPoints(r.member.displayed)} points.` });
      go('basket');
    } catch (e) {
      fail(e);
    }
  };

  const needMember = (what: string) => (
    <p className="placeholder">
      Scan or type a member card first (<kbd>F2</kbd>) to {what}.
    </p>
  );
  const needProgram = <p className="placeholder">The loyalty program arrives with the first sync.</p>;

  return (
    <main className="cashier">
      <section className="col col-left" aria-label="Customer">
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
            Member card <kbd>F2</kbd>
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
            Scan the card or type its number, then Enter.
          </p>
        </form>
        <MemberPanel member={member} program={program} now={now} />
      </section>

      <section className="col col-mid" aria-label="Actions">
        <nav className="panel-tabs" aria-label="Actions">
          {(
            [
              ['basket', 'Basket', 'F3'],
              ['rewards', 'Rewards', 'F4'],
              ['void', 'Void', 'F6'],
              ['enrol', 'Enrol', 'F8'],
              ['giftVoucher', 'Take voucher', 'F1'],
              ...(program?.closing
                ? ([
                    ['terms', 'New terms', 'F7'],
                    ['convert', 'Convert', 'F9'],
                  ] as const)
                : []),
            ] as const
          ).map(([p, label, key]) => (
            <button key={p} type="button" aria-pressed={panel === p} onClick={() => go(p)}>
              {label} <kbd>{key}</kbd>
            </button>
          ))}
        </nav>
        <div className="panel">
          {panel === 'card' && (
            <p className="placeholder">
              {member ? (
                <>
                  Serving {member.name}. <kbd>F3</kbd> basket, <kbd>F4</kbd> rewards, <kbd>Esc</kbd> twice for the next
                  customer.
                </>
              ) : (
                <>
                  Scan a member card, or <kbd>F8</kbd> to enrol a new member.
                </>
              )}
            </p>
          )}
          {panel === 'basket' &&
            (!program ? (
              needProgram
            ) : member ? (
              <BasketPanel
                engine={engine}
                program={program}
                member={member}
                now={now}
                focus={focus}
                onReport={report}
                onError={fail}
              />
            ) : (
              needMember('earn points')
            ))}
          {panel === 'rewards' &&
            (!program ? (
              needProgram
            ) : member ? (
              <RewardsPanel
                engine={engine}
                program={program}
                member={member}
                now={now}
                focus={focus}
                onReport={report}
                onError={fail}
              />
            ) : (
              needMember('redeem points')
            ))}
          {panel === 'terms' &&
            (!program ? (
              needProgram
            ) : member ? (
              <TermsPanel
                engine={engine}
                program={program}
                member={member}
                focus={focus}
                onReport={report}
                onError={fail}
              />
            ) : (
              needMember("record the answer to the new programme's terms")
            ))}
          {panel === 'convert' &&
            (!program ? (
              needProgram
            ) : member ? (
              <ConvertPanel
                engine={engine}
                program={program}
                member={member}
                online={online}
                focus={focus}
                onReport={report}
                onError={fail}
              />
            ) : (
              needMember('convert the balance into a gift voucher')
            ))}
          {panel === 'void' && <VoidPanel till={till} focus={focus} onReport={report} onError={fail} />}
          {panel === 'giftVoucher' && (
            <GiftVoucherPanel engine={engine} online={online} focus={focus} onReport={report} onError={fail} />
          )}
          {panel === 'enrol' && <EnrolPanel engine={engine} focus={focus} onReport={report} onError={fail} />}
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
        <h2 id="receipt-h">Receipt</h2>
        <pre
          className={`receipt ${receipt ? '' : 'receipt-empty'}`}
          data-testid="receipt"
          tabIndex={0}
          aria-label="Receipt text of the last operation"
        >
          {receipt ?? 'The receipt of the last operation appears here.'}
        </pre>
        <button type="button" onClick={() => window.print()} disabled={!receipt}>
          Print receipt <kbd>Ctrl+P</kbd>
        </button>
      </section>

      <footer className="keys" aria-label="Keyboard shortcuts">
        {SHORTCUTS.map(([k, what]) => (
          <span key={k}>
            <kbd>{k}</kbd> {what}
          </span>
        ))}
      </footer>
    </main>
  );
}
