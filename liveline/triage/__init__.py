"""Triage: turn a raw citizen comment into something a moderator can act on.

Pure-Python building blocks, no Redis, among them:

- ``text``   normalisation, tokens and lemmas (pymorphy3, cached);
- ``places`` settlement / street / house from free text, with an optional gazetteer;
- ``topics`` a lemma lexicon that maps a question to a topic and a department;
- ``rank``   the suggested order of clusters for the moderators, with territorial fairness.

Import the submodules directly; this package imports nothing heavy.
"""
