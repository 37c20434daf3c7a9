"""Read models in SQL beyond the unit of work's repositories (monitoring)."""
