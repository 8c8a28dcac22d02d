"""`townhall migrate` (Django's, plus the cache table) and `townhall serve` (web server plus task worker)."""
