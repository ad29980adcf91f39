from django.db import migrations


def load(apps, schema_editor):
    from accounts.reference_data import MINISTRIES, PLATFORM_NAME, PROVINCE_OFFICE_SUFFIX, PROVINCES

    Province = apps.get_model("accounts", "Province")
    Organization = apps.get_model("accounts", "Organization")
    OrganizationAlias = apps.get_model("accounts", "OrganizationAlias")
    for code, name, short in PROVINCES:
        Province.objects.update_or_create(code=code, defaults={"name": name, "short_name": short})
        Organization.objects.get_or_create(
            kind="province", code=code,
            defaults={"name": name + PROVINCE_OFFICE_SUFFIX, "province_id": code},
        )
    for code, name, aliases in MINISTRIES:
        ministry, _ = Organization.objects.get_or_create(kind="ministry", code=code, defaults={"name": name})
        for alias in aliases:
            OrganizationAlias.objects.get_or_create(name=alias, defaults={"organization": ministry})
    Organization.objects.get_or_create(kind="platform", code="PLATFORM", defaults={"name": PLATFORM_NAME})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
