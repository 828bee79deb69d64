"""Activity: the home stream's events and people's notifications, fed by every tool through a
small interface (api.py), read back filtered by what the reader may view."""
from __future__ import annotations

from .api import channel_of, install_hooks, notify, notify_mentions, record, retract  # noqa: F401
from .inbox import mark_read_about  # noqa: F401
from .models import CHANNELS, KINDS, VERBS, Event, Notification, NotificationPreference  # noqa: F401
