"""Key figures for regulators: how well the stations work, for any period and station subtree.

The definitions, written once in Chinese and English (`definitions`), the figures with numerator and
denominator and the cases behind each (`kpis`), their course by week or month and the stations below side
by side (`series`), the regulator's case export in CSV or XLSX (`export`), large exports written by the worker
(`export_jobs`, an RQ job on the notifications' queue) and the Chinese text (`texts`). The console (/admin/figures) and `flask figures` call these functions.

May import: `core`, `directory`, `stores`, `complaints`, `notifications` (the job queue, for `export_jobs`).
"""
