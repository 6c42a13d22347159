"""The calendar: working days and time limits.

Days set by hand (`models`), working days, calendar days and working hours counted the way the complaint
rules count them (`workcal`), and the named rule sets of time limits chosen by filing date (`rulesets`).

May import: `core`.
"""
