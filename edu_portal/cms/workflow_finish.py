"""``WAGTAIL_FINISH_WORKFLOW_ACTION``: publish the approved revision.

Wagtail imports this while defining its models, so this module imports nothing itself.

Wagtail's default asks that the approver also hold Wagtail's publish permission on the
page; here the platform's task (``cms.models.review.PlatformApprovalTask``) decided who
approves (a school reviewer approves their school's pages without editing rights), so the
approval is the permission."""


def publish_approved(workflow_state, user=None) -> None:
    workflow_state.content_object.get_latest_revision().publish(
        user=user, skip_permission_checks=True
    )
