"""Slack listeners, one module per kind; each exposes ``register(app, ctx)``.

Listeners only acknowledge, classify and journal (a SQLite insert): they finish in milliseconds,
before the ack goes out (``process_before_response=True``). The work happens in ``bot.jobs``.
"""
