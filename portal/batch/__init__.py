"""The daily batch: ordered steps that catch up every action due as of a day (issue 6).

`run_batch(session, rules, as_of=DATE)` runs `BATCH_STEPS` in order and commits after each
step; `flask --app wsgi run-batch [--as-of DATE] [--only STEP]` is the command.
"""
