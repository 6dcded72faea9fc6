"""Stage 6, build: the stages in order, from an inputs folder to a complete output folder.

Reads an inputs folder; writes OUT (outputs/<cycle>/<edition>/) in one step. The
snapshot stage (`validated`: validation, indicators, disclosure, annex facts), the
pipeline (`pipeline`: snapshot, jobs, book, report, manifest) and the warm server that
keeps the heavy imports loaded between builds (`server`).
"""
