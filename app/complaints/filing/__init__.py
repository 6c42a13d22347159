"""Filing a complaint or report from a store's code: validated (`input`), read in two statements
(`reads`), written once (`service`), answered again from Redis on a retry (`replay`).

May import: what `app.complaints` may, and `app.complaints` itself.
"""
