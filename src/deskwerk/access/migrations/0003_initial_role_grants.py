"""Role grants from the old two-value role: every person ``employee``, every admin ``owner``."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Membership = apps.get_model("accounts", "Membership")
    RoleGrant = apps.get_model("access", "RoleGrant")
    now = timezone.now()
    grants = []
    for m in Membership.objects.all().iterator():
        roles = ["employee", "owner"] if m.role == "admin" else ["employee"]
        for role in roles:
            if not RoleGrant.objects.filter(user_id=m.user_id, role=role, state="active").exists():
                grants.append(
                    RoleGrant(
                        tenant_id=m.tenant_id,
                        user_id=m.user_id,
                        role=role,
                        state="active",
                        created_at=now,
                        activated_at=now,
                    )
                )
    RoleGrant.objects.bulk_create(grants, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_rolegrant"),
        ("accounts", "0002_user_restricted_at_contactdetails"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
