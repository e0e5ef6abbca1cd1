"""Feature packages. Each subpackage is a discord.py extension, found by bot/extensions.py."""
