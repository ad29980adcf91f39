"""The level-3 controls (网络安全等级保护 2.0, GB/T 22239-2019, 安全计算环境 8.1.4) that the software
meets: for each, the clause it answers, how the platform meets it, the settings that implement it
and the tests that prove it. `manage.py security_report` prints this list with each setting's value
in force; tests/test_security_report.py holds every named test to exist, and every test named
`test_control_*` to be listed here, so the list cannot drift from the code.

Controls that depend on the deployment (network boundaries, host hardening, backups, the database
role) are not listed: the deployment notes in README.md say what the operator must do.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Label = str | Promise


@dataclass(frozen=True)
class Area:
    clause: str
    name: Label


IDENTITY = Area("8.1.4.1", _("身份鉴别"))
ACCESS = Area("8.1.4.2", _("访问控制"))
AUDIT = Area("8.1.4.3", _("安全审计"))
INTRUSION = Area("8.1.4.4", _("入侵防范"))
INTEGRITY = Area("8.1.4.7", _("数据完整性"))
CONFIDENTIALITY = Area("8.1.4.8", _("数据保密性"))
RESIDUAL = Area("8.1.4.10", _("剩余信息保护"))
PERSONAL_DATA = Area("8.1.4.11", _("个人信息保护"))

AREAS = (IDENTITY, ACCESS, AUDIT, INTRUSION, INTEGRITY, CONFIDENTIALITY, RESIDUAL, PERSONAL_DATA)


@dataclass(frozen=True)
class Control:
    area: Area
    # The clause's item (a, b, …) as GB/T 22239-2019 letters it.
    item: str
    requirement: Label
    implementation: Label
    settings: tuple[str, ...]
    # pytest node ids, relative to the project root.
    tests: tuple[str, ...]


CONTROLS: tuple[Control, ...] = (
    Control(
        IDENTITY, "a", _("口令复杂度"),
        _("至少 8 位,含大写字母、小写字母、数字和符号中的三类,不得与用户名或常见口令相同"),
        ("AUTH_PASSWORD_VALIDATORS",),
        ("tests/test_security.py::test_control_identity_password_complexity",),
    ),
    Control(
        IDENTITY, "a", _("口令定期更换"),
        _("口令超过有效期后,登录即须修改;首次登录须修改初始口令"),
        ("PASSWORD_MAX_AGE_DAYS",),
        ("tests/test_security.py::test_control_identity_password_expiry",
         "tests/test_security.py::test_control_identity_initial_password_changed_at_first_login"),
    ),
    Control(
        IDENTITY, "b", _("登录失败处理:按账号锁定"),
        _("同一账号从任何地址连续登录失败达到次数即锁定,冷却期满或由安全管理员解锁"),
        ("AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", "AXES_LOCKOUT_PARAMETERS", "AXES_HANDLER"),
        ("tests/test_lockout.py::test_control_login_failure_locks_the_account_from_any_address",
         "tests/test_lockout.py::test_control_lockout_ends_by_itself_after_the_cool_off",
         "tests/test_lockout.py::test_control_security_admin_unlocks_an_account_and_an_address",
         "tests/test_security.py::test_lockout_after_failure_limit_refuses_the_right_password_until_unlocked"),
    ),
    Control(
        IDENTITY, "b", _("登录失败处理:按来源地址放慢和封禁"),
        _("同一地址在多个账号上登录失败,先逐次加倍等待,再封禁该地址"),
        ("LOGIN_ADDRESS_SLOW_AFTER", "LOGIN_ADDRESS_MAX_DELAY_SECONDS", "LOGIN_ADDRESS_FAILURE_LIMIT"),
        ("tests/test_lockout.py::test_control_an_address_failing_over_many_accounts_is_blocked",
         "tests/test_lockout.py::test_control_an_address_is_slowed_before_it_is_blocked"),
    ),
    Control(
        IDENTITY, "b", _("登录验证码"),
        _("账号或地址登录失败几次后,须输入服务器本地生成的图片验证码"),
        ("LOGIN_CAPTCHA_AFTER",),
        ("tests/test_lockout.py::test_control_captcha_required_after_a_few_failures_of_the_account",
         "tests/test_lockout.py::test_control_captcha_required_after_a_few_failures_from_the_address",
         "tests/browser/test_pages.py::test_control_login_captcha_is_drawn_locally_after_failures"),
    ),
    Control(
        IDENTITY, "a", _("口令历史"),
        _("新口令不得与最近五次口令(含当前口令)相同,管理员重置后同样适用"),
        ("PASSWORD_HISTORY_COUNT",),
        ("tests/test_lockout.py::test_control_password_history_refuses_the_last_five",
         "tests/test_lockout.py::test_control_password_history_holds_after_an_administrators_reset"),
    ),
    Control(
        IDENTITY, "b", _("会话绝对时限"),
        _("登录满设定小时数后,无论是否活跃都自动退出"),
        ("SESSION_ABSOLUTE_HOURS",),
        ("tests/test_lockout.py::test_control_absolute_session_lifetime_ends_an_active_session",),
    ),
    Control(
        IDENTITY, "b", _("登录连接超时自动退出"),
        _("空闲超时后会话失效,须重新登录"),
        ("SESSION_COOKIE_AGE", "SESSION_SAVE_EVERY_REQUEST", "SESSION_EXPIRE_AT_BROWSER_CLOSE"),
        ("tests/test_security.py::test_control_identity_idle_session_timeout",),
    ),
    Control(
        IDENTITY, "c", _("防止鉴别信息在网络传输中被窃听"),
        _("生产环境只走 HTTPS:HSTS、HTTPS 跳转、仅限 HTTPS 的会话和 CSRF Cookie"),
        ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"),
        ("tests/test_security.py::test_control_confidentiality_https_only_in_production",),
    ),
    Control(
        IDENTITY, "d", _("两种或两种以上组合的鉴别技术"),
        _("平台运营和三员(及要求双因素的机构成员)须在口令之外输入动态口令(TOTP 或短信验证码),首次登录强制绑定"),
        ("TWO_FACTOR_REQUIRED", "OTP_DELIVERY_BACKEND"),
        ("tests/test_two_factor.py::test_control_identity_second_factor_required_for_admins",
         "tests/test_two_factor.py::test_control_identity_code_step_after_password",
         "tests/test_two_factor.py::test_control_identity_totp_enrolment_shows_qr_and_ten_recovery_codes",
         "tests/test_two_factor.py::test_control_identity_organisation_can_require_second_factor",
         "tests/test_two_factor.py::test_control_identity_sms_codes_through_the_delivery_backend",
         "tests/browser/test_two_factor_browser.py::test_control_identity_admin_enrols_in_totp_and_signs_in_with_a_code"),
    ),
    Control(
        IDENTITY, "d", _("恢复码、验证码失败锁定和双因素重置"),
        _("10 个一次性恢复码;连续输错验证码后锁定;安全管理员重置双因素并吊销其令牌,记入审计"),
        ("TWO_FACTOR_RECOVERY_CODES", "TWO_FACTOR_FAILURE_LIMIT", "TWO_FACTOR_LOCKOUT_MINUTES"),
        ("tests/test_two_factor.py::test_control_identity_recovery_code_works_once",
         "tests/test_two_factor.py::test_control_identity_wrong_codes_lock_the_code_step",
         "tests/test_two_factor.py::test_control_identity_security_admin_resets_second_factor_and_tokens"),
    ),
    Control(
        IDENTITY, "d", _("API 令牌受管理"),
        _("不能凭口令换取令牌;令牌有名称、有效期和范围,散列保存、只显示一次;双因素用户须在通过验证的会话中创建;"
          "修改口令、停用账号、重置双因素时吊销"),
        ("API_TOKEN_DEFAULT_DAYS", "API_TOKEN_MAX_DAYS"),
        ("tests/test_api_tokens.py::test_control_identity_no_token_from_password_alone",
         "tests/test_api_tokens.py::test_control_identity_token_created_on_the_page_shown_once_stored_hashed",
         "tests/test_api_tokens.py::test_control_identity_token_expiry_is_bounded_by_the_setting",
         "tests/test_api_tokens.py::test_control_identity_token_of_two_factor_user_needs_a_passed_session",
         "tests/test_api_tokens.py::test_control_identity_expired_or_revoked_token_is_refused",
         "tests/test_api_tokens.py::test_control_identity_tokens_revoked_on_password_change_and_deactivation"),
    ),
    Control(
        ACCESS, "e", _("令牌的访问范围和吊销"),
        _("只读令牌不能写;用户只能吊销自己的令牌,安全管理员可列出并吊销全部令牌"),
        (),
        ("tests/test_api_tokens.py::test_control_access_read_token_cannot_write",
         "tests/test_api_tokens.py::test_control_access_user_cannot_revoke_anothers_token",
         "tests/test_api_tokens.py::test_control_access_security_admin_lists_and_revokes_every_token"),
    ),
    Control(
        INTRUSION, "e", _("接口限流"),
        _("API 按令牌和按用户限流,超限返回 429 和 Retry-After"),
        ("API_THROTTLE_RATES",),
        ("tests/test_api_tokens.py::test_control_access_api_throttled_per_token_with_retry_after",
         "tests/test_api_tokens.py::test_control_access_api_throttled_per_user_across_tokens"),
    ),
    Control(
        ACCESS, "a", _("为登录用户分配账户和权限"),
        _("每个用户只看到本角色、本机构范围内的数据和字段(统一的范围层 visible_to / editable_by)"),
        (),
        ("tests/test_isolation.py::test_pages_show_only_scoped_data",
         "tests/test_isolation.py::test_object_routes_answer_404_out_of_scope",
         "tests/test_isolation.py::test_object_writes_refused_out_of_scope",
         "tests/test_isolation_rules.py::test_removing_a_scope_rule_is_caught"),
    ),
    Control(
        ACCESS, "d", _("管理用户权限分离(三员分立)"),
        _("系统管理员、安全管理员、审计管理员各用其页面,互不兼任,不接触业务数据"),
        (),
        ("tests/test_three_admins.py::test_control_access_three_administrators_separated",
         "tests/test_three_admins.py::test_the_services_check_the_role_too"),
    ),
    Control(
        ACCESS, "d", _("三员分立不能由一人突破(双人审批)"),
        _("对平台管理员账号的口令重置、停用、启用、权限变更、双因素重置,以及授予平台角色,须另一位管理员审批后才执行;"
          "安装时用命令行(set_platform_role、reset_admin_password),均记入审计"),
        (),
        ("tests/test_two_person.py::test_control_sysadmin_cannot_reset_another_administrators_password_alone",
         "tests/test_two_person.py::test_control_sysadmin_cannot_lock_or_unlock_another_administrator_alone",
         "tests/test_two_person.py::test_control_secadmin_cannot_grant_a_platform_role_alone",
         "tests/test_two_person.py::test_control_second_administrator_approval_carries_the_change_out",
         "tests/test_two_person.py::test_control_role_grant_is_carried_out_when_approved",
         "tests/test_two_person.py::test_control_self_approval_and_approval_by_the_target_are_refused",
         "tests/test_two_person.py::test_control_rejection_changes_nothing_and_is_audited",
         "tests/test_two_person.py::test_control_installation_commands_set_roles_and_passwords_audited",
         "tests/test_two_factor.py::test_control_identity_an_administrators_second_factor_is_reset_only_with_a_second_approval"),
    ),
    Control(
        ACCESS, "f", _("访问控制粒度到用户和字段"),
        _("记录的每个字段都声明其读者;资源库读者看不到内部字段"),
        (),
        ("tests/test_audiences.py::test_every_field_of_the_record_has_exactly_one_audience",
         "tests/test_audiences.py::test_the_library_serializers_serve_no_internal_field"),
    ),
    Control(
        AUDIT, "a", _("审计覆盖每个用户的重要行为和安全事件"),
        _("登录、登录失败、退出、变更和导出均记入审计日志"),
        (),
        ("tests/test_security.py::test_control_audit_logins_and_failures_recorded",
         "tests/test_audit_log.py::test_every_action_the_code_records_has_a_name"),
    ),
    Control(
        AUDIT, "c", _("审计记录受到保护"),
        _("平台内任何人不能修改或删除审计记录"),
        (),
        ("tests/test_three_admins.py::test_control_audit_log_not_changed_through_the_application",
         "tests/test_three_admins.py::test_no_route_deletes_or_edits_audit_events"),
    ),
    Control(
        AUDIT, "a", _("拒绝的访问、个人信息读取和批量读取也记入审计"),
        _("每次 403、明文显示联系电话或邮箱的页面和接口、超过阈值的批量 API 读取各记一条事件(不记内容)"),
        ("API_BULK_READ_THRESHOLD",),
        ("tests/test_audit_chain.py::test_control_audit_coverage_refused_access_recorded",
         "tests/test_audit_chain.py::test_control_audit_coverage_personal_data_reads_recorded",
         "tests/test_audit_chain.py::test_control_audit_coverage_masked_reads_not_recorded_as_personal",
         "tests/test_audit_chain.py::test_control_audit_coverage_bulk_api_reads_recorded"),
    ),
    Control(
        AUDIT, "b", _("审计记录保留操作人"),
        _("删除账号后,其事件仍保留操作人的编号、用户名和姓名"),
        (),
        ("tests/test_audit_chain.py::test_control_audit_actor_kept_when_the_account_is_deleted",),
    ),
    Control(
        AUDIT, "c", _("数据库层面防止修改和删除审计记录"),
        _("PostgreSQL 触发器拒绝对审计表的 UPDATE 和 DELETE;应用以无此权限的数据库角色运行(docs/audit-log.md)"),
        (),
        ("tests/test_audit_chain.py::test_control_audit_protection_database_refuses_update_and_delete",
         "tests/test_audit_chain.py::test_control_audit_protection_application_refuses_editing"),
    ),
    Control(
        AUDIT, "c", _("审计记录防篡改(哈希链)"),
        _("每条事件带上一条的哈希;manage.py verify_audit_chain 校验全链并指出第一处断点"),
        (),
        ("tests/test_audit_chain.py::test_control_audit_integrity_each_event_carries_the_previous_hash",
         "tests/test_audit_chain.py::test_control_audit_integrity_verify_names_the_first_broken_event",
         "tests/test_audit_chain.py::test_control_audit_integrity_verify_names_a_removed_event",
         "tests/test_audit_chain.py::test_control_audit_integrity_verify_names_removed_oldest_events",
         "tests/test_audit_chain.py::test_control_audit_integrity_concurrent_appends_keep_one_chain"),
    ),
    Control(
        AUDIT, "c", _("审计记录保存不少于 180 天,归档签名"),
        _("180 天内的事件不能删除;更早的由 manage.py archive_audit 归档为带签名的文件后才移除"),
        ("AUDIT_RETENTION_DAYS",),
        ("tests/test_audit_chain.py::test_control_audit_retention_nothing_younger_than_180_days_is_archived",
         "tests/test_audit_chain.py::test_control_audit_retention_old_events_archived_to_a_signed_file",
         "tests/test_audit_chain.py::test_control_audit_retention_archive_refuses_a_broken_chain"),
    ),
    Control(
        INTRUSION, "e", _("数据有效性检验"),
        _("上传文件逐行逐列校验,错误用中文指明行和列,有错误不写入"),
        (),
        ("tests/test_inventory_upload.py::test_row_rules",),
    ),
    Control(
        INTRUSION, "e", _("严格的内容安全策略"),
        _("每个响应带严格的 Content-Security-Policy:只加载本站脚本和样式,不允许内联代码;"
          "模板中没有内联脚本、样式或事件"),
        ("SECURE_CSP",),
        ("tests/test_security_headers.py::test_control_csp_strict_on_pages_api_login_and_errors",
         "tests/test_security_headers.py::test_control_csp_on_the_server_error_and_csrf_failure_pages",
         "tests/test_security_headers.py::test_control_csp_no_template_needs_inline_code",
         "tests/test_security_headers.py::test_control_api_docs_need_no_inline_script",
         "tests/browser/test_csp_browser.py::test_control_csp_no_violation_on_any_page_of_any_role",
         "tests/browser/test_csp_browser.py::test_control_csp_no_violation_on_anonymous_pages"),
    ),
    Control(
        INTRUSION, "e", _("限制浏览器功能、防嗅探、防嵌套"),
        _("Permissions-Policy 禁用摄像头、麦克风、定位、支付等;nosniff、同源引用、禁止被嵌入框架"),
        ("PERMISSIONS_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS"),
        ("tests/test_security_headers.py::test_control_permissions_policy_denies_device_features",
         "tests/test_security_headers.py::test_control_nosniff_referrer_and_framing_headers"),
    ),
    Control(
        RESIDUAL, "b", _("不留缓存副本"),
        _("API 的每个响应和登录用户的每个页面都带 Cache-Control: no-store"),
        (),
        ("tests/test_security_headers.py::test_control_no_store_on_every_api_response",
         "tests/test_security_headers.py::test_control_no_store_on_signed_in_pages"),
    ),
    Control(
        CONFIDENTIALITY, "b", _("鉴别数据存储保密"),
        _("口令以 Argon2 加盐散列保存"),
        ("PASSWORD_HASHERS",),
        ("tests/test_security.py::test_control_confidentiality_passwords_hashed_with_argon2",),
    ),
    Control(
        PERSONAL_DATA, "b", _("禁止未授权访问个人信息"),
        _("联系电话和邮箱只对本单位和平台运营明文显示,其他读者和审计日志中脱敏"),
        (),
        ("tests/test_audit_payloads.py::test_masking",
         "tests/test_private_files.py::test_media_files_are_not_served_by_url"),
    ),
)
