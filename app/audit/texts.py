"""Chinese names of audited actions and surfaces."""

ACTIONS = {
    "user.create": "创建账号",
    "user.disable": "停用账号",
    "user.totp": "设置动态码",
    "store.update": "修改店铺",
    "code.reissue": "作废并换发店铺码",
    "import.stations": "导入站点",
    "import.stores": "导入店铺",
    "station.create": "新建站点",
    "station.update": "修改站点",
    "station.close": "撤销站点",
    "station.hand_over": "撤销站点并移交投诉",
    "region.create": "新建区域",
    "region.update": "修改区域",
    "circle.create": "新建商圈",
    "circle.update": "修改商圈",
    "staff.add": "添加工作人员",
    "staff.invite": "生成绑定码",
    "staff.unbind": "解除微信绑定",
    "export.cases": "导出案件",
    "export.download": "下载导出文件",
    "complaint.handoff": "移交全国12315平台",
    "reply.approve": "通过商家回应",
    "reply.reject": "驳回商家回应",
    "content.publish": "内容审核：可以公示",
    "content.withhold": "内容审核：不予公示",
}

VIA = {"console": "网页后台", "cli": "命令行"}
