"""The people the stack test needs, made in the stack's own database by a child process.

``python -m tests.deploy.stack_seed`` with the stack's environment (DATABASE_URL, …) reads
``{"teacher": password, "reviewer": password}`` as JSON on stdin and makes a school with a
teacher who may upload and a school reviewer who may publish, through the same action
layer as the portal (tests/people.py). The test then signs them in over HTTP for tokens.
Viewers need no account: the videos are for the education intranet.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edu_portal.settings")
    import django

    django.setup()

    from edu_portal.accounts import actions
    from edu_portal.accounts.models import OrgUnit
    from edu_portal.accounts.roles import Role
    from tests.people import make_user

    passwords = json.load(sys.stdin)
    bureau = actions.create_org_unit(
        actions.SYSTEM, None, OrgUnit.Kind.BUREAU, "示范县教育局", "stack-bureau"
    )
    school = actions.create_org_unit(
        actions.SYSTEM, bureau, OrgUnit.Kind.SCHOOL, "城南小学", "stack-school"
    )
    make_user("stack_teacher", Role.TEACHER, school, password=passwords["teacher"])
    make_user("stack_reviewer", Role.SCHOOL_REVIEWER, school, password=passwords["reviewer"])
    print(json.dumps({"teacher": "stack_teacher", "reviewer": "stack_reviewer"}))


if __name__ == "__main__":
    main()
