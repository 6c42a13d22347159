"""A delivery worker that dies — `os._exit`, no cleanup, no rollback — the moment WeChat has accepted a
message: the crash between the send and the commit, in a process of its own.

    python -m tests.notifications.dying_worker <outbox id>    (app config as JSON in DYING_WORKER_CONFIG)
"""

from __future__ import annotations

import json
import os
import sys

import requests

from app import create_app
from app.notifications import delivery

EXIT_CODE = 9
_request = requests.Session.request


def _dies_after_a_send(self, method, url, *args, **kwargs):
    response = _request(self, method, url, *args, **kwargs)
    if "/cgi-bin/message/" in url and response.ok:
        os._exit(EXIT_CODE)  # WeChat has the message; nothing after the call runs
    return response


def main() -> None:
    requests.Session.request = _dies_after_a_send  # wechatpy sends through requests.Session
    app = create_app(json.loads(os.environ["DYING_WORKER_CONFIG"]))
    with app.app_context():
        delivery.deliver(int(sys.argv[1]))
    sys.exit("the delivery returned: WeChat was never called")


if __name__ == "__main__":
    main()
