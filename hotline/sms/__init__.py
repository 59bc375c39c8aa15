"""The SMS channel (keywords, replies and the anonymous relay come with the SMS issue)."""
