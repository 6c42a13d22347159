"""The directory: who is responsible where.

Regions, business circles and stations (`models`), the routing rules that pick a store's responsible
station (`routing`), the enrolment import of stations and stores from CSV or Excel (`importing`), and
forms that reuse its rules for one station (`stations`), one store (`editing`), or regions and
business circles (`areas`).

May import: `core`, `audit`, `stores` (the importer writes stores and their codes).
"""
