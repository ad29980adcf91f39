"""Django admin registrations of the inventory app.

The milestones (DATA-STANDARD.md §7) are data the platform edits here. Note: the project does not
install django.contrib.admin yet; these registrations take effect once it does (autodiscovery).
"""

from django.contrib import admin

from inventory.models import Milestone


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ("name", "applies_to", "deadline", "days_after_grant", "granted_until", "granted_after",
                    "target_percent", "is_active")
    list_filter = ("applies_to", "is_active")
    list_editable = ("is_active",)
    ordering = ("deadline", "id")
