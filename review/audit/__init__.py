"""Stage 5, audit: the manifest of a build and the checks an auditor runs on an output folder.

Reads a finished output folder; writes its manifest and signature (`manifest`,
`signing`) and, for an auditor, OUT/audit/. `verify` checks that nothing was altered,
`reproduce` re-runs every notebook, `compare` says what changed between two reviews.
"""
