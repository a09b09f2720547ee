/**
 * French (France): the same keys as `en-GB.ts` (typed as its `Catalogue`, so a missing or unknown key does not
 * compile). French plural rules: 0 and 1 take `one`. Apostrophes are typographic (’): a straight one can start an
 * ICU quote. Pure data.
 */
import { consoleFrFR } from './console.fr-FR.ts';
import type { Catalogue } from './en-GB.ts';
import { managerFrFR } from './manager.fr-FR.ts';

export const frFR: Catalogue = {
  'closing.closed': 'Le programme est clos : les points pouvaient être utilisés jusqu’au {lastDay}.',
  'closing.closing':
    'Le programme prend fin : les points sont cumulés jusqu’au {earnDay}. Utilisez vos points avant le {lastDay} inclus.',
  'closing.useBy': 'Utilisez vos points avant le {lastDay} inclus.',
  'expiry.notice': '{points, plural, one {# point expire} other {# points expirent}} le {day}',
  'earn.base': '{rate} par {currency} 1',
  'earn.category': 'Multiplicateurs de rayon',
  'earn.tierBonus': 'Bonus {tier}',
  'earn.welcome': 'Bonus de bienvenue',

  'receipt.overdrawn':
    'Solde débiteur de {points, plural, one {# point} other {# points}} : voyez le responsable du magasin.',
  'receipt.tierReached': 'Félicitations : vous avez atteint le niveau {tier} !',
  'receipt.canRedeem':
    'Vous pouvez obtenir {reward} ({points, plural, one {# point} other {# points}}) dès aujourd’hui.',
  'receipt.toNextReward':
    'Plus que {points, plural, one {# point} other {# points}} avant votre prochaine récompense : {reward}.',
  'receipt.toNextTier':
    'Plus que {points, plural, one {# point} other {# points}} avant le niveau {next} (actuellement {tier}).',
  'receipt.campaign': '{campaign}, jusqu’au {day}.',
  'receipt.awaiting':
    '{points, plural, one {# point en attente} other {# points en attente}} de confirmation par le siège.',
  'receipt.tillOp': 'Caisse {till}  op. n° {seq}',
  'receipt.card': 'carte {card}',
  'receipt.spend': 'Achats',
  'receipt.pointsEarned': 'Points cumulés',
  'receipt.paidWithPoints': 'Payé en points ({value})',
  'receipt.cancelledOp': 'Opération annulée',
  'receipt.reason': 'Motif : {reason}',
  'receipt.rewardReturned': 'Récompense rendue, op.',
  'receipt.refundOf': 'Remboursement de l’op.',
  'receipt.refunded': 'remboursé',
  'receipt.welcome': 'Bienvenue dans le programme !',
  'receipt.balanceReview': 'Révision du solde',
  'receipt.newTerms': 'Nouvelles conditions {version}',
  'receipt.termsAnswer': '{answer, select, accepted {acceptées} other {refusées}}',
  'receipt.expired': 'Points expirés retirés',
  'receipt.adjustment': 'Ajustement',
  'receipt.balance': 'Solde',
  'receipt.ofWhichAwaiting': 'dont en attente de confirmation',
  'receipt.tier': 'Niveau',
  'receipt.pointsConverted': 'Points convertis',
  'receipt.faceValue': 'valeur faciale',
  'receipt.giftVoucher': 'CHÈQUE CADEAU',
  'receipt.value': 'Montant',
  'receipt.code': 'Code :',
  'receipt.validUntil': 'Valable jusqu’au',

  'code.INSUFFICIENT_POINTS': 'Le membre n’a pas assez de points.',
  'code.UNKNOWN_MEMBER': 'Le registre central ne connaît pas ce membre.',
  'code.UNKNOWN_REWARD': 'Cette récompense n’est pas au catalogue.',
  'code.REWARD_PRICE_MISMATCH':
    'Les points débités ne correspondent pas au prix de la récompense dans cette version du programme.',
  'code.UNKNOWN_PROGRAM_VERSION': 'L’opération cite une version du programme que le registre central n’a pas.',
  'code.CARD_TAKEN': 'Un autre membre détient déjà cette carte.',
  'code.MEMBER_EXISTS': 'Un membre avec cet identifiant est déjà inscrit.',
  'code.NOTHING_TO_REVERSE': 'L’opération à annuler n’a pas été appliquée : il n’y a rien à annuler.',
  'code.ALREADY_REVERSED': 'Cette opération a déjà été annulée.',
  'code.NOT_REVERSIBLE': 'Seuls les cumuls et les utilisations de points peuvent être annulés.',
  'code.MEMBER_MISMATCH': 'L’opération à annuler appartient à un autre membre.',
  'code.REFUND_EXCEEDS_SALE': 'Les remboursements de cette vente dépasseraient le montant de la vente.',
  'code.REFUND_MISMATCH':
    'Une vente se rembourse par montant ou par ses propres lignes, et une récompense se rend entière : ce remboursement ne correspond pas à l’opération.',
  'code.OP_ID_REUSED': 'Cet identifiant d’opération a déjà servi pour une opération au contenu différent.',
  'code.SEQ_REUSED': 'Ce numéro de séquence a déjà servi pour une autre opération de cette caisse.',
  'code.UNKNOWN_CONFLICT': 'Le registre central n’a pas ce conflit pour ce membre.',
  'code.ALREADY_RESOLVED': 'Ce conflit a déjà été résolu.',
  'code.EARN_CLOSED': 'Le programme ne cumule plus de points : la vente ne rapporte rien.',
  'code.BURN_CLOSED': 'La date limite est passée : les points ne peuvent plus être utilisés.',
  'code.UNKNOWN_TERMS': 'Ce ne sont pas les conditions que le programme demande aux membres d’accepter.',
  'code.TERMS_REFUSED':
    'Le membre a refusé les nouvelles conditions du programme : son solde ne peut pas y être converti.',
  'code.CONVERSION_NOT_OPEN': 'Les soldes ne peuvent pas être convertis en chèques cadeaux à cette date.',
  'code.NOTHING_TO_CONVERT': 'Le membre n’a aucun point à convertir.',
  'code.BALANCE_CHANGED': 'Le solde du membre a changé depuis le devis de conversion : refaites-le.',
  'code.VOUCHER_VALUE_MISMATCH': 'Le montant du chèque ne correspond pas au taux de conversion du programme.',
  'code.VOUCHER_CODE_INVALID': 'Le code du chèque est mal formé ou son caractère de contrôle est faux.',
  'code.VOUCHER_CODE_TAKEN': 'Ce code de chèque est déjà utilisé.',
  'code.MEMBER_MERGED': 'Ce membre a déjà été fusionné avec un autre ; ses points et son historique y sont.',
  'code.MEMBER_ERASED':
    'Les données personnelles de ce membre ont été effacées à sa demande : le registre n’accepte plus d’opération pour lui.',
  'code.SALE_NOT_FOUND':
    'Le registre n’a aucune vente ni récompense appliquée avec cette référence de ticket ou cet identifiant d’opération.',
  'code.HEAD_OFFICE_ONLY': 'Seul le siège peut faire ce type d’opération.',
  'code.OP_INVALID':
    'Le registre central n’a pas pu lire cette opération (elle ne suit pas le protocole) ; elle a été refusée seule et les suivantes ont continué.',
  'code.OP_TOO_LARGE':
    'Cette opération dépasse la taille d’un message ; elle a été refusée seule et les suivantes ont continué.',
  'code.NOT_FOUND': 'Aucun membre n’a cette carte.',
  'code.VOUCHER_UNKNOWN': 'Aucun chèque cadeau n’a ce code.',
  'code.VOUCHER_EXPIRED': 'Ce chèque cadeau a expiré.',
  'code.VOUCHER_REDEEMED': 'Ce chèque cadeau a déjà été utilisé.',

  'till.BAD_INPUT': '{what} invalide',
  'till.BAD_INPUT.input': 'saisie',
  'till.NO_PROGRAM': 'Aucun programme de fidélité n’est encore connu : la caisse doit d’abord se synchroniser.',
  'till.UNKNOWN_MEMBER': 'Ce membre n’est pas connu de cette caisse.',
  'till.NOT_FOUND': 'Aucune opération avec cet identifiant dans cette caisse.',
  'till.WRONG_TILL.held': 'Cette base appartient à la caisse {till} du magasin {store}.',
  'till.WRONG_TILL': 'Seules les opérations de cette caisse peuvent être annulées ici.',
  'till.NO_PIN': 'Aucun code responsable n’est défini pour ce magasin ; le siège le définit.',
  'till.BAD_PIN': 'Code responsable erroné.',
  'till.PIN_LOCKED': 'Trop de codes erronés : réessayez dans {seconds} s.',
  'till.NOT_A_CONFLICT': 'Cette opération de cette caisse n’a pas été signalée comme conflit.',
  'till.UNKNOWN_TERMS': 'Le programme ne demande aux membres d’accepter aucune nouvelle condition.',
  'till.SALE_AMBIGUOUS':
    'Plusieurs ventes encore remboursables portent cette référence de ticket (de magasins différents) : désignez la vente par son identifiant d’opération.',
  'till.OFFLINE':
    'Le registre est injoignable, et la vente d’une autre caisse ne se trouve qu’en ligne : rien n’a été enregistré. Réessayez une fois la caisse en ligne.',
  'till.LEDGER_ERROR': 'Le registre n’a pas pu répondre : {message}',
  'till.LEDGER_ERROR.none': 'aucune raison donnée',
  'till.STORAGE_FULL':
    'Le disque de la caisse est plein : l’opération n’a PAS été enregistrée. Appelez le responsable ; libérez de la place, puis réessayez.',
  'burn.OVER_OP_LIMIT':
    'Le registre central est injoignable et cette utilisation dépasse la limite hors ligne par opération.',
  'burn.OVER_DAILY_LIMIT':
    'Le registre central est injoignable et les utilisations hors ligne de ce membre aujourd’hui dépasseraient la limite journalière.',
  'burn.OVER_TILL_COUNT':
    'Le registre central est injoignable et cette caisse détient déjà autant d’utilisations hors ligne non confirmées que permis.',
  'burn.OVER_TILL_POINTS':
    'Le registre central est injoignable et cette caisse détient déjà autant de points hors ligne non confirmés que permis.',
  'burn.OFFLINE_OVER_LIMIT': 'Le registre central est injoignable et cette utilisation dépasse les limites hors ligne.',
  'burn.AUTH_TIMEOUT': 'Le registre central n’a pas répondu à temps ; l’utilisation a été refusée et annulée.',
  'convert.NO_CLOSING': 'Le programme ne prend pas fin : aucun solde à convertir en chèque cadeau.',
  'convert.OFFLINE':
    'Le registre central est injoignable et un chèque cadeau a besoin de sa confirmation : aucun chèque ne peut être remis maintenant. Rien n’a été enregistré ; convertissez à nouveau quand la caisse sera en ligne.',
  'convert.OUTBOX_FULL':
    'Trop d’opérations attendent d’être synchronisées pour que le registre central confirme un chèque maintenant : aucun chèque ne peut encore être remis.',
  'convert.NO_ANSWER':
    'Le registre central n’a pas répondu à temps : ne remettez PAS de chèque maintenant. La conversion reste en attente ; si le registre l’applique, le chèque apparaît sur l’écran du responsable pour être réimprimé.',
  'lookup.OFFLINE': 'Carte inconnue de cette caisse et registre central injoignable.',
  'voucher.VOUCHER_CODE_INVALID': 'Ce n’est pas un code de chèque cadeau : vérifiez la saisie (20 caractères).',
  'voucher.typo':
    'Le code du chèque comporte une faute de frappe : son caractère de contrôle ne correspond pas. Vérifiez chaque caractère.',
  'voucher.OFFLINE':
    'Le registre central est injoignable : un chèque cadeau ne s’accepte qu’en ligne. Ne l’acceptez pas maintenant.',
  'voucher.NO_ANSWER':
    'Le registre central n’a pas répondu à temps : n’acceptez pas encore le chèque. Réessayez ; la caisse renvoie la même utilisation, il ne peut donc pas être débité deux fois.',
  'voucher.redeemedOn': 'Ce chèque cadeau a déjà été utilisé le {when}.',
  'voucher.redeemedOnBy': 'Ce chèque cadeau a déjà été utilisé le {when} ({by}).',

  'app.brand': 'Caisse fidélité',
  'app.waitingForProgram':
    'En attente de la première synchronisation avec le registre central pour recevoir le programme de fidélité. Les cartes déjà connues peuvent être consultées.',
  'sync.otherWindow': 'Une autre fenêtre synchronise',
  'sync.online': 'En ligne',
  'sync.syncing': 'Synchronisation',
  'sync.stalled': 'Synchronisation bloquée',
  'sync.offline': 'Hors ligne',
  'sync.toSync': 'à synchroniser',
  'sync.lastSync': 'dernière synchro {age}',
  'sync.waits':
    '{count, plural, one {# opération attend} other {# opérations attendent}} d’être synchronisée{count, plural, one {} other {s}}.',
  'sync.offlineBanner':
    'Hors ligne : le registre central est injoignable. Continuez à servir ; {count, plural, one {# opération sera envoyée} other {# opérations seront envoyées}} à son retour.',
  'sync.protocolVersion':
    'Le logiciel de cette caisse est trop ancien pour le registre central : mettez la caisse à jour. Les ventes restent enregistrées et seront synchronisées après la mise à jour.',
  'age.never': 'jamais',
  'age.justNow': 'à l’instant',
  'age.seconds': 'il y a {n} s',
  'age.minutes': 'il y a {n} min',
  'age.hours': 'il y a {n} h',
  'screens.label': 'Écrans',
  'screens.cashier': 'Caisse',
  'screens.manager': 'Responsable',

  'cashier.customer': 'Client',
  'cashier.actions': 'Actions',
  'cashier.cardLabel': 'Carte de fidélité',
  'cashier.cardHint': 'Scannez la carte ou tapez son numéro, puis Entrée.',
  'cashier.lookingUp': 'Recherche de la carte {card}…',
  'cashier.found': '{name} : {points, plural, one {# point} other {# points}}.',
  'cashier.receipt': 'Ticket',
  'cashier.receiptLabel': 'Texte du ticket de la dernière opération',
  'cashier.receiptEmpty': 'Le ticket de la dernière opération s’affiche ici.',
  'cashier.print': 'Imprimer le ticket',
  'cashier.shortcuts': 'Raccourcis clavier',
  'cashier.keyManager': 'Responsable',
  'cashier.keyEsc': 'Retour (deux fois : client suivant)',
  'panels.noProgram': 'Le programme de fidélité arrive avec la première synchronisation.',
  'panels.scanFirst': 'Scannez ou tapez d’abord une carte de fidélité (<kbd>F2</kbd>) pour {toDo}.',
  'panels.serving':
    'Client : {name}. <kbd>F3</kbd> panier, <kbd>F4</kbd> récompenses, <kbd>Échap</kbd> deux fois pour le client suivant.',
  'panels.scanOrEnrol': 'Scannez une carte de fidélité, ou <kbd>F8</kbd> pour inscrire un nouveau membre.',
  'panels.card': 'Carte',
  'panels.basket': 'Panier',
  'panels.basket.toDo': 'cumuler des points',
  'panels.rewards': 'Récompenses',
  'panels.rewards.toDo': 'utiliser des points',
  'panels.payWithPoints': 'Payer en points',
  'panels.void': 'Annuler ou rembourser',
  'panels.void.tab': 'Annuler / rembourser',
  'panels.enrol': 'Inscrire',
  'panels.giftVoucher.tab': 'Chèque cadeau',
  'panels.giftVoucher': 'Encaisser un chèque cadeau',
  'panels.terms': 'Conditions',
  'panels.terms.toDo': 'enregistrer la réponse aux conditions du nouveau programme',
  'panels.convert.tab': 'Convertir',
  'panels.convert': 'Convertir en chèque cadeau',
  'panels.convert.toDo': 'convertir le solde en chèque cadeau',
  'member.label': 'Membre',
  'member.none': 'Aucun membre pour l’instant.',
  'member.card': 'Carte {card}',
  'member.points': 'points',
  'member.confirmed': 'Confirmé par le registre central',
  'member.awaiting': 'En attente du registre central',
  'member.pendingOps': '({count, plural, one {# op.} other {# op.}})',
  'member.askTerms':
    '<strong>Demandez au membre :</strong> accepte-t-il les nouvelles conditions du programme ({version}) ? Appuyez sur <kbd>F7</kbd> pour enregistrer l’acceptation ou le refus.',
  'member.termsAnswer':
    'Nouvelles conditions ({version}) : {answer, select, accepted {acceptées} other {REFUSÉES : pas de conversion dans le nouveau programme}}',
  'member.termsAwaiting': '(en attente du registre central)',
  'member.messages': 'Messages pour le membre',
  'consent.title': 'Consentement aux communications commerciales',
  'consent.unchanged': 'inchangé',
  'consent.given': 'oui',
  'consent.withdrawn': 'non',
  'consent.submit': 'Enregistrer le consentement',
  'consent.done': 'Préférences de communication de {name} enregistrées.',

  'basket.title': 'Panier',
  'basket.earned': '{points, plural, one {# point cumulé} other {# points cumulés}} pour {name}.',
  'basket.badAmount': 'Tapez un montant comme 12,50.',
  'basket.earnClosed': 'Le programme ne cumule plus de points : une vente ne rapporte plus rien.',
  'basket.amount': 'Montant ({currency})',
  'basket.category': 'Rayon',
  'basket.addLine': 'Ajouter la ligne',
  'basket.hint': 'Entrée ajoute la ligne ; Entrée sur un montant vide valide le cumul.',
  'basket.lines': 'Lignes du panier',
  'basket.remove': 'Retirer',
  'basket.removeLine': 'Retirer la ligne {n}',
  'basket.total': 'Total',
  'basket.toEarn': 'Points à cumuler :',
  'basket.confirm': 'Valider le cumul',

  'rewards.title': 'Récompenses',
  'rewards.refused': 'Refusé : {reason}',
  'rewards.online':
    'Autorisé en ligne par le registre central : {points, plural, one {# point utilisé} other {# points utilisés}}.',
  'rewards.offline':
    '{timedOut, select, yes {Le registre central n’a pas répondu à temps ; accordé} other {Accordé}} hors ligne dans la limite autorisée ({perOp} points par opération, {perDay} par membre et par jour) : {points, plural, one {# point utilisé} other {# points utilisés}}, le registre central confirmera.',
  'rewards.hint':
    'Tapez le numéro d’une récompense (ou Entrée dessus), puis Entrée pour valider. Solde : {points, plural, one {# point} other {# points}}.',
  'rewards.burnClosed': 'La date limite est passée : les points ne peuvent plus être utilisés.',
  'rewards.pts': '{points} pts',
  'rewards.kind': '{kind, select, small {petite} promo {promo} other {récompense}}',
  'rewards.confirmLabel': 'Valider la récompense',
  'rewards.redeemQuestion': 'Offrir <strong>{reward}</strong> pour {points, plural, one {# point} other {# points}} ?',
  'rewards.confirm': 'Valider la récompense',
  'rewards.cancel': 'Annuler',
  'rewards.payWithPoints': 'Payer en points',
  'rewards.pay': 'Payer',
  'rewards.pointsPay': '{points, plural, one {# point paie} other {# points paient}} {value}.',
  'rewards.pointsLabel': '{points, plural, one {# point} other {# points}}',
  'rewards.asking': 'Utilisation de {what} : demande au registre central, {seconds} s au plus…',

  'void.title': 'Annuler une opération récente',
  'void.none': 'Aucun cumul ni utilisation de cette caisse à annuler.',
  'void.operation': 'Opération (flèches pour choisir)',
  'void.submit': 'Annuler l’opération',
  'void.done': 'Opération {place} ({kind}) annulée pour {name}.',
  'void.earlier': 'antérieure, {day}',
  'void.unknownMember': 'membre inconnu',
  'void.kind': '{kind, select, earn {cumul} burn {utilisation} other {{kind}}}',
  'void.line': '{place} {time} {kind} {points} pts · {name}',
  'reason.label': 'Motif',

  // L’avis de fin de programme par e-mail (sync/ledger/reports/email-notices.ts) -----------------------------------------
  'email.subject': '{program} : utilisez vos points avant le {lastDay} inclus',
  'email.balance':
    'Vous avez {points, plural, one {# point} other {# points}}, d’une valeur de {value} dans nos magasins, ou un chèque cadeau de {voucher} si vous les convertissez avant le {lastDay} inclus.',
  'email.page': 'Répondez aux nouvelles conditions et convertissez vos points sur votre page personnelle : {link}',
  'email.atTill': 'Un caissier peut enregistrer votre réponse et convertir vos points à n’importe quelle caisse.',
  'email.ref': 'Votre référence de courrier, qui remplace votre carte à n’importe quelle caisse : {ref}',

  // La page des membres (sync/ledger/portal/strings.ts) ---------------------------------------------------------------
  'portal.title': '{program} : vos points',
  'portal.hello': 'Bonjour {name}',
  'portal.balance': 'Vous avez {points, plural, one {# point} other {# points}}.',
  'portal.worth': 'Ils valent {value} sur vos achats en magasin.',
  'portal.tier': 'Votre niveau : {tier}.',
  'portal.deadline': 'Utilisez ou convertissez vos points avant le {day} inclus.',
  'portal.earnUntil': 'Les points sont cumulés jusqu’au {day}.',
  'portal.rewardsHeading': 'Ce que vos points vous offrent maintenant',
  'portal.reward':
    '{name} : {points, plural, one {# point} other {# points}}{window, select, yes { (jusqu’à la date limite)} other {}}',
  'portal.termsHeading': 'Les conditions du nouveau programme ({version})',
  'portal.termsAsk':
    'Acceptez-vous les nouvelles conditions ? Si vous les refusez, vos points restent à vous et utilisables en magasin jusqu’à la date limite.',
  'portal.accept': 'J’accepte les nouvelles conditions',
  'portal.refuse': 'Je refuse les nouvelles conditions',
  'portal.termsAnswered':
    'Vous avez {answer, select, accepted {accepté} other {refusé}} les nouvelles conditions le {day}, {via, select, page {sur cette page} other {en caisse}}.',
  'portal.changeAnswer': 'Changer ma réponse',
  'portal.convertHeading': 'Convertir vos points en chèque cadeau',
  'portal.convertOffer': 'Tout votre solde devient un chèque cadeau de {value} ({pct} % de sa valeur).',
  'portal.convertButton': 'Convertir en un chèque de {value}',
  'portal.convertClosed': 'La conversion en chèque cadeau n’est pas ouverte aujourd’hui.',
  'portal.nothingToConvert': 'Vous n’avez aucun point à convertir.',
  'portal.refusedNoConvert':
    'Vous avez refusé les nouvelles conditions : vos points ne peuvent pas être convertis ; utilisez-les en magasin.',
  'portal.vouchersHeading': 'Vos chèques cadeaux',
  'portal.voucherCode': 'code du chèque',
  'portal.voucherQr': 'QR code du chèque {code}',
  'portal.voucherLine': 'Montant {value}, valable jusqu’au {day}.',
  'portal.voucherRedeemed': 'Utilisé le {day}.',
  'portal.voucherHow': 'Présentez ce code ou son QR code à n’importe quelle caisse. Il ne peut servir qu’une fois.',
  'portal.print': 'Imprimer cette page',
  'portal.letterRef': 'Référence du courrier : {ref}',
  'portal.done.accepted': 'Merci : votre acceptation des nouvelles conditions est enregistrée.',
  'portal.done.refused': 'Votre refus des nouvelles conditions est enregistré.',
  'portal.done.converted': 'C’est fait : vos points sont maintenant un chèque cadeau.',
  'portal.done.already': 'C’était déjà enregistré.',
  'portal.refused.BURN_CLOSED': 'La date limite est passée : les points ne peuvent plus être utilisés ni convertis.',
  'portal.refused.CONVERSION_NOT_OPEN': 'Les points ne peuvent pas être convertis en chèque aujourd’hui.',
  'portal.refused.NOTHING_TO_CONVERT': 'Il ne vous reste aucun point à convertir.',
  'portal.refused.BALANCE_CHANGED':
    'Votre solde vient de changer : consultez-le de nouveau et convertissez encore si vous le souhaitez.',
  'portal.refused.TERMS_REFUSED':
    'Vous avez refusé les nouvelles conditions : vos points ne peuvent pas être convertis ; vous pouvez toujours les utiliser en magasin.',
  'portal.refused.UNKNOWN_TERMS': 'Il n’y a pas de nouvelles conditions à accepter.',
  'portal.refused.other': 'Cela n’a pas pu être fait. Réessayez plus tard ou renseignez-vous en caisse.',
  'portal.linkInvalidTitle': 'Ce lien ne fonctionne pas',
  'portal.linkInvalid':
    'Ce lien n’est pas valable : il a peut-être été mal saisi, ou il a expiré. Utilisez le QR code ou le lien de votre courrier, ou présentez le courrier à n’importe quelle caisse.',
  'portal.unreachableTitle': 'Veuillez réessayer plus tard',
  'portal.unreachable':
    'Notre système de points est injoignable pour le moment : rien n’a été enregistré. Réessayez dans quelques minutes.',
  'portal.unreachableRetry': 'Réessayer',
  'portal.busyTitle': 'Très forte affluence en ce moment',
  'portal.busy': 'De nombreux membres répondent en ce moment et rien n’a été enregistré. Réessayez dans une minute.',
  'portal.tooManyTitle': 'Trop de demandes',
  'portal.tooMany':
    'Trop de demandes sont venues de ce lien ou de cette connexion. Patientez une minute puis réessayez.',
  'portal.expiredFormTitle': 'Veuillez réessayer',
  'portal.expiredForm':
    'Ce formulaire avait expiré : rien n’a été enregistré. Ouvrez de nouveau votre page et répondez encore une fois.',
  'portal.notFoundTitle': 'Page introuvable',
  'portal.notFound': 'Il n’y a rien ici.',

  // Remboursement (renderer/RefundPanel.tsx, F6 sous l’annulation) ----------------------------------------------------
  'refund.title': 'Rembourser une vente rapportée',
  'refund.ref': 'Référence du ticket ou identifiant d’opération',
  'refund.find': 'Chercher la vente',
  'refund.SALE_NOT_FOUND': 'Aucune vente n’a cette référence de ticket ni cet identifiant d’opération.',
  'refund.OFFLINE':
    'Le registre central est injoignable : seules les ventes de cette caisse peuvent être retrouvées pour l’instant.',
  'refund.thisTill': 'cette caisse',
  'refund.saleLabel':
    '{where} · {name} · {kind, select, earn {vente de {amount}, {points} pts} other {récompense, {points} pts}}{hasRefund, select, yes {, {refunded} pts déjà remboursés} other {}}{closed, select, yes { (plus rien à rembourser)} other {}}',
  'refund.done':
    'Remboursement enregistré pour {name} : {direction, select, given {{points, plural, one {# point recrédité} other {# points recrédités}}} other {{points, plural, one {# point retiré} other {# points retirés}}}}.',
  'refund.voided': 'Opération entière ({kind}) annulée pour {name}.',
  'refund.sale': 'Vente',
  'refund.returned': 'Rapporté',
  'refund.byLines': 'par lignes',
  'refund.byAmount': 'par montant',
  'refund.line': '{category} (vendu {amount}), rapporté',
  'refund.amount': 'Montant rapporté',
  'refund.reward':
    'La récompense est rendue en entier : {points, plural, one {son # point est recrédité} other {ses # points sont recrédités}}.',
  'refund.submit': 'Rembourser',
  'refund.voidWhole': 'Annuler toute l’opération ({kind})',

  'enrol.title': 'Inscrire un nouveau membre',
  'enrol.badCard': 'Ce numéro de carte a une clé de contrôle fausse : scannez-la ou tapez-la à nouveau.',
  'enrol.done': '{name} est inscrit(e) avec la carte {card}.',
  'enrol.card': 'Nouvelle carte',
  'enrol.cardHint': 'Scannez la nouvelle carte, puis Tab.',
  'enrol.name': 'Nom du membre',
  'enrol.consent': 'Communications acceptées par le client',
  'enrol.channel': '{channel, select, email {E-mail} sms {SMS} other {Courrier}}',
  'enrol.submit': 'Inscrire',

  'terms.none': 'Le programme ne demande aux membres d’accepter aucune nouvelle condition.',
  'terms.accepted': '{name} a accepté les nouvelles conditions du programme ({version}).',
  'terms.refused':
    '{name} a refusé les nouvelles conditions du programme ({version}) : pas de conversion dans le nouveau programme.',
  'terms.title': 'Nouvelles conditions du programme ({version})',
  'terms.already':
    '{name} a déjà {answer, select, accepted {accepté} other {refusé}} ces conditions ; n’enregistrez une nouvelle réponse que si le membre change d’avis.',
  'terms.ask':
    'Demandez à {name} s’il accepte les conditions du nouveau programme. Appuyez sur <kbd>A</kbd> pour accepté ou <kbd>R</kbd> pour refusé, puis <kbd>Entrée</kbd> pour enregistrer.',
  'terms.acceptedButton': 'Accepté',
  'terms.refusedButton': 'Refusé',
  'terms.confirmLabel': 'Valider la réponse',
  'terms.confirmQuestion':
    'Enregistrer que <strong>{name}</strong> <strong>{answer, select, accepted {ACCEPTE} other {REFUSE}}</strong> les nouvelles conditions du programme ({version}) ?',
  'terms.refusedNote': 'Le solde ne pourra alors pas être converti en chèque pour le nouveau programme.',
  'terms.record': 'Enregistrer la réponse',
  'terms.cancel': 'Annuler',

  'convert.confirmed': 'Chèque confirmé par le registre central : {value}, code {code}. Remettez-le au membre.',
  'convert.noVoucher': '{queued, select, yes {Pas de chèque} other {Refusé}} : {reason}',
  'convert.title': 'Convertir le solde en chèque cadeau',
  'convert.voucherLabel': 'Chèque cadeau',
  'convert.voucherTitle': 'Chèque cadeau, confirmé par le registre central',
  'convert.voucherFor': 'Pour {points, plural, one {# point} other {# points}} · valable jusqu’au {day}',
  'convert.working': 'Calcul du chèque…',
  'convert.points': 'Points convertis (tout le solde)',
  'convert.faceValue': 'Leur valeur en paiement',
  'convert.value': 'Montant du chèque ({pct} %)',
  'convert.validUntil': 'Valable jusqu’au',
  'convert.termsFirst':
    '{name} n’a pas encore répondu aux nouvelles conditions du programme : demandez d’abord (<kbd>F7</kbd>).',
  'convert.confirmLabel': 'Valider la conversion',
  'convert.question':
    'Convertir les {points, plural, one {# point} other {# points}} de <strong>{name}</strong> en un chèque cadeau de <strong>{value}</strong> ? Le registre central doit le confirmer.',
  'convert.confirm': 'Valider la conversion',
  'convert.asking': 'Demande au registre central, {seconds} s au plus… Ne remettez aucun chèque avant sa confirmation.',

  'gift.alreadyRedeemed': 'Déjà utilisé le {when} : ne l’acceptez pas.',
  'gift.alreadyRedeemedBy': 'Déjà utilisé le {when} ({by}) : ne l’acceptez pas.',
  'gift.expired': 'Expiré après le {day} : ne l’acceptez pas.',
  'gift.accepted': 'Chèque cadeau {code} accepté par le registre central : déduisez {value} de la vente.',
  'gift.duplicate': '(La tentative précédente avait abouti.)',
  'gift.refused': 'N’acceptez pas le chèque : {reason}',
  'gift.title': 'Chèque cadeau en paiement',
  'gift.offline':
    'La caisse est hors ligne : un chèque cadeau ne s’accepte qu’une fois confirmé par le registre central.',
  'gift.code': 'Code du chèque',
  'gift.receipt': 'Numéro de ticket de caisse (facultatif)',
  'gift.check': 'Vérifier le chèque',
  'gift.confirmLabel': 'Valider l’encaissement',
  'gift.worth': 'Le chèque <strong>{code}</strong> vaut {value}, valable jusqu’au {day}.',
  'gift.redeem': 'L’encaisser en paiement',
  'gift.asking': 'Demande au registre central… N’acceptez pas le chèque avant sa confirmation.',
  'gift.pending': 'Encaissements sans réponse',
  'gift.pendingHint':
    'Le registre central n’a pas répondu à temps. Réessayez avant d’accepter le chèque ; un nouvel essai ne peut pas le débiter deux fois.',
  'gift.retry': 'Réessayer',

  'letter.closing.title': '{program} : avis de clôture',
  'letter.closing.heading': 'Vos points {program} : utilisez-les avant le {lastDay} inclus',
  'letter.dear': 'Bonjour {name},',
  'letter.closing.balance':
    'Vous avez {points, plural, one {# point} other {# points}}, d’une valeur de {value} sur vos achats dans l’un de nos magasins.',
  'letter.closing.convert':
    'Vous pouvez aussi convertir tout votre solde en un chèque cadeau de {voucher} ({pct} % de sa valeur) à n’importe quelle caisse, jusqu’au {lastDay}.',
  'letter.closing.terms':
    'Les conditions du nouveau programme (version {version}) : {answer, select, accepted {vous les avez acceptées} refused {vous les avez refusées ; vos points restent utilisables jusqu’à la date limite} unansweredLink {vous n’avez pas encore répondu : répondez sur votre page personnelle (le code QR ci-dessus) ou à n’importe quelle caisse} other {vous n’avez pas encore répondu : une caisse peut enregistrer votre réponse dans n’importe quel magasin}}.',
  'letter.closing.end': 'Les points non utilisés ou non convertis à cette date ne pourront plus être utilisés.',
  'letter.page': 'Votre page personnelle : {link}',
  'letter.bringLetter':
    'Présentez cette lettre à n’importe quelle caisse à la place de votre carte : référence de lettre {ref}.',
  'letter.footer': 'Référence de lettre {ref} · membre {member}',
  'letter.reference': 'Référence membre : {reference}',
  'letter.expiry.title': '{program} : points arrivant à expiration',
  'letter.expiry.heading': 'Vos points expirent bientôt : utilisez-les avant le {day}',
  'letter.expiry.message':
    '{points, plural, one {# de vos points {program} expire} other {# de vos points {program} expirent}} bientôt : les premiers le {day}. Utilisez-les avant dans l’un de nos magasins.',
  'letter.expiry.worth':
    'Ils valent {value} sur vos achats. Votre solde est de {balance, plural, one {# point} other {# points}}.',
  'code.LETTER_UNKNOWN':
    'Aucun membre n’a ce courrier : la référence comporte une faute de frappe, le courrier a expiré ou il n’a jamais été envoyé.',
  'lookup.LETTER_NEEDS_NETWORK':
    'Cette caisse ne connaît pas ce courrier, et le registre central qui recherche les courriers est injoignable : demandez la carte, ou réessayez quand la caisse sera de nouveau en ligne.',
  ...managerFrFR,
  ...consoleFrFR,
};
