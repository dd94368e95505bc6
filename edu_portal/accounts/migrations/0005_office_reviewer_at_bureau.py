"""The office reviewer role is held at the bureau root (roles.ROLE_UNIT_KINDS), so that
its scope covers every school and department. Assignments made at a department before
are moved to that department's top-level unit; one that would duplicate an assignment
already held there is dropped. The person's membership (User.org_unit) is not touched."""

from django.db import migrations
from treebeard.mp_tree import MP_Node

OFFICE_REVIEWER = "office_reviewer"


def move_to_top_level(apps, schema_editor):
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    OrgUnit = apps.get_model("accounts", "OrgUnit")
    steplen = MP_Node.steplen  # OrgUnit keeps treebeard's default path step
    tops = {unit.path: unit for unit in OrgUnit.objects.filter(depth=1)}
    for assignment in RoleAssignment.objects.filter(role=OFFICE_REVIEWER).select_related(
        "org_unit"
    ):
        unit = assignment.org_unit
        if unit.depth == 1:
            continue
        top = tops.get(unit.path[:steplen])
        if top is None:  # a broken tree: leave the row for an administrator to see
            continue
        held = RoleAssignment.objects.filter(
            user_id=assignment.user_id, role=OFFICE_REVIEWER, org_unit=top
        ).exists()
        if held:
            assignment.delete()
        else:
            assignment.org_unit = top
            assignment.save(update_fields=["org_unit"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_guardian_links"),
    ]

    operations = [
        # Not reversible in meaning (where each one was held is not kept); going back
        # leaves the assignments at the bureau, which the older code also accepts.
        migrations.RunPython(move_to_top_level, migrations.RunPython.noop),
    ]
