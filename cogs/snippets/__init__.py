"""Snippets: share, find and reuse code in the channel."""
