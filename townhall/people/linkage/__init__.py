"""Citizen Index record linkage: Splink on DuckDB, shared by `townhall people link-csv` and the app.

- `prepare`: normalise names, dates, postcodes, emails, phones into comparable columns
- `settings`: the Splink comparisons, blocking rules and training rules
- `pipeline`: train (u by sampling, m by EM), score pairs, cluster at a threshold
- `csv_io`: read and check a record CSV, write the cluster CSV atomically
"""
