"""Times as a player shows them, for the pages, status.json and the command line."""


def format_duration(seconds) -> str:
    """3725.2 -> "1:02:05"; 65 -> "1:05"; None -> ""."""
    if seconds is None:
        return ""
    total = int(seconds)  # whole seconds, as players show them
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"
