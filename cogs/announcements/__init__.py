"""Scheduled announcements."""
