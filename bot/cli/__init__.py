"""The `launchbot` command line."""
