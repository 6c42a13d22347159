"""The background worker's periodic jobs (`periodic`): sweeps, scan counters, the outbox, pruning.

May import: every domain package (it is an entry point, like a surface).
"""
