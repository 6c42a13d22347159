"""What each audience sees of a case: the consumer (`consumer`) and station staff or merchants
(`staff`). Presenters read; they change nothing.

May import: what `app.complaints` may, and `app.complaints` itself.
"""
