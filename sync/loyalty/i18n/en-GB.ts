/**
 * British English: every message the till, its receipts, the letters and the e-mails show, as ICU messages
 * (`{n, plural, one {…} other {…}}`, `{x, select, …}`). This catalogue defines the keys; every other locale is typed
 * against it (`Catalogue`), so a key missing there does not compile. Keys are `area.name`; sentences for engine and
 * protocol codes are `code.<CODE>` and friends, in the areas below. The manager's screens and the web console have their
 * own files (manager.en-GB.ts, console.en-GB.ts), merged in at the end. Pure data.
 */
import { consoleEnGB } from './console.en-GB.ts';
import { managerEnGB } from './manager.en-GB.ts';

export const enGB = {
  // Closing, expiry and earn breakdown (sync/loyalty) -----------------------------------------------------------------
  'closing.closed': 'The programme has closed: points could be used until {lastDay}.',
  'closing.closing': 'The programme is closing: points are earned until {earnDay}. Use your points by {lastDay}.',
  'closing.useBy': 'Use your points by {lastDay}.',
  'expiry.notice': '{points, plural, one {# point expires} other {# points expire}} on {day}',
  'earn.base': '{rate} per {currency} 1',
  'earn.category': 'Category multipliers',
  'earn.tierBonus': '{tier} bonus',
  'earn.welcome': 'Welcome bonus',

  // Receipt messages and lines (sync/loyalty/receipt.ts) ---------------------------------------------------------------
  'receipt.overdrawn': 'Balance overdrawn by {points, plural, one {# point} other {# points}}: see the store manager.',
  'receipt.tierReached': 'Congratulations: you have reached {tier}!',
  'receipt.canRedeem': 'You can redeem {reward} ({points, plural, one {# point} other {# points}}) today.',
  'receipt.toNextReward': '{points, plural, one {# point} other {# points}} to your next reward: {reward}.',
  'receipt.toNextTier': '{points, plural, one {# point} other {# points}} to {next} (now {tier}).',
  'receipt.campaign': '{campaign}, until {day}.',
  'receipt.awaiting': '{points, plural, one {# point} other {# points}} awaiting confirmation from head office.',
  'receipt.tillOp': 'Till {till}  op #{seq}',
  'receipt.card': 'card {card}',
  'receipt.spend': 'Spend',
  'receipt.pointsEarned': 'Points earned',
  'receipt.paidWithPoints': 'Paid with points ({value})',
  'receipt.cancelledOp': 'Cancelled op',
  'receipt.reason': 'Reason: {reason}',
  'receipt.rewardReturned': 'Reward returned, op',
  'receipt.refundOf': 'Refund of op',
  'receipt.refunded': 'refunded',
  'receipt.welcome': 'Welcome to the programme!',
  'receipt.balanceReview': 'Balance review',
  'receipt.newTerms': 'New programme terms {version}',
  'receipt.termsAnswer': '{answer, select, accepted {accepted} other {refused}}',
  'receipt.expired': 'Expired points removed',
  'receipt.adjustment': 'Adjustment',
  'receipt.balance': 'Balance',
  'receipt.ofWhichAwaiting': 'of which awaiting confirmation',
  'receipt.tier': 'Tier',
  'receipt.pointsConverted': 'Points converted',
  'receipt.faceValue': 'face value',
  'receipt.giftVoucher': 'GIFT VOUCHER',
  'receipt.value': 'Value',
  'receipt.code': 'Code:',
  'receipt.validUntil': 'Valid until',

  // Sentences for codes: the ledger's refusals (as sync/protocol/errors.ts words them) --------------------------------
  'code.INSUFFICIENT_POINTS': 'The member does not have enough points.',
  'code.UNKNOWN_MEMBER': 'The ledger does not know this member.',
  'code.UNKNOWN_REWARD': 'The reward is not in the catalogue.',
  'code.REWARD_PRICE_MISMATCH': "The burn's points do not match the reward's price in this program version.",
  'code.UNKNOWN_PROGRAM_VERSION': 'The op names a program version the ledger does not have.',
  'code.CARD_TAKEN': 'Another member already holds this card.',
  'code.MEMBER_EXISTS': 'A member with this id is already enrolled.',
  'code.NOTHING_TO_REVERSE': 'The op to reverse was not applied, so there is nothing to reverse.',
  'code.ALREADY_REVERSED': 'This op has already been reversed.',
  'code.NOT_REVERSIBLE': 'Only earns and burns can be reversed.',
  'code.MEMBER_MISMATCH': 'The op to reverse belongs to another member.',
  'code.REFUND_EXCEEDS_SALE': 'The refunds of this sale would add up to more than the sale.',
  'code.REFUND_MISMATCH':
    'A sale is refunded by amount or by its own lines, and a reward is returned whole: this refund does not fit the op.',
  'code.OP_ID_REUSED': 'This op id was already used for an op with different content.',
  'code.SEQ_REUSED': 'This sequence number was already used by another op of this till.',
  'code.UNKNOWN_CONFLICT': 'The ledger has no such conflict for this member.',
  'code.ALREADY_RESOLVED': 'This conflict has already been resolved.',
  'code.EARN_CLOSED': 'The programme has stopped earning points: the sale earns nothing.',
  'code.BURN_CLOSED': 'The burn deadline has passed: points can no longer be used.',
  'code.UNKNOWN_TERMS': 'These are not the terms the programme asks members to answer.',
  'code.TERMS_REFUSED': 'The member refused the new programme terms, so the balance cannot be converted into it.',
  'code.CONVERSION_NOT_OPEN': 'Balances cannot be converted into vouchers at this date.',
  'code.NOTHING_TO_CONVERT': 'The member has no points to convert.',
  'code.BALANCE_CHANGED': "The member's balance changed since the conversion was quoted; quote it again.",
  'code.VOUCHER_VALUE_MISMATCH': "The voucher's value does not match the programme's conversion rate.",
  'code.VOUCHER_CODE_INVALID': 'The voucher code is not well formed or its check character is wrong.',
  'code.VOUCHER_CODE_TAKEN': 'This voucher code is already in use.',
  'code.MEMBER_MERGED': 'This member was merged into another one already; its points and history are there.',
  'code.MEMBER_ERASED': "This member's personal data was erased at their request: the ledger takes no more ops for it.",
  'code.SALE_NOT_FOUND': 'The ledger has no applied sale or reward with this receipt reference or op id.',
  'code.HEAD_OFFICE_ONLY': 'Only head office can make this kind of op.',
  'code.OP_INVALID':
    'The ledger could not read this op (it does not match the protocol); it was refused on its own and later ops went on.',
  'code.OP_TOO_LARGE': 'This op is larger than a message may be; it was refused on its own and later ops went on.',
  'code.NOT_FOUND': 'No member has this card.',
  'code.VOUCHER_UNKNOWN': 'No gift voucher has this code.',
  'code.VOUCHER_EXPIRED': 'This gift voucher has expired.',
  'code.VOUCHER_REDEEMED': 'This gift voucher has already been redeemed.',

  // Sentences for the till engine's codes (renderer/engine-messages.ts) -----------------------------------------------
  'till.BAD_INPUT': 'invalid {what}',
  'till.BAD_INPUT.input': 'input',
  'till.NO_PROGRAM': 'No loyalty program is known yet; the till must sync once first.',
  'till.UNKNOWN_MEMBER': 'This member is not held at this till.',
  'till.NOT_FOUND': 'No op with this id at this till.',
  'till.WRONG_TILL.held': 'This database belongs to till {till} of store {store}.',
  'till.WRONG_TILL': 'Only ops of this till can be voided here.',
  'till.NO_PIN': 'No manager PIN is set for this store yet; head office sets it.',
  'till.BAD_PIN': 'Wrong manager PIN.',
  'till.PIN_LOCKED': 'Too many wrong PINs: try again in {seconds} s.',
  'till.NOT_A_CONFLICT': 'This op of this till was not raised as a conflict.',
  'till.UNKNOWN_TERMS': 'The programme asks members to answer no new terms.',
  'till.SALE_AMBIGUOUS':
    'Several sales still open for return have this receipt reference (of different stores): name the sale by its op id.',
  'till.OFFLINE':
    'The ledger cannot be reached, and a sale of another till is found only online: nothing was recorded. Try again when the till is online.',
  'till.LEDGER_ERROR': 'The ledger could not answer: {message}',
  'till.LEDGER_ERROR.none': 'no reason given',
  'till.STORAGE_FULL':
    "The till's disk is full: the operation was NOT recorded. Call the manager; free space, then try again.",
  'burn.OVER_OP_LIMIT': 'The ledger cannot be reached and this burn is above the offline limit per operation.',
  'burn.OVER_DAILY_LIMIT':
    "The ledger cannot be reached and this member's offline burns today would pass the daily limit.",
  'burn.OVER_TILL_COUNT':
    'The ledger cannot be reached and this till holds as many unconfirmed offline burns as allowed.',
  'burn.OVER_TILL_POINTS':
    'The ledger cannot be reached and this till holds as many unconfirmed offline points as allowed.',
  'burn.OFFLINE_OVER_LIMIT': 'The ledger cannot be reached and this burn is above the offline limits.',
  'burn.AUTH_TIMEOUT': 'The ledger did not answer in time; the burn was refused and reversed.',
  'convert.NO_CLOSING': 'The programme is not closing: there is no balance to convert into a voucher.',
  'convert.OFFLINE':
    'The ledger cannot be reached and a voucher needs its confirmation: no voucher can be given now. Nothing was ' +
    'recorded; convert again when the till is online.',
  'convert.OUTBOX_FULL':
    'Too many operations are waiting to sync for the ledger to confirm a voucher now: no voucher can be given yet.',
  'convert.NO_ANSWER':
    'The ledger did not answer in time: do NOT give a voucher now. The conversion stays queued; if the ledger ' +
    "applies it, the voucher appears on the manager's screen to be reprinted.",
  'lookup.OFFLINE': 'Card not held at this till and the ledger cannot be reached.',
  'voucher.VOUCHER_CODE_INVALID': 'This is not a gift voucher code: check it was typed correctly (20 characters).',
  'voucher.typo': 'The voucher code has a typo: its check character does not match. Check each character.',
  'voucher.OFFLINE': 'The ledger cannot be reached: a gift voucher can only be accepted online. Do not accept it now.',
  'voucher.NO_ANSWER':
    'The ledger did not answer in time: do not accept the voucher yet. Try again; the till sends the same ' +
    'redemption, so it cannot be taken twice.',
  'voucher.redeemedOn': 'This gift voucher was already redeemed on {when}.',
  'voucher.redeemedOnBy': 'This gift voucher was already redeemed on {when} ({by}).',

  // The page: header, banners (renderer/App.tsx) ----------------------------------------------------------------------
  'app.brand': 'Loyalty till',
  'app.waitingForProgram':
    'Waiting for the first sync with the ledger to receive the loyalty program. Cards already held can be looked up.',
  'sync.otherWindow': 'Another window syncs',
  'sync.online': 'Online',
  'sync.syncing': 'Syncing',
  'sync.stalled': 'Sync stalled',
  'sync.offline': 'Offline',
  'sync.toSync': 'to sync',
  'sync.lastSync': 'last sync {age}',
  'sync.waits': '{count, plural, one {# operation waits} other {# operations wait}} to sync.',
  'sync.offlineBanner':
    'Offline: the ledger cannot be reached. Keep serving; {count, plural, one {# operation} other {# operations}} will be sent when it is back.',
  'sync.protocolVersion':
    "This till's software is older than the ledger accepts: update the till. Sales are still recorded and will sync after the update.",
  'age.never': 'never',
  'age.justNow': 'just now',
  'age.seconds': '{n} s ago',
  'age.minutes': '{n} min ago',
  'age.hours': '{n} h ago',
  'screens.label': 'Screens',
  'screens.cashier': 'Cashier',
  'screens.manager': 'Manager',

  // The cashier's screen (renderer/Cashier.tsx, panels.tsx, MemberPanel.tsx) ------------------------------------------
  'cashier.customer': 'Customer',
  'cashier.actions': 'Actions',
  'cashier.cardLabel': 'Member card',
  'cashier.cardHint': 'Scan the card or type its number, then Enter.',
  'cashier.lookingUp': 'Looking up card {card}…',
  'cashier.found': '{name}: {points, plural, one {# point} other {# points}}.',
  'cashier.receipt': 'Receipt',
  'cashier.receiptLabel': 'Receipt text of the last operation',
  'cashier.receiptEmpty': 'The receipt of the last operation appears here.',
  'cashier.print': 'Print receipt',
  'cashier.shortcuts': 'Keyboard shortcuts',
  'cashier.keyManager': 'Manager',
  'cashier.keyEsc': 'Back (twice: next customer)',
  'panels.noProgram': 'The loyalty program arrives with the first sync.',
  'panels.scanFirst': 'Scan or type a member card first (<kbd>F2</kbd>) to {toDo}.',
  'panels.serving':
    'Serving {name}. <kbd>F3</kbd> basket, <kbd>F4</kbd> rewards, <kbd>Esc</kbd> twice for the next customer.',
  'panels.scanOrEnrol': 'Scan a member card, or <kbd>F8</kbd> to enrol a new member.',
  'panels.card': 'Card',
  'panels.basket': 'Basket',
  'panels.basket.toDo': 'earn points',
  'panels.rewards': 'Rewards',
  'panels.rewards.toDo': 'redeem points',
  'panels.payWithPoints': 'Pay with points',
  'panels.void': 'Void or refund',
  'panels.void.tab': 'Void / refund',
  'panels.enrol': 'Enrol',
  'panels.giftVoucher.tab': 'Take voucher',
  'panels.giftVoucher': 'Take a gift voucher',
  'panels.terms': 'New terms',
  'panels.terms.toDo': "record the answer to the new programme's terms",
  'panels.convert.tab': 'Convert',
  'panels.convert': 'Convert to voucher',
  'panels.convert.toDo': 'convert the balance into a gift voucher',
  'member.label': 'Member',
  'member.none': 'No member yet.',
  'member.card': 'Card {card}',
  'member.points': 'points',
  'member.confirmed': 'Confirmed by the ledger',
  'member.awaiting': 'Awaiting the ledger',
  'member.pendingOps': '({count, plural, one {# op} other {# ops}})',
  'member.askTerms':
    '<strong>Ask the member:</strong> do they accept the new programme terms ({version})? Press <kbd>F7</kbd> to record accepted or refused.',
  'member.termsAnswer':
    'New terms ({version}): {answer, select, accepted {accepted} other {REFUSED: no conversion into the new programme}}',
  'member.termsAwaiting': '(awaiting the ledger)',
  'member.messages': 'Messages for the member',
  'consent.title': 'Marketing consent',
  'consent.unchanged': 'no change',
  'consent.given': 'yes',
  'consent.withdrawn': 'no',
  'consent.submit': 'Record consent',
  'consent.done': 'Marketing preferences of {name} recorded.',

  // Basket (renderer/BasketPanel.tsx) ---------------------------------------------------------------------------------
  'basket.title': 'Basket',
  'basket.earned': 'Earned {points, plural, one {# point} other {# points}} for {name}.',
  'basket.badAmount': 'Type an amount such as 12.50.',
  'basket.earnClosed': 'The programme has stopped earning points: a sale earns nothing now.',
  'basket.amount': 'Amount ({currency})',
  'basket.category': 'Category',
  'basket.addLine': 'Add line',
  'basket.hint': 'Enter adds the line; Enter on an empty amount confirms the earn.',
  'basket.lines': 'Basket lines',
  'basket.remove': 'Remove',
  'basket.removeLine': 'Remove line {n}',
  'basket.total': 'Total',
  'basket.toEarn': 'Points to earn:',
  'basket.confirm': 'Confirm earn',

  // Rewards (renderer/RewardsPanel.tsx) -------------------------------------------------------------------------------
  'rewards.title': 'Rewards',
  'rewards.refused': 'Refused: {reason}',
  'rewards.online': 'Authorized online by the ledger: {points, plural, one {# point} other {# points}} redeemed.',
  'rewards.offline':
    '{timedOut, select, yes {The ledger did not answer in time; given} other {Given}} offline within the floor limit ({perOp} points per operation, {perDay} per member per day): {points, plural, one {# point} other {# points}} redeemed, the ledger will confirm.',
  'rewards.hint':
    "Press a reward's number (or Enter on it), then Enter to confirm. Balance: {points, plural, one {# point} other {# points}}.",
  'rewards.burnClosed': 'The burn deadline has passed: points can no longer be used.',
  'rewards.pts': '{points} pts',
  'rewards.kind': '{kind, select, small {small} promo {promo} other {reward}}',
  'rewards.confirmLabel': 'Confirm the reward',
  'rewards.redeemQuestion': 'Redeem <strong>{reward}</strong> for {points, plural, one {# point} other {# points}}?',
  'rewards.confirm': 'Confirm reward',
  'rewards.cancel': 'Cancel',
  'rewards.payWithPoints': 'Pay with points',
  'rewards.pay': 'Pay',
  'rewards.pointsPay': '{points, plural, one {# point pays} other {# points pay}} {value}.',
  'rewards.pointsLabel': '{points, plural, one {# point} other {# points}}',
  'rewards.asking': 'Redeeming {what}: asking the ledger for at most {seconds} s…',

  // Void (renderer/VoidPanel.tsx, ReasonField.tsx) --------------------------------------------------------------------
  'void.title': 'Void a recent operation',
  'void.none': 'No earn or burn of this till to void.',
  'void.operation': 'Operation (arrow keys to choose)',
  'void.submit': 'Void',
  'void.done': 'Voided op {place} ({kind}) for {name}.',
  'void.earlier': 'earlier, {day}',
  'void.unknownMember': 'unknown member',
  'void.kind': '{kind, select, earn {earn} burn {burn} other {{kind}}}',
  'void.line': '{place} {time} {kind} {points} pts · {name}',
  'reason.label': 'Reason',

  // Refund (renderer/RefundPanel.tsx, F6 below the void) ---------------------------------------------------------------
  'refund.title': 'Refund a returned sale',
  'refund.ref': 'Receipt reference or op id',
  'refund.find': 'Find sale',
  'refund.SALE_NOT_FOUND': 'No sale has this receipt reference or op id.',
  'refund.OFFLINE': 'The ledger cannot be reached: only this till’s own sales can be found now.',
  'refund.thisTill': 'this till',
  'refund.saleLabel':
    '{where} · {name} · {kind, select, earn {sale {amount}, {points} pts} other {reward, {points} pts}}{hasRefund, select, yes {, refunded {refunded} pts} other {}}{closed, select, yes { (nothing left)} other {}}',
  'refund.done':
    'Refund recorded for {name}: {direction, select, given {{points, plural, one {# point given back} other {# points given back}}} other {{points, plural, one {# point taken back} other {# points taken back}}}}.',
  'refund.voided': 'Voided the whole {kind} for {name}.',
  'refund.sale': 'Sale',
  'refund.returned': 'Returned',
  'refund.byLines': 'by lines',
  'refund.byAmount': 'by amount',
  'refund.line': '{category} (sold {amount}), returned',
  'refund.amount': 'Amount returned',
  'refund.reward':
    'The reward comes back whole: its {points, plural, one {# point is} other {# points are}} given back.',
  'refund.submit': 'Refund',
  'refund.voidWhole': 'Void the whole {kind}',

  // Enrol (renderer/EnrolPanel.tsx) -----------------------------------------------------------------------------------
  'enrol.title': 'Enrol a new member',
  'enrol.badCard': 'This card number fails its check digit: scan or type it again.',
  'enrol.done': '{name} is enrolled with card {card}.',
  'enrol.card': 'New card',
  'enrol.cardHint': 'Scan the new card, then Tab.',
  'enrol.name': "Member's name",
  'enrol.consent': 'Marketing the customer agrees to',
  'enrol.channel': '{channel, select, email {E-mail} sms {SMS} other {Post}}',
  'enrol.submit': 'Enrol',

  // Terms (renderer/TermsPanel.tsx) -----------------------------------------------------------------------------------
  'terms.none': 'The programme asks members to answer no new terms.',
  'terms.accepted': '{name} accepted the new programme terms ({version}).',
  'terms.refused': '{name} refused the new programme terms ({version}): no conversion into the new programme.',
  'terms.title': 'New programme terms ({version})',
  'terms.already':
    '{name} already {answer, select, accepted {accepted} other {refused}} these terms; record a new answer only if the member changes their mind.',
  'terms.ask':
    "Ask {name} whether they accept the new programme's terms. Press <kbd>A</kbd> for accepted or <kbd>R</kbd> for refused, then <kbd>Enter</kbd> to record.",
  'terms.acceptedButton': 'Accepted',
  'terms.refusedButton': 'Refused',
  'terms.confirmLabel': 'Confirm the answer',
  'terms.confirmQuestion':
    'Record that <strong>{name}</strong> <strong>{answer, select, accepted {ACCEPTS} other {REFUSES}}</strong> the new programme terms ({version})?',
  'terms.refusedNote': 'The balance then cannot be converted into a voucher for the new programme.',
  'terms.record': 'Record answer',
  'terms.cancel': 'Cancel',

  // Conversion (renderer/ConvertPanel.tsx) ----------------------------------------------------------------------------
  'convert.confirmed': 'Voucher confirmed by the ledger: {value}, code {code}. Give it to the member.',
  'convert.noVoucher': '{queued, select, yes {No voucher} other {Refused}}: {reason}',
  'convert.title': 'Convert the balance into a gift voucher',
  'convert.voucherLabel': 'Gift voucher',
  'convert.voucherTitle': 'Gift voucher, confirmed by the ledger',
  'convert.voucherFor': 'For {points, plural, one {# point} other {# points}} · valid until {day}',
  'convert.working': 'Working out the voucher…',
  'convert.points': 'Points converted (the whole balance)',
  'convert.faceValue': 'Their value as payment',
  'convert.value': 'Voucher value ({pct}%)',
  'convert.validUntil': 'Valid until',
  'convert.termsFirst': '{name} has not answered the new programme terms yet: ask first (<kbd>F7</kbd>).',
  'convert.confirmLabel': 'Confirm the conversion',
  'convert.question':
    'Convert all {points, plural, one {# point} other {# points}} of <strong>{name}</strong> into a gift voucher worth <strong>{value}</strong>? The ledger must confirm it.',
  'convert.confirm': 'Confirm conversion',
  'convert.asking': 'Asking the ledger for at most {seconds} s… Do not give a voucher until it is confirmed.',

  // Gift voucher as payment (renderer/GiftVoucherPanel.tsx) -----------------------------------------------------------
  'gift.alreadyRedeemed': 'Already redeemed on {when}: do not accept it.',
  'gift.alreadyRedeemedBy': 'Already redeemed on {when} ({by}): do not accept it.',
  'gift.expired': 'Expired after {day}: do not accept it.',
  'gift.accepted': 'Gift voucher {code} accepted by the ledger: take {value} off the sale.',
  'gift.duplicate': '(The earlier attempt had gone through.)',
  'gift.refused': 'Do not accept the voucher: {reason}',
  'gift.title': 'Gift voucher as payment',
  'gift.offline': 'The till is offline: gift vouchers can only be accepted once the ledger confirms them.',
  'gift.code': 'Voucher code',
  'gift.receipt': 'POS receipt number (optional)',
  'gift.check': 'Check voucher',
  'gift.confirmLabel': 'Confirm the redemption',
  'gift.worth': 'Voucher <strong>{code}</strong> is worth {value}, valid until {day}.',
  'gift.redeem': 'Redeem it as payment',
  'gift.asking': 'Asking the ledger… Do not accept the voucher until it is confirmed.',
  'gift.pending': 'Redemptions without an answer',
  'gift.pendingHint':
    'The ledger did not answer these in time. Try again before accepting the voucher; a retry cannot take it twice.',
  'gift.retry': 'Try again',

  // The closing notice by e-mail (sync/ledger/reports/email-notices.ts) -------------------------------------------------
  'email.subject': '{program}: use your points by {lastDay}',
  'email.balance':
    'You have {points, plural, one {# point} other {# points}}, worth {value} in our stores, or a gift voucher worth {voucher} if you convert them by {lastDay}.',
  'email.page': 'Answer the new terms and convert your points on your personal page: {link}',
  'email.atTill': 'A cashier can record your answer and convert your points at any till.',
  'email.ref': 'Your letter reference, which works at any till instead of your card: {ref}',

  // The members' page (sync/ledger/portal/strings.ts) -----------------------------------------------------------------
  'portal.title': '{program}: your points',
  'portal.hello': 'Hello {name}',
  'portal.balance': 'You have {points, plural, one {# point} other {# points}}.',
  'portal.worth': 'They are worth {value} when you pay with them in store.',
  'portal.tier': 'Your tier: {tier}.',
  'portal.deadline': 'Use or convert your points by {day}.',
  'portal.earnUntil': 'Points are earned until {day}.',
  'portal.rewardsHeading': 'What your points buy now',
  'portal.reward':
    '{name}: {points, plural, one {# point} other {# points}}{window, select, yes { (until the deadline)} other {}}',
  'portal.termsHeading': 'The new programme’s terms ({version})',
  'portal.termsAsk':
    'Do you accept the new terms? If you refuse, your points stay yours to use in store until the deadline.',
  'portal.accept': 'I accept the new terms',
  'portal.refuse': 'I refuse the new terms',
  'portal.termsAnswered':
    'You {answer, select, accepted {accepted} other {refused}} the new terms on {day}, {via, select, page {on this page} other {at a till}}.',
  'portal.changeAnswer': 'Change my answer',
  'portal.convertHeading': 'Convert your points into a gift voucher',
  'portal.convertOffer': 'Your whole balance becomes a gift voucher worth {value} ({pct}% of its value).',
  'portal.convertButton': 'Convert into a voucher worth {value}',
  'portal.convertClosed': 'Conversion into a voucher is not open today.',
  'portal.nothingToConvert': 'You have no points to convert.',
  'portal.refusedNoConvert': 'You refused the new terms, so your points cannot be converted; use them in store.',
  'portal.vouchersHeading': 'Your gift vouchers',
  'portal.voucherCode': 'voucher code',
  'portal.voucherQr': 'QR code of the voucher {code}',
  'portal.voucherLine': 'Worth {value}, valid until {day}.',
  'portal.voucherRedeemed': 'Used on {day}.',
  'portal.voucherHow': 'Show this code or its QR code at any till. It can be used once.',
  'portal.print': 'Print this page',
  'portal.letterRef': 'Letter reference: {ref}',
  'portal.done.accepted': 'Thank you: your acceptance of the new terms is recorded.',
  'portal.done.refused': 'Your refusal of the new terms is recorded.',
  'portal.done.converted': 'Done: your points are now a gift voucher.',
  'portal.done.already': 'This was already recorded.',
  'portal.refused.BURN_CLOSED': 'The deadline has passed: points can no longer be used or converted.',
  'portal.refused.CONVERSION_NOT_OPEN': 'Points cannot be converted into a voucher today.',
  'portal.refused.NOTHING_TO_CONVERT': 'You have no points left to convert.',
  'portal.refused.BALANCE_CHANGED':
    'Your balance has just changed: look at it again and convert once more if you wish.',
  'portal.refused.TERMS_REFUSED':
    'You refused the new terms, so your points cannot be converted; you can still use them in store.',
  'portal.refused.UNKNOWN_TERMS': 'There are no new terms to answer.',
  'portal.refused.other': 'This could not be done. Please try again later or ask at a till.',
  'portal.linkInvalidTitle': 'This link does not work',
  'portal.linkInvalid':
    'This link is not valid: it may have been typed wrongly, or it has expired. Use the QR code or link on your letter, or bring the letter to any till.',
  'portal.unreachableTitle': 'Please try again later',
  'portal.unreachable':
    'We cannot reach our points system just now, so nothing was recorded. Please try again in a few minutes.',
  'portal.unreachableRetry': 'Try again',
  'portal.busyTitle': 'Very busy just now',
  'portal.busy': 'Many members are answering at the moment and nothing was recorded. Please try again in a minute.',
  'portal.tooManyTitle': 'Too many requests',
  'portal.tooMany': 'Too many requests came from this link or this connection. Please wait a minute and try again.',
  'portal.expiredFormTitle': 'Please try again',
  'portal.expiredForm': 'This form had expired, so nothing was recorded. Open your page again and answer once more.',
  'portal.notFoundTitle': 'Page not found',
  'portal.notFound': 'There is nothing here.',

  // Letters (sync/ledger/reports/notices.ts, expiry-notices.ts) ------------------------------------------------------
  'letter.closing.title': '{program}: notices of closing',
  'letter.closing.heading': 'Your {program} points: use them by {lastDay}',
  'letter.dear': 'Dear {name},',
  'letter.closing.balance':
    'You have {points, plural, one {# point} other {# points}}, worth {value} when you pay with them in any of our stores.',
  'letter.closing.convert':
    'You can also convert your whole balance into a gift voucher worth {voucher} ({pct}% of its value) at any till, until {lastDay}.',
  'letter.closing.terms':
    "The new programme's terms (version {version}): {answer, select, accepted {you have accepted them} refused {you have refused them; your points stay yours to use until the deadline} unansweredLink {you have not answered yet: answer on your personal page (the QR code above), or at any till} other {you have not answered yet: a cashier can record your answer at any till}}.",
  'letter.closing.end': 'Points not used or converted by then can no longer be used.',
  'letter.page': 'Your personal page: {link}',
  'letter.bringLetter': 'Bring this letter to any till instead of your card: letter reference {ref}.',
  'letter.footer': 'Letter reference {ref} · member {member}',
  'letter.reference': 'Member reference: {reference}',
  'letter.expiry.title': '{program}: points expiring',
  'letter.expiry.heading': 'Your points expire soon: use them by {day}',
  'letter.expiry.message':
    '{points, plural, one {# of your {program} points expires} other {# of your {program} points expire}} soon: the first on {day}. Use them in any of our stores before then.',
  'letter.expiry.worth':
    'They are worth {value} when you pay with them. Your balance is {balance, plural, one {# point} other {# points}}.',
  'code.LETTER_UNKNOWN':
    'No member has this letter: the reference has a typo, the letter has expired, or it was never sent.',
  'lookup.LETTER_NEEDS_NETWORK':
    'This till does not know this letter, and the ledger that looks letters up cannot be reached: ask for the card, or try again once the till is back online.',
  ...managerEnGB,
  ...consoleEnGB,
} as const satisfies Record<string, string>;

export type MessageKey = keyof typeof enGB;
/** A locale's messages: exactly the British keys, each an ICU message. */
export type Catalogue = Record<MessageKey, string>;
