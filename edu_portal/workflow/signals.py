"""Signals of the review workflow.

``transitioned`` is sent once the transaction of a transition has committed (never for a
transition that was rolled back), with ``sender`` the model and the keyword arguments
``instance``, ``action``, ``from_state``, ``to_state``, ``actor`` and ``comment``.
Notifications to authors hook in here.
"""

from django.dispatch import Signal

transitioned = Signal()
