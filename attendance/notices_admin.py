"""Admin of the absence notices and the e-mails they sent (imported by attendance/admin.py)."""

from __future__ import annotations
