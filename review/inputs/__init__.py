"""Stage 1, inputs: a cycle's data package as the analysts deliver it, read, checked and settled.

Reads an inputs folder (CSV tables and `review.yml`); writes nothing into an outputs
folder. Holds the input contract (`data`), the settings (`config`), the Great
Expectations rules (`validation`) and the problems they report (`problems`), the
validated snapshot's format (`snapshot`), content fingerprints that every cache key is
made of (`fingerprint`), where folders live (`paths`), atomic file helpers (`fsutil`), rolling a cycle forward (`new_cycle`), and the members' data
round: workbooks out (`collect`), returns checked and merged into the folder with a
`submissions.csv` log (`ingest`).
"""
