from django.urls import path

from accounts import (
    admin_views,
    allocation_views,
    department_views,
    member_views,
    registration_views,
    token_views,
    two_factor_views,
    views,
)

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    # The second factor (accounts.two_factor) and API tokens (accounts.tokens).
    path("two-factor/", two_factor_views.two_factor_page, name="two_factor"),
    path("two-factor/verify/", two_factor_views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/send-code/", two_factor_views.two_factor_sms, name="two_factor_sms"),
    path("tokens/", token_views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="token_revoke"),
    # Enterprise self-registration and provincial approval (accounts.registration).
    path("register/", registration_views.register, name="register"),
    path("register/done/", registration_views.register_done, name="register_done"),
    path("enterprises/review/", registration_views.enterprise_review, name="enterprise_review"),
    path("enterprises/<int:pk>/approve/", registration_views.enterprise_approve, name="enterprise_approve"),
    path("enterprises/<int:pk>/reject/", registration_views.enterprise_reject, name="enterprise_reject"),
    # Organisation admins manage their members (accounts.members).
    path("members/", member_views.member_list_view, name="members"),
    path("members/add/", member_views.member_add, name="member_add"),
    path("members/two-factor/", member_views.member_two_factor, name="member_two_factor"),
    path("members/<int:pk>/deactivate/", member_views.member_deactivate, name="member_deactivate"),
    path("members/<int:pk>/reactivate/", member_views.member_reactivate, name="member_reactivate"),
    path("members/<int:pk>/reset-password/", member_views.member_reset_password, name="member_reset_password"),
    # Institutions' departments (二级单位) (accounts.departments).
    path("departments/", department_views.departments, name="departments"),
    path("departments/<int:pk>/rename/", department_views.department_rename, name="department_rename"),
    path("members/<int:pk>/department/", department_views.member_department, name="member_department"),
    # The three platform administrators, 三员分立 (accounts.administration).
    path("admin/users/", admin_views.user_admin, name="user_admin"),
    path("admin/users/create/", admin_views.user_create, name="user_create"),
    path("admin/users/<int:pk>/deactivate/", admin_views.user_deactivate, name="user_deactivate"),
    path("admin/users/<int:pk>/activate/", admin_views.user_activate, name="user_activate"),
    path("admin/users/<int:pk>/reset-password/", admin_views.user_reset_password, name="user_reset_password"),
    path("security/", admin_views.security, name="security"),
    path("security/unlock/", admin_views.security_unlock, name="security_unlock"),
    path("security/unlock-address/", admin_views.security_unlock_address, name="security_unlock_address"),
    path("security/users/<int:pk>/permissions/", admin_views.security_permissions, name="security_permissions"),
    path("security/users/<int:pk>/two-factor-reset/", two_factor_views.security_two_factor_reset,
         name="security_two_factor_reset"),
    path("security/tokens/", token_views.security_tokens, name="security_tokens"),
    path("security/tokens/<int:pk>/revoke/", token_views.security_token_revoke, name="security_token_revoke"),
    # The two-person rule: changes to administrators' accounts wait for a second administrator.
    path("approvals/", admin_views.approvals, name="approvals"),
    path("approvals/<int:pk>/approve/", admin_views.approval_approve, name="approval_approve"),
    path("approvals/<int:pk>/reject/", admin_views.approval_reject, name="approval_reject"),
    path("audit/", admin_views.audit_log, name="audit_log"),
    path("audit/export.xlsx", admin_views.audit_export, name="audit_export"),
    # The platform operator allocates accounts in bulk from a sheet (accounts.allocation).
    path("allocation/", allocation_views.upload, name="allocation"),
    path("allocation/template.xlsx", allocation_views.template, name="allocation_template"),
    path("allocation/<str:token>/", allocation_views.preview, name="allocation_preview"),
    path("allocation/<str:token>/confirm/", allocation_views.confirm, name="allocation_confirm"),
    path("allocation/result/<str:token>/", allocation_views.result, name="allocation_result"),
    path("allocation/result/<str:token>/download/", allocation_views.download, name="allocation_download"),
]
