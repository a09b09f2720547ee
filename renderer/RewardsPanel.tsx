/**
 * Redeeming: a reward from the catalogue (digit keys pick one, Enter confirms) or points of any amount as payment
 * (F5). While a program closes, the catalogue is the one offered now (the burn window's rewards added while it runs,
 * none after the deadline). After the burn the floor-limit decision is shown: authorized online, given offline
 * within the limits, or refused with the engine's sentence.
 */
import { useEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { tenderValue } from '../sync/loyalty/burn.ts';
import { burnAllowed, rewardsAt } from '../sync/loyalty/closing.ts';
import type { BurnWhat } from '../sync/loyalty/ops.ts';
import type { Program, Reward } from '../sync/loyalty/program.ts';
import type { Points } from '../sync/loyalty/units.ts';
import type { BurnResult } from '../sync/till/engine.ts';
import { burnRefusalSentence } from './engine-messages.ts';
import type { Messages } from '../sync/loyalty/i18n/messages.ts';
import { useAction } from './hooks.ts';
import { rich, useMessages } from './i18n.tsx';
import type { Notice, ServingProps } from './panel-props.ts';

/** The decision a burn got, as the cashier reads it. */
export function describeBurn(r: BurnResult, program: Program, m: Messages): Notice {
  if (!r.ok)
    return {
      tone: 'error',
      decision: 'refused',
      text: m.t('rewards.refused', { reason: burnRefusalSentence(r.reason, m) }),
    };
  const points = r.op.estDelta < 0 ? -r.op.estDelta : 0;
  if (r.mode === 'online') return { tone: 'ok', decision: 'online', text: m.t('rewards.online', { points }) };
  const f = program.floorLimits;
  return {
    tone: 'warn',
    decision: 'offline',
    text: m.t('rewards.offline', {
      timedOut: r.op.authTimedOut ? 'yes' : 'no',
      perOp: m.number(f.maxPointsPerOp),
      perDay: m.number(f.maxPointsPerMemberPerDay),
      points,
    }),
  };
}

/** `now` matters here: which rewards are offered depends on it. */
export function RewardsPanel(props: ServingProps) {
  const { engine, program, member, now, focus, onReport } = props;
  const rewards = rewardsAt(program, now);
  const [chosen, setChosen] = useState<Reward | null>(null);
  const [points, setPoints] = useState('');
  // What is being redeemed, shown while the action runs.
  const [redeeming, setRedeeming] = useState('');
  const action = useAction(onReport);
  const m = useMessages();
  const firstRef = useRef<HTMLButtonElement>(null);
  const pointsRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    setChosen(null);
    if (focus.target === 'points') pointsRef.current?.focus();
    else firstRef.current?.focus();
  }, [focus]);
  useEffect(() => {
    if (chosen) confirmRef.current?.focus();
  }, [chosen]);

  // Online the engine asks the ledger for at most the program's short deadline; the screen stays usable.
  const burn = (what: BurnWhat, label: string) =>
    action.run(async () => {
      setRedeeming(label);
      const r = await engine.burn({ memberId: member.memberId, what });
      setChosen(null);
      setPoints('');
      action.report({ notice: describeBurn(r, program, m), ...(r.ok ? { printed: { op: r.op, view: r.view } } : {}) });
    });

  const onListKey = (e: KeyboardEvent<HTMLUListElement>) => {
    const n = Number(e.key);
    const reward = Number.isInteger(n) && n >= 1 ? rewards[n - 1] : undefined;
    if (reward) {
      e.preventDefault();
      setChosen(reward);
    }
  };

  const pts = Number(points);
  const validPoints = /^\d{1,9}$/.test(points.trim()) && pts > 0;
  return (
    <div className="rewards">
      <h2 id="rewards-h">{m.t('rewards.title')}</h2>
      <p className="hint">{m.t('rewards.hint', { points: member.displayed })}</p>
      {!burnAllowed(program, now) && (
        <p className="notice notice-error" data-testid="burn-closed">
          {m.t('rewards.burnClosed')}
        </p>
      )}
      <ul className="reward-list" aria-labelledby="rewards-h" onKeyDown={onListKey}>
        {rewards.map((r, i) => (
          <li key={r.id}>
            <button
              type="button"
              ref={i === 0 ? firstRef : undefined}
              className={`reward ${r.points > member.displayed ? 'reward-short' : ''}`}
              aria-pressed={chosen?.id === r.id}
              onClick={() => setChosen(r)}
            >
              <kbd>{i + 1}</kbd> <span className="reward-name">{r.name}</span>{' '}
              <span className="reward-points">{m.t('rewards.pts', { points: m.number(r.points) })}</span>
              {r.kind !== 'reward' && <span className="tag">{m.t('rewards.kind', { kind: r.kind })}</span>}
            </button>
          </li>
        ))}
      </ul>
      {chosen && (
        <div className="confirm" role="group" aria-label={m.t('rewards.confirmLabel')}>
          <p>{rich(m, 'rewards.redeemQuestion', { reward: chosen.name, points: chosen.points })}</p>
          <button
            type="button"
            ref={confirmRef}
            onClick={() => void burn({ type: 'reward', rewardId: chosen.id }, chosen.name)}
          >
            {m.t('rewards.confirm')} <kbd>Enter</kbd>
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setChosen(null)}>
            {m.t('rewards.cancel')}
          </button>
        </div>
      )}
      <form
        className="pay-points"
        onSubmit={(e) => {
          e.preventDefault();
          if (validPoints)
            void burn({ type: 'points', points: pts as Points }, m.t('rewards.pointsLabel', { points: pts }));
        }}
      >
        <div className="field">
          <label htmlFor="pay-points">
            {m.t('rewards.payWithPoints')} <kbd>F5</kbd>
          </label>
          <input
            id="pay-points"
            ref={pointsRef}
            value={points}
            onChange={(e) => setPoints(e.target.value)}
            inputMode="numeric"
            autoComplete="off"
            aria-describedby="pay-points-hint"
          />
        </div>
        <button type="submit" disabled={!validPoints}>
          {m.t('rewards.pay')} <kbd>Enter</kbd>
        </button>
        <p id="pay-points-hint" className="hint">
          {validPoints
            ? m.t('rewards.pointsPay', {
                points: pts,
                value: m.money(tenderValue(program, pts as Points), program.currency),
              })
            : m.t('rewards.pointsPay', {
                points: 100,
                value: m.money(program.tenderCentsPer100Points, program.currency),
              })}
        </p>
      </form>
      {action.busy && (
        <p className="asking" role="status">
          {m.t('rewards.asking', {
            what: redeeming,
            seconds: (program.authDeadlineMs / 1000).toLocaleString(m.locale, { minimumFractionDigits: 1 }),
          })}
        </p>
      )}
    </div>
  );
}
