"""Many workbooks at once: each in a worker process, each within a time and memory budget
(``pool.run_budgeted``), so one pathological file never holds the rest."""
