"""Everything that talks to WeChat.

- `wechat.client`: the only place that builds wechatpy clients (shared access token in Redis).
- `wechat.api`: the few calls wechatpy lacks or gets wrong, with one error type per failure kind.
- `app.dev.wechat_emulator`: a local imitation of the WeChat API for tests and the demo (`python -m app.dev.wechat_emulator`).
"""

#: Placeholder credentials used in sandbox mode (no mini-program credentials outside production).
#: The emulator registers them by default, so a sandbox app still exercises the real HTTP path.
SANDBOX_MP_APPID = "wx-sandbox"
SANDBOX_MP_SECRET = "wx-sandbox-secret"
SANDBOX_OA_APPID = "wx-sandbox-oa"
SANDBOX_OA_SECRET = "wx-sandbox-oa-secret"
