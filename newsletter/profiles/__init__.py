"""Profiles for ``similar_to:`` conditions: the papers that define a topic, built once a run.

build       every ``similar_to`` of the config -> profiles keyed by key path (``build_profiles``)
library     a .bib or .csv export -> entries (title, abstract, arXiv id)
resolve     arXiv ids -> titles and abstracts (the arXiv API, cached per id)
similarity  TF-IDF cosine of papers to a profile, with the nearest profile paper
suggest     a topic proposed from example papers (``topics suggest``)

This file imports nothing: ``topics`` needs only ``similarity``, and scikit-learn is loaded
the first time a profile scores papers, so a config without ``similar_to`` never pays for it.
"""
