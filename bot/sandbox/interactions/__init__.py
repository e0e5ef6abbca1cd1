"""Interactions: what the server records of each, what the bot may answer, what tests see."""
