"""What the audit log calls things: every action by its Chinese name, the actions by category,
and the keys of an event's before / after / detail by their Chinese names.

ACTIONS is the one registry of actions: `accounts.audit.record` refuses an action that is not in
it, and tests/test_audit_log.py reads the source of every app for the actions it records, so a
new action needs its name here before it can be written.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Namespace ("auth" of "auth.login") → category, in the order the filter offers them.
CATEGORIES: dict[str, Promise] = {
    "auth": _("登录"),
    "account": _("账号"),
    "permission": _("权限"),
    "security": _("登录保护"),
    "approval": _("双人审批"),
    "enterprise": _("企业注册"),
    "organization": _("机构"),
    "department": _("二级单位"),
    "inventory": _("存量专利盘点"),
    "conversion": _("转化实施"),
    "open_licence": _("开放许可"),
    "push": _("企业响应推送"),
    "match_event": _("对接活动"),
    "matching": _("供需匹配"),
    "evaluation": _("专利评价"),
    "token": _("API 令牌"),
    "export": _("导出和下载"),
    "access": _("访问控制"),
    "demo": _("演示数据"),
    "notification": _("通知"),
    "indicator": _("评价指标体系"),
    "assessment": _("评价填写与提交"),
    "evaluation_round": _("评价轮次"),
    "assignment": _("评价任务"),
    "expert_request": _("专家评价申请"),
    "statistics": _("季度统计"),
    "report": _("进展报告"),
    "spot_check": _("随机抽查"),
    "case_report": _("典型案例与问题报送"),
    "feed": _("省级数据接口"),
}

ACTIONS: dict[str, Promise] = {
    # 登录
    "auth.login": _("登录"),
    "auth.logout": _("退出登录"),
    "auth.login_failed": _("登录失败"),
    "auth.two_factor_failed": _("两步验证码错误"),
    "auth.two_factor_locked": _("两步验证锁定"),
    # 账号
    "account.create": _("创建账号"),
    "account.activate": _("启用账号"),
    "account.deactivate": _("停用账号"),
    "account.password_reset": _("重置密码"),
    "account.password_change": _("修改密码"),
    "account.password_set": _("发明人设置密码"),
    "account.two_factor_enrol": _("启用两步验证"),
    "account.two_factor_disable": _("关闭两步验证"),
    "account.two_factor_reset": _("重置两步验证"),
    "account.department": _("调整所属二级单位"),
    "account.allocation_upload": _("上传账号分配表"),
    "account.allocate": _("批量分配账号"),
    "account.allocation_cancel": _("取消账号分配"),
    # 权限和登录保护
    "permission.change": _("修改权限"),
    "security.unlock": _("解除登录锁定"),
    "security.unlock_address": _("解除来源地址的登录限制"),
    # 双人审批 (accounts.two_person)
    "approval.request": _("提交双人审批申请"),
    "approval.approve": _("批准双人审批申请"),
    "approval.reject": _("驳回双人审批申请"),
    # 企业注册
    "enterprise.register": _("企业注册"),
    "enterprise.approve": _("通过企业注册"),
    "enterprise.reject": _("驳回企业注册"),
    # 机构
    "organization.create": _("创建机构"),
    "organization.update": _("修改机构信息"),
    "organization.alias_add": _("添加专利权人别名"),
    "organization.review_levels": _("设置审核层级"),
    "organization.two_factor": _("设置成员两步验证要求"),
    # API 令牌
    "token.create": _("创建 API 令牌"),
    "token.revoke": _("吊销 API 令牌"),
    # 二级单位
    "department.create": _("新建二级单位"),
    "department.rename": _("重命名二级单位"),
    # 存量专利盘点
    "inventory.assessment_update": _("修改盘点信息"),
    "inventory.bulk_action": _("批量修改盘点记录"),
    "inventory.review_submit": _("提交审核"),
    "inventory.review_approve": _("审核通过"),
    "inventory.review_return": _("审核退回"),
    "inventory.self_assessment_invite": _("邀请发明人自评"),
    "inventory.self_assessment_close": _("结束发明人自评"),
    "inventory.milestones_update": _("修改盘点时间节点"),
    "inventory.upload": _("上传盘点结果"),
    "inventory.upload_commit": _("导入盘点结果"),
    "inventory.upload_cancel": _("取消盘点结果导入"),
    "inventory.base_library_upload": _("上传存量专利基础库"),
    "inventory.base_library_import": _("导入存量专利基础库"),
    "inventory.base_library_cancel": _("取消存量专利基础库导入"),
    "inventory.industry_concordance_upload": _("上传产业与IPC参照关系"),
    "inventory.industry_concordance_load": _("载入产业与IPC参照关系"),
    "inventory.industry_concordance_cancel": _("取消产业与IPC参照关系载入"),
    # 转化实施
    "matching.cycle_start": _("发起匹配批次"),
    "conversion.create": _("登记转化记录"),
    "conversion.update": _("修改转化记录"),
    "conversion.delete": _("删除转化记录"),
    "conversion.upload": _("上传转化实施情况表"),
    "conversion.import": _("导入转化实施情况"),
    "conversion.upload_cancel": _("取消转化实施情况导入"),
    # 开放许可
    "open_licence.declare": _("发布开放许可声明"),
    "open_licence.withdraw": _("撤回开放许可声明"),
    # 企业响应推送 (matching.pushes.services)
    "push.dismiss": _("企业对推送表示不感兴趣"),
    "push.interest": _("企业对推送表达合作意向"),
    "push.request_evaluation": _("企业对推送申请评价"),
    # 季度统计:计算、发布通报、签认 (reporting.statistics.services)
    "statistics.compute": _("计算季度统计"),
    "statistics.publish": _("发布季度统计和进展通报"),
    "statistics.signoff": _("签认季度统计"),
    "statistics.signoffs_cleared": _("重新计算后撤销已签认(数据有变化)"),
    # 进展报告 (reporting.reports.services)
    "report.request": _("生成进展报告"),
    # 专家评价:申请、轮次与评价任务 (evaluation.rounds.services)
    "expert_request.create": _("企业申请专家评价"),
    "evaluation_round.create": _("组织专家评价"),
    "evaluation_round.draw": _("随机抽取评价专家"),
    "assignment.declare": _("专家声明无利益冲突"),
    "assignment.recuse": _("专家回避评价任务"),
    "assignment.decline": _("专家谢绝评价任务"),
    "assignment.reassign": _("重新分配评价任务"),
    "assignment.replace": _("替换评价专家"),
    # 对接活动 (matching.events.services)
    "match_event.create": _("创建对接活动"),
    "match_event.update": _("修改对接活动"),
    "match_event.publish": _("发布对接活动"),
    "match_event.close": _("结束对接活动"),
    "match_event.add_patents": _("添加路演专利"),
    "match_event.remove_patent": _("移除路演专利"),
    "match_event.invite": _("邀请企业参加对接活动"),
    "match_event.register": _("企业报名对接活动"),
    "match_event.outcome": _("登记对接结果"),
    # 供需匹配:企业画像与技术需求 (matching.needs)
    "matching.profile_update": _("修改企业画像"),
    "matching.need_create": _("发布技术需求"),
    "matching.need_update": _("修改技术需求"),
    "matching.need_close": _("关闭技术需求"),
    "matching.need_reopen": _("重新开放技术需求"),
    "matching.need_upload": _("上传企业技术需求表"),
    "matching.need_import": _("导入企业技术需求"),
    "matching.need_upload_cancel": _("取消企业技术需求导入"),
    "matching.need_offer": _("机构响应技术需求"),
    "matching.suggestion_accept": _("采纳画像建议"),
    "matching.suggestion_ignore": _("忽略画像建议"),
    # 随机抽查 (reporting.spotchecks.services)
    "spot_check.create": _("创建随机抽查"),
    "spot_check.draw": _("随机抽取盘点记录"),
    "spot_check.assign": _("分配抽查核查人"),
    "spot_check.finding": _("填写抽查核查结论"),
    "spot_check.request_corrections": _("要求抽查整改"),
    "spot_check.redraw": _("重新抽取抽查样本"),
    "spot_check.correct": _("机构完成抽查整改"),
    # 典型案例与问题报送 (reporting.cases.services)
    "case_report.create": _("新建典型案例与问题"),
    "case_report.update": _("修改典型案例与问题"),
    "case_report.submit": _("报送典型案例与问题"),
    "case_report.mark": _("案例纳入通报"),
    "case_report.unmark": _("案例取消纳入通报"),
    "case_report.attach": _("上传案例附件"),
    "case_report.detach": _("删除案例附件"),
    # 专利评价:专家库 (evaluation.experts)
    "evaluation.expert_recommend": _("推荐评价专家"),
    "evaluation.expert_approve": _("专家入库"),
    "evaluation.expert_reject": _("专家推荐未通过"),
    "evaluation.expert_upload": _("上传专家推荐表"),
    "evaluation.expert_import": _("导入专家推荐表"),
    "evaluation.expert_upload_cancel": _("取消专家推荐表导入"),
    "evaluation.expert_profile_update": _("修改专家信息"),
    "evaluation.expert_unavailability_add": _("登记专家不可用时段"),
    "evaluation.expert_unavailability_remove": _("删除专家不可用时段"),
    # 专利评价:评价反馈与机构答复 (evaluation.feedback)
    "evaluation.feedback_answer": _("机构答复评价"),
    "evaluation.feedback_upload": _("上传评价反馈表"),
    "evaluation.feedback_import": _("导入评价反馈"),
    "evaluation.feedback_upload_cancel": _("取消评价反馈导入"),
    # 导出和下载 (accounts.exports: one per kind of export)
    "export.audit_log": _("导出审计日志"),
    "export.allocation_result": _("下载账号分配结果"),
    "export.inventory_template": _("下载盘点结果模板"),
    "export.experts_template": _("下载专家推荐模板"),
    "export.inventory_prefilled": _("导出本机构专利盘点表"),
    "export.import_file": _("下载上传的原始文件"),
    "export.import_error_report": _("下载导入错误报告"),
    "export.base_library_template": _("下载存量专利基础库模板"),
    "export.base_library_error_report": _("下载基础库导入错误报告"),
    "export.conversion_template": _("下载转化实施情况模板"),
    "export.industry_concordance": _("导出产业与IPC参照关系"),
    "export.needs_template": _("下载企业技术需求模板"),
    "export.evaluation_feedback": _("导出评价反馈"),
    "export.case_attachment": _("下载案例附件"),
    "export.evaluation_feedback_template": _("下载评价反馈模板"),
    "export.evaluation_reasons": _("导出专利未转化原因统计"),
    "export.statistics_trace": _("导出统计数字对应的明细"),
    "export.progress_report": _("下载进展报告"),
    "export.dashboard": _("导出统计看板数据"),
    # 访问控制 (accounts.middleware.AuditedAccessMiddleware)
    "access.denied": _("拒绝访问"),
    "access.personal_data": _("查看个人信息"),
    "access.bulk_read": _("批量读取接口数据"),
    # 演示数据 (demo.builders)
    "demo.seed": _("生成演示数据"),
    "demo.reset": _("清除演示数据"),
    # 通知 (notifications.services)
    "notification.preferences": _("修改通知设置"),
    "notification.robot_add": _("添加群机器人"),
    "notification.robot_remove": _("删除群机器人"),
    "notification.robot_toggle": _("启用或停用群机器人"),
    # 评价指标体系和专利评价 (evaluation.indicators, evaluation.assessments)
    "indicator.publish": _("发布评价指标体系新版本"),
    "assessment.start": _("开始评价"),
    "assessment.submit": _("提交评价"),
    "assessment.withdraw": _("撤回评价"),
    # 省级数据接口 (reporting.feeds.services)
    "feed.pull": _("拉取省级数据接口"),
    "feed.endpoint_save": _("设置数据推送地址"),
    "feed.secret_rotate": _("重新生成推送签名密钥"),
    "feed.contacts": _("设置数据接口是否传送联系方式"),
    "feed.sync": _("立即同步省级数据接口"),
    "feed.resend": _("重发数据推送批次"),
}

# The keys of before / after / detail that are no field of the event's object (a field of its
# object is named by the model's verbose_name).
KEYS: dict[str, Promise] = {
    # accounts and organisations
    "username": _("用户名"),
    "full_name": _("姓名"),
    "organization": _("所属机构"),
    "department": _("二级单位"),
    "is_org_admin": _("机构管理员"),
    "is_expert": _("评价专家"),
    "is_inventor": _("发明人"),
    "is_active": _("启用"),
    "platform_role": _("平台职责"),
    "attempts": _("失败登录记录"),
    "ip_address": _("IP"),
    "failures": _("失败次数"),
    "alias": _("别名"),
    "review_levels": _("审核层级"),
    "requires_two_factor": _("要求两步验证"),
    "device": _("验证方式"),
    "token_name": _("令牌名称"),
    "token_prefix": _("令牌前缀"),
    "scope": _("权限范围"),
    "expires_at": _("到期时间"),
    "review_note": _("审核意见"),
    "supervisor": _("主管部门"),
    "province": _("所在省份"),
    "created_organizations": _("新建机构"),
    "created_accounts": _("新建账号"),
    "passwords": _("初始密码"),
    "approval": _("审批单号"),
    "requested_by": _("申请人"),
    "via": _("操作方式"),
    # inventory
    "review_state": _("审核状态"),
    "status": _("状态"),
    "in_library": _("入库"),
    "return_reason": _("退回原因"),
    "reason": _("原因"),
    "records": _("盘点记录"),
    "record_ids": _("盘点记录"),
    "conversions": _("转化记录"),
    "patents": _("专利"),
    # spot checks (reporting.spotchecks)
    "sampled": _("抽取件数"),
    "reviewer": _("核查人"),
    "institution": _("机构"),
    # matchmaking events
    "outcome": _("对接结果"),
    "enterprise": _("对接企业"),
    "conversion": _("转化记录"),
    "inventor": _("发明人"),
    "milestones": _("盘点时间节点"),
    "action_name": _("批量操作"),
    "value": _("设置的值"),
    "filter": _("筛选条件"),
    "filters": _("筛选条件"),
    "selected": _("选中"),
    "changed": _("已修改"),
    "refused": _("未修改"),
    "job": _("后台任务"),
    "background": _("后台执行"),
    "rules": _("参照规则"),
    "provisional": _("暂行参照关系"),
    # imports and exports
    "file": _("文件"),
    "evaluations_created": _("新建评价"),
    "evaluations_updated": _("更新评价"),
    "source": _("来源"),
    "size": _("文件大小(字节)"),
    "sha256": _("文件摘要(SHA-256)"),
    "failure": _("失败原因"),
    "all_or_nothing": _("全部成功才导入"),
    "rows": _("行数"),
    "total": _("总行数"),
    "new": _("新增"),
    "updated": _("更新"),
    "unchanged": _("未变"),
    "skipped": _("跳过"),
    "rejected": _("有错误"),
    "warnings": _("提示"),
    "unknown_columns": _("未识别的列"),
    "count": _("数量"),
    "statuses_changed": _("状态随之变化"),
    "unmatched": _("未匹配"),
    "unmatched_rows": _("未匹配的行"),
    "non_institution_patentees": _("非机构专利权人"),
    "ownerships_added": _("新增权属"),
    "ownerships_removed": _("移除权属"),
    "records_created": _("新建盘点记录"),
    # the audit log's own filters (export.audit_log)
    "person": _("操作人"),
    "action": _("操作"),
    "date_from": _("起始日期"),
    "date_to": _("截止日期"),
    "object": _("对象"),
    # accesses (access.*)
    "path": _("地址"),
    "method": _("请求方法"),
    "objects": _("读取的对象"),
    # demo data
    "seed": _("随机种子"),
    # notifications
    "email_notifications": _("邮件通知"),
    # province data interfaces (feed.*)
    "url": _("推送地址"),
    "enabled": _("启用推送"),
    "contacts": _("传送联系方式"),
    "upserts": _("新增或更新记录"),
    "deletes": _("删除记录"),
    "batch_id": _("批次号"),
    "status_code": _("HTTP 状态"),
    "last_entry": _("读取到的游标"),
}


def action_label(action: str) -> str:
    """The action's Chinese name; an action no longer recorded (an old event) keeps its code."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def category_of(action: str) -> str:
    return action.split(".", 1)[0]


def _category_choice(namespace: str) -> str:
    return gettext("全部“%(category)s”操作") % {"category": CATEGORIES[namespace]}


def choice_label(value: str) -> str:
    """A value of the action filter in words: an action's name, or a whole category's."""
    if value.endswith(".*") and value[:-2] in CATEGORIES:
        return _category_choice(value[:-2])
    return action_label(value)


def action_choices() -> list:
    """The filter's choices, grouped by category: each group offers its whole category first
    ("auth.*"), then each action."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for action, label in ACTIONS.items():
        groups.setdefault(category_of(action), []).append((action, str(label)))
    choices: list = [("", gettext("全部操作"))]
    for namespace, label in CATEGORIES.items():
        actions = groups.get(namespace, [])
        if len(actions) > 1:
            actions = [(f"{namespace}.*", _category_choice(namespace)), *actions]
        choices.append((str(label), actions))
    return choices
