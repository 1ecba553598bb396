"""Words that attribution rules share: speech cues, pronouns, determiners, sentence fillers.

Kept apart from ``cues`` (which finds a cue's speaker) and ``subjects`` (which
finds who acts in a clause) so both can read the same word lists without
importing each other.

Example:
    >>> [m.group() for m in CUE.finditer("He agreed. Ann Lee observed that they agreed to pay.")]
    ['agreed', 'observed']
    >>> bool(PRONOUN.match("She")), bool(DETERMINER.match("a spokesman"))
    (True, True)
"""

from __future__ import annotations

import re

_CUES = (
    "said|says|say|told|tells|added|adds|warned|warns|explained|insisted|insists|argued|argues|claimed|claims|"
    "stated|noted|announced|admitted|admits|stressed|urged|wrote|writes|asked|replied|replies|commented|confirmed|"
    "denied|"
    "predicted|predicts|revealed|reveals|acknowledged|continued|reckons|believes|suggested|suggests|maintained|"
    "maintains|conceded|concedes|described|dismissed|accused|praised|refuted|countered|retorted|quipped|joked|"
    "confessed|confesses|remarked|boasted|boasts|complains|stresses|announces|explains(?=\\s*[,.:]|\\s+that\\b|\\s+[A-Z])|declared(?=\\s*:)|estimated(?=\\s*[,.])|"
    # 'called for', 'calls it "a farce"', 'called the plan "a failure for us all."' (a masked quotation).
    "called(?=\\s+(?:on|for)\\b|[^.]*[\"“\\x00])|calls(?=[^.]*[\"“\\x00])|"
    "reported|pointed out|concluded|complained|blamed|blames|"
    "went on(?=\\s*(?:to\\s+(?:say|add|warn|claim|explain|promise|insist|argue|predict|suggest|urge|signal|stress|"
    "admit|deny|reveal|tell|describe)\\b|[:,]))|"
    "details|found(?= that)|read(?=\\s*:)|saying|adding|warning|arguing|claiming|insisting|maintaining|stressing|"
    # Verbs that report speech only in some frames: 'X agreed.' / 'agreed that', not 'agreed to pay';
    # 'rejected the claims', not 'rejected the bid'; 'observed X,' / 'observed that', not 'observed a rise'.
    "agreed(?=\\s*[.,;:]|\\s+that\\b)|"
    "rejected(?=\\s+(?:the\\s+|these\\s+|those\\s+|any\\s+)?(?:claims?|allegations?|accusations?|criticism|"
    "suggestions?|charges?|reports?)\\b)|"
    "observed(?=\\s+that\\b|\\s*[.,:]|\\s+[A-Z])|"
    # 'Police think the pair ...', 'They believe he ...': a clause follows; not 'think tank'. ('I think' is
    # commentary: ``cues`` drops opinion verbs after I, we, you.)
    "(?:think|thinks|believe)(?=\\s+(?:that|the|a|an|he|she|it|they|there|this|these|those|his|her|their|its|"
    "some|many|most|all|both|several|two|three|four|five|\\d+)\\b)|"
    "(?:thinks|believes)(?=\\s+(?:[A-Z][\\w'-]+\\s+){1,3}?[A-Z][\\w'-]+\\s*[,.])"  # "..., thinks Ann Lee."
)
CUE = re.compile(rf"\b(?=[a-z])(?:{_CUES})\b")  # the look-ahead only makes the scan faster
PRONOUN = re.compile(r"^(?:he|she|they|it)$", re.I)
LEADING_FILLER = re.compile(
    r"^(?:(?:but|and|while|as|so|yet|though|although|however|meanwhile|also|where|when|because|then|now|instead|"
    r"earlier|later|that|which|who)\b[ ,]*)+", re.I)
DETERMINER = re.compile(r"^(?:a|an|the|this|his|her|its|their|our|one|two|three|several|some|many|other)\b", re.I)
