"""The official-account surface: WeChat's push endpoint (`callback`) and the station staff's chat
(`chat`), with its Chinese text (`texts`) and the record of each push handled (`models`).

A surface: it parses, finds who is asking, calls one domain function and renders a text reply.
May import: the domain packages and the `wechat` adapter.
"""
