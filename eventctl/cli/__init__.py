"""The command line: Typer apps, one module per noun. The only layer that prints."""
