"""The `firebreak` command line: argument parsing and one module per sub-command."""
