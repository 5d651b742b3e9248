"""The Slack side of brandbot. Uses ``analyzers`` only through its facade."""
