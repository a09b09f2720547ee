/**
 * `ledger member export|erase|replace-card|merge`: a member's rights of access and erasure (GDPR articles 15 and 17),
 * a lost card replaced, and duplicate members merged (sync/ledger/member-merge.ts). Each lands in the action log with `--by` as the actor (unless --actor says otherwise) and `--why` as the reason; what erasure keeps
 * and what it proves to the audit is in sync/ledger/store/member-privacy.ts.
 */
import type { Command } from 'commander';
import { CardSchema, MemberIdSchema, type MemberId } from '../../loyalty/units.ts';
import { CodedError } from '../../protocol/errors.ts';
import { mergeMembers, MergeConsentSchema } from '../member-merge.ts';
import { actorOf, noteActionDetails } from './actions.ts';
import { withStore } from './support.ts';

function parseMember(value: string): MemberId {
  const r = MemberIdSchema.safeParse(value);
  if (!r.success) throw new CodedError('BAD_ARGUMENT', `member id "${value}" is not a UUID.`);
  return r.data;
}

function parseBy(value: string): string {
  const by = value.trim();
  if (!by || by.length > 80) throw new CodedError('BAD_ARGUMENT', '--by is 1 to 80 characters.');
  return by;
}

export function registerMemberCommands(program: Command): void {
  const member = program.command('member').description("one member's data: access and erasure");

  member
    .command('export <memberId>')
    .description('print as JSON everything the ledger holds on the member (the right of access)')
    .requiredOption('--by <name>', 'who asks, for the action log')
    .action(async (memberArg: string, o: { by: string }, cmd: Command) => {
      const memberId = parseMember(memberArg);
      parseBy(o.by);
      await withStore(cmd, async (store) => {
        const file = await store.memberPrivacy.file(memberId);
        if (!file) throw new CodedError('UNKNOWN_MEMBER', `no member has the id ${memberArg}.`);
        console.log(JSON.stringify({ exportedAt: new Date().toISOString(), ...file }, null, 2));
      });
    });

  member
    .command('erase <memberId>')
    .description(
      "replace the member's name, card, e-mail, postal address and birthday by tombstones everywhere (balances and the audit chain stay as they were); needs --why",
    )
    .requiredOption('--by <name>', 'who decided, for the action log')
    .action(async (memberArg: string, o: { by: string }, cmd: Command) => {
      const memberId = parseMember(memberArg);
      parseBy(o.by);
      const why = cmd.optsWithGlobals<{ why?: string }>().why;
      if (why === undefined) throw new CodedError('BAD_ARGUMENT', 'member erase needs --why (the request it answers).');
      await withStore(cmd, async (store) => {
        const r = await store.memberPrivacy.erase(memberId, Date.now());
        switch (r.status) {
          case 'unknown-member':
            throw new CodedError('UNKNOWN_MEMBER', `no member has the id ${memberArg}.`);
          case 'already-erased':
            throw new CodedError(
              'ALREADY_ERASED',
              `member ${memberArg} was erased on ${new Date(r.erasedAt).toISOString()}; nothing was changed.`,
            );
          case 'chain-broken':
            throw new CodedError(
              'AUDIT_FAILED',
              `op ${r.opId} of the member does not follow from the audit chain: run \`ledger audit verify\`; nothing was erased.`,
            );
          case 'erased':
            noteActionDetails(cmd, { opsSealed: r.opsSealed });
            console.log(
              `member ${memberId} erased: ${r.opsSealed} op(s) sealed; the stores drop it on their next pull`,
            );
            return;
        }
      });
    });

  member
    .command('replace-card <memberId> <card>')
    .description('give the member a new card (a lost one): the old card is refused from then on and never given again')
    .requiredOption('--by <name>', 'who decided, for the action log')
    .action(async (memberArg: string, cardArg: string, o: { by: string }, cmd: Command) => {
      const memberId = parseMember(memberArg);
      parseBy(o.by);
      const card = CardSchema.safeParse(cardArg);
      if (!card.success)
        throw new CodedError('BAD_ARGUMENT', `card "${cardArg}" is not valid: 4 to 32 digits, letters and dashes.`);
      await withStore(cmd, async (store) => {
        const r = await store.memberCards.replaceCard(memberId, card.data, Date.now());
        switch (r.status) {
          case 'unknown-member':
            throw new CodedError('UNKNOWN_MEMBER', `no member has the id ${memberArg}.`);
          case 'erased':
            throw new CodedError('MEMBER_ERASED', `member ${memberArg} was erased; nothing was changed.`);
          case 'same-card':
            throw new CodedError('BAD_ARGUMENT', `member ${memberArg} holds card ${cardArg} already.`);
          case 'card-taken':
            throw new CodedError(
              'CARD_TAKEN',
              `card ${cardArg} is held, or was held, by a member; nothing was changed.`,
            );
          case 'replaced':
            console.log(`member ${memberId} now holds card ${card.data}; the old card is refused from now on`);
            return;
        }
      });
    });

  member
    .command('merge <keep> <drop>')
    .description(
      "merge the duplicate member DROP into KEEP: balance, lifetime points, lots (with their expiry) and history move, as two head-office ops; DROP's card and tills' later ops for DROP find KEEP; runs once; needs --why",
    )
    .option('--by <name>', 'who decided, recorded in the ops (default: the action log actor)')
    .option(
      '--consent <whose>',
      "KEEP's marketing consent after: keep (its own), drop (DROP's) or latest per channel",
      'keep',
    )
    .action(async (keepArg: string, dropArg: string, o: { by?: string; consent: string }, cmd: Command) => {
      const keep = parseMember(keepArg);
      const drop = parseMember(dropArg);
      if (keep === drop) throw new CodedError('BAD_ARGUMENT', 'KEEP and DROP are the same member.');
      let root = cmd;
      while (root.parent) root = root.parent;
      const by = parseBy(o.by ?? actorOf(root));
      const consent = MergeConsentSchema.safeParse(o.consent);
      if (!consent.success)
        throw new CodedError('BAD_ARGUMENT', `--consent is keep, drop or latest, not "${o.consent}".`);
      const why = cmd.optsWithGlobals<{ why?: string }>().why?.trim();
      if (!why) throw new CodedError('BAD_ARGUMENT', 'member merge needs --why (why the two are one person).');
      if (why.length > 200) throw new CodedError('BAD_ARGUMENT', '--why is at most 200 characters for a merge.');
      await withStore(cmd, async (store) => {
        const r = await mergeMembers(store, { keep, drop, why, by, consent: consent.data }, Date.now());
        noteActionDetails(cmd, { points: r.points, lifetimePoints: r.lifetimePoints, lots: r.lots, ops: r.opIds });
        console.log(
          `member ${drop} merged into ${keep}: ${r.points} point(s), ${r.lifetimePoints} lifetime point(s) and ${r.lots} lot(s) moved; ${keep} now holds ${r.balance} point(s)${r.tier ? `, tier ${r.tier}` : ''}; the stores drop ${drop} on their next pull`,
        );
      });
    });
}
