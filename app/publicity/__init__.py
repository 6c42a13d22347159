"""Complaint publicity (消费投诉信息公示, Order 121 Art. 38-39): what the public may see of the cases.

Which cases are published and how they are shown (`cases`), the redaction of free text (`redact`), each
store's rolling 12-month record computed by the worker for the store page (`stores`), the store's right
of reply moderated by the station (`replies`), stores as map points coloured by complaints per 1,000 scans
(`geo`), models (`models`) and Chinese text (`texts`).

May import: `core`, `directory`, `stores`, `complaints`, `figures`.
"""
