"""Notifications outbox and channels (F5)."""
