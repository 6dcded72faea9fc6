"""Stage 2, analysis: pure functions from validated tables to numbers and the words for them.

Reads the validated tables (pandas frames); writes nothing. The indicators table
(`indicators`), what a public edition may show (`disclosure`), generated sentences
(`narrative`, `text`) and members compared (`comparison`).
"""
