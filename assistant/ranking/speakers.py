"""Speaker preference: questions about what someone said favour that person's sentences.

"What did Harbath say?" names a person and asks about speech, so sentences the
attribution layer gives to a speaker with that name get a boost; so do the
outlet's own commentary sentences when the question asks what the writer
thinks. A factoid question naming someone ("Who ruled the Normans?") gets no
boost: it does not ask what they said.

Example:
    >>> sorted(asked_names("What did Katie Harbath say?", None))  # "What" names no speaker: harmless
    ['Harbath', 'Katie', 'What']
    >>> asked_names("Who ruled the Normans?", None)
    set()
"""

from __future__ import annotations

import re

import numpy as np

SPEAKER_BOOST = 0.25  # times the best candidate's score
# Questions about what someone said, thinks or claims.
_SPEECH = re.compile(r"\b(say|says|said|saying|tell|tells|told|claim\w*|according|think\w*|thought|view|views|opinion|"
                     r"describ\w*|characteri[sz]\w*|call|called|comment\w*|respon\w*|react\w*|warn\w*|argu\w*|"
                     r"add|added|quot\w*|insist\w*|believ\w*|suggest\w*|repl\w*|statement|interview|remark\w*|"
                     r"speak\w*|spoke|explain\w*|admit\w*|deni\w*|deny)\b", re.I)
# Questions about the outlet's own view ("what does the writer suggest ...").
_WRITER = re.compile(r"\b(writer|author|columnist|editorial|op-ed|"
                     r"the (outlet|publisher)(’s|'s) (own )?(view|opinion))\b", re.I)


def asked_names(question: str, speaker: str | None) -> set[str]:
    """Capitalised words of a question about speech, plus the follow-up's ``speaker``'s words."""
    names = set(re.findall(r"\b[A-Z][a-z’'-]{2,}\b", question)) if _SPEECH.search(question) else set()
    if speaker:
        names |= set(speaker.split())
    return names


def prefer_speakers(snapshot, rows: np.ndarray, score: np.ndarray, question: str, speaker: str | None) -> np.ndarray:
    """``score`` plus ``SPEAKER_BOOST`` x the best score for each of ``rows`` spoken by a
    person the question names (or the follow-up's ``speaker``), or that is the
    outlet's commentary when the question asks what the writer thinks."""
    names = asked_names(question, speaker)
    writer = bool(_WRITER.search(question))
    if not (names or writer) or not len(rows):
        return score
    boost = np.zeros(len(rows))
    for i, row in enumerate(rows.tolist()):
        attribution = snapshot.sentence_at(row).attribution
        if not attribution:
            continue
        if writer and attribution.kind == "commentary":
            boost[i] = SPEAKER_BOOST
        elif attribution.speaker and attribution.kind in ("direct_quote", "reported"):
            if names & set(re.findall(r"[\w’'-]+", attribution.speaker)):
                boost[i] = SPEAKER_BOOST
    return score + boost * (float(score.max()) if len(score) else 0.0)
