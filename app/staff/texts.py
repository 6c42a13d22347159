"""Chinese text of the staff package: the names of the roles, as staff and operators read them."""

ROLES = {"handler": "处理人员", "supervisor": "督办人员", "merchant": "商家联系人"}
