"""Webhooks as dtable-events sends them: the registry fed from the event bus, the bodies,
and the delivery threads."""
