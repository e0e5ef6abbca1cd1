"""Feature packages. Each subpackage is a discord.py extension found and loaded by bot.app."""
