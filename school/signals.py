"""Signals the roster sends to the apps that hold data about students."""

from django.dispatch import Signal

# Sent inside the transaction that withdraws a student's biometric consent (kwargs: student). Receivers delete the
# student's face data in that same transaction, so the withdrawal and the deletion commit or fail together.
biometric_consent_withdrawn = Signal()

# Sent by school.services.erasure to the apps that hold images of a student the roster cannot see (kwargs: student,
# erase). Each receiver answers with a list of school.services.erasure.Holding: what it holds (erase=False), or what
# it removed (erase=True, sent inside the erasure's transaction; files deleted once it commits).
face_data_erasure = Signal()
