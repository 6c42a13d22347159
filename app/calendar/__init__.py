"""The calendar: working days and time limits.

Days set by hand and years entered (`models`), a year's arrangement imported at once (`arrangement`),
working days, calendar days and working hours counted the way the complaint
rules count them (`workcal`), and the named rule sets of time limits chosen by filing date (`rulesets`).

May import: `core`.
"""
