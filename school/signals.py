"""Signals the roster sends to the apps that hold data about students."""

from django.dispatch import Signal

# Sent inside the transaction that withdraws a student's biometric consent (kwargs: student). Receivers delete the
# student's face data in that same transaction, so the withdrawal and the deletion commit or fail together.
biometric_consent_withdrawn = Signal()
