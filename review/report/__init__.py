"""Stage 3, report: what each chapter shows, the book it becomes and the rendered report.

Reads the snapshot and the indicators table (through a notebook's `Chapter`) and the
executed notebooks; writes figures, tables and their CSVs from inside a notebook, the
book sources (OUT/book/) and the report (OUT/report/). Notebooks and templates are in
review/notebooks/ and review/templates/.
"""
