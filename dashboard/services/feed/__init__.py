"""The data feed: pulls data in unattended (docs/feed-inbox.md)."""
